"""The trigram indexes of the secretariat's searches without a pending list: PostgreSQL only.

Why (a search right after a load read 4 MB of pending entries per column):
``extranet.base.pg.TrigramIndexesWithoutPendingList``.
"""

from django.db import migrations

from extranet.base.pg import TrigramIndexesWithoutPendingList


class Migration(migrations.Migration):
    dependencies = [("students", "0009_search_trigram_indexes_email")]

    operations = [
        TrigramIndexesWithoutPendingList(
            [
                ("students_student", "last_name"),
                ("students_student", "first_name"),
                ("students_student", "email"),
            ]
        )
    ]
