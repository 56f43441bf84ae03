"""A trigram index on the documents' file names, searched by the secretariat: PostgreSQL only.

The operation and why it helps: ``extranet.base.pg.UpperTrigramIndexes``.
"""

from django.db import migrations

from extranet.base.pg import UpperTrigramIndexes


class Migration(migrations.Migration):
    dependencies = [("documents", "0004_history_and_document_date")]

    operations = [UpperTrigramIndexes([("documents_document", "original_name")])]
