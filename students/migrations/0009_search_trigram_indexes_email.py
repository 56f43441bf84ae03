"""A trigram index on the pupils' e-mail, searched by the secretariat: PostgreSQL only.

The operation and why it helps: ``extranet.base.pg.UpperTrigramIndexes``.
"""

from django.db import migrations

from extranet.base.pg import UpperTrigramIndexes


class Migration(migrations.Migration):
    dependencies = [("students", "0008_list_ordering_and_date_indexes")]

    operations = [UpperTrigramIndexes([("students_student", "email")])]
