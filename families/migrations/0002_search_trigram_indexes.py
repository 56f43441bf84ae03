"""Trigram indexes for the secretariat's searches, on PostgreSQL only.

The admin searches with ``icontains``, which PostgreSQL runs as ``UPPER(column::text) LIKE
UPPER('%term%')``: a GIN trigram index on that expression serves it instead of a scan of the
table (hundreds of milliseconds at 20,000 families). SQLite (the demo) has no such index and
needs none at its size; the operation does nothing there.
"""

from django.db import migrations

SEARCHED = [
    ("families_family", "name"),
    ("families_family", "external_reference"),
    ("families_guardian", "last_name"),
    ("families_guardian", "first_name"),
    ("families_guardian", "email"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, column in SEARCHED:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{table}_{column}_trgm" ON "{table}" '
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in SEARCHED:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{table}_{column}_trgm"')


class Migration(migrations.Migration):
    dependencies = [("families", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
