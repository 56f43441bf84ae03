from django.db import migrations

from extranet.base.reference import load_reference


def load(apps, schema_editor):
    load_reference(apps, "students.Cycle", "cycles.json", key="name")


class Migration(migrations.Migration):
    dependencies = [("students", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
