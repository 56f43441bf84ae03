"""A trigram index on the guardians' mobile, searched by the secretariat: PostgreSQL only.

The operation and why it helps: ``extranet.base.pg.UpperTrigramIndexes``.
"""

from django.db import migrations

from extranet.base.pg import UpperTrigramIndexes


class Migration(migrations.Migration):
    dependencies = [("families", "0003_list_ordering_and_date_indexes")]

    operations = [UpperTrigramIndexes([("families_guardian", "mobile")])]
