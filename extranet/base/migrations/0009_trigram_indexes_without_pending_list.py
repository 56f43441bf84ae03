"""The trigram indexes of the secretariat's searches without a pending list: PostgreSQL only.

Why (a search right after a load read 4 MB of pending entries per column):
``extranet.base.pg.TrigramIndexesWithoutPendingList``.
"""

from django.db import migrations

from extranet.base.pg import TrigramIndexesWithoutPendingList


class Migration(migrations.Migration):
    dependencies = [("extranet", "0008_site_accessibility_audit_rate")]

    operations = [
        TrigramIndexesWithoutPendingList(
            [
                ("extranet_user", "identifier"),
                ("extranet_user", "email"),
            ]
        )
    ]
