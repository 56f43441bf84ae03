"""School and public holidays added to fixtures/school_holidays.json after 0004 ran (2027/2028).

Only rows the database does not have yet are created: a row the secretariat corrected in the
admin is left as it is. A fresh database already got every row from 0004.
"""

from django.db import migrations

from extranet.base.reference import load_rows


def load(apps, schema_editor):
    SchoolHoliday = apps.get_model("students", "SchoolHoliday")
    known = set(SchoolHoliday.objects.values_list("code", flat=True))
    SchoolHoliday.objects.bulk_create(
        SchoolHoliday(**row) for row in load_rows("school_holidays.json") if row["code"] not in known
    )


class Migration(migrations.Migration):
    dependencies = [("students", "0005_search_trigram_indexes")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
