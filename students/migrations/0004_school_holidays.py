from django.db import migrations

from extranet.base.reference import load_reference


def load(apps, schema_editor):
    load_reference(apps, "students.SchoolHoliday", "school_holidays.json")


class Migration(migrations.Migration):
    dependencies = [("students", "0003_school_year")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
