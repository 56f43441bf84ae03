"""The trigram indexes of the secretariat's searches without a pending list: PostgreSQL only.

Why (a search right after a load read 4 MB of pending entries per column):
``extranet.base.pg.TrigramIndexesWithoutPendingList``.
"""

from django.db import migrations

from extranet.base.pg import TrigramIndexesWithoutPendingList


class Migration(migrations.Migration):
    dependencies = [("families", "0004_search_trigram_indexes_mobile")]

    operations = [
        TrigramIndexesWithoutPendingList(
            [
                ("families_family", "name"),
                ("families_family", "external_reference"),
                ("families_guardian", "last_name"),
                ("families_guardian", "first_name"),
                ("families_guardian", "email"),
                ("families_guardian", "mobile"),
            ]
        )
    ]
