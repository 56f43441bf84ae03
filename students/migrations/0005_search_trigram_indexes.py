"""Trigram indexes for the secretariat's searches, on PostgreSQL only (a no-op on SQLite).

The operation and why it helps: ``extranet.base.pg.UpperTrigramIndexes``.
"""

from django.db import migrations

from extranet.base.pg import UpperTrigramIndexes


class Migration(migrations.Migration):
    dependencies = [("students", "0004_school_holidays")]

    operations = [
        UpperTrigramIndexes(
            [
                ("students_student", "last_name"),
                ("students_student", "first_name"),
            ]
        )
    ]
