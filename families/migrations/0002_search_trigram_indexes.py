"""Trigram indexes for the secretariat's searches, on PostgreSQL only (a no-op on SQLite).

The operation and why it helps: ``extranet.base.pg.UpperTrigramIndexes``.
"""

from django.db import migrations

from extranet.base.pg import UpperTrigramIndexes


class Migration(migrations.Migration):
    dependencies = [("families", "0001_initial")]

    operations = [
        UpperTrigramIndexes(
            [
                ("families_family", "name"),
                ("families_family", "external_reference"),
                ("families_guardian", "last_name"),
                ("families_guardian", "first_name"),
                ("families_guardian", "email"),
            ]
        )
    ]
