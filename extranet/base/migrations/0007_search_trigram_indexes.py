"""Trigram indexes for the secretariat's searches, on PostgreSQL only (a no-op on SQLite).

The operation and why it helps: ``extranet.base.pg.UpperTrigramIndexes``.
"""

from django.db import migrations

from extranet.base.pg import UpperTrigramIndexes


class Migration(migrations.Migration):
    dependencies = [("extranet", "0006_user_identifier_upper_index")]

    operations = [
        UpperTrigramIndexes(
            [
                ("extranet_user", "identifier"),
                ("extranet_user", "email"),
            ]
        )
    ]
