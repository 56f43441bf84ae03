"""The one trigram-index migration operation: indexes on PostgreSQL, nothing on SQLite."""

import importlib
from types import SimpleNamespace

import pytest

from extranet.base.pg import UpperTrigramIndexes

COLUMNS = [("families_family", "name"), ("families_guardian", "email")]


class RecordingSchemaEditor:
    def __init__(self, vendor: str):
        self.connection = SimpleNamespace(vendor=vendor, alias="default")
        self.executed: list[str] = []

    def execute(self, sql, params=()):
        self.executed.append(sql)


def test_on_sqlite_it_runs_nothing_either_way():
    editor = RecordingSchemaEditor("sqlite")
    operation = UpperTrigramIndexes(COLUMNS)

    operation.database_forwards("families", editor, None, None)
    operation.database_backwards("families", editor, None, None)

    assert editor.executed == []


def test_on_postgresql_it_creates_the_extension_and_one_upper_gin_index_per_column():
    editor = RecordingSchemaEditor("postgresql")

    UpperTrigramIndexes(COLUMNS).database_forwards("families", editor, None, None)

    assert editor.executed == [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        'CREATE INDEX IF NOT EXISTS "families_family_name_trgm" ON "families_family" '
        'USING gin ((UPPER("name"::text)) gin_trgm_ops) WITH (fastupdate = off)',
        'CREATE INDEX IF NOT EXISTS "families_guardian_email_trgm" ON "families_guardian" '
        'USING gin ((UPPER("email"::text)) gin_trgm_ops) WITH (fastupdate = off)',
    ]


def test_unapplying_it_on_postgresql_drops_the_indexes_and_keeps_the_extension():
    editor = RecordingSchemaEditor("postgresql")

    UpperTrigramIndexes(COLUMNS).database_backwards("families", editor, None, None)

    assert editor.executed == [
        'DROP INDEX IF EXISTS "families_family_name_trgm"',
        'DROP INDEX IF EXISTS "families_guardian_email_trgm"',
    ]


@pytest.mark.parametrize(
    ("module", "columns"),
    [
        ("families.migrations.0002_search_trigram_indexes", 5),
        ("students.migrations.0005_search_trigram_indexes", 2),
        ("extranet.base.migrations.0007_search_trigram_indexes", 2),
    ],
)
def test_each_search_migration_uses_the_shared_operation(module, columns):
    (operation,) = importlib.import_module(module).Migration.operations

    assert isinstance(operation, UpperTrigramIndexes)
    assert len(operation.columns) == columns
    assert operation.reversible
