"""PostgreSQL-only pieces of migrations; on SQLite (the demo) they do nothing.

``UpperTrigramIndexes`` is the one migration operation behind the secretariat's fast searches.
The admin searches with ``icontains``, which PostgreSQL runs as ``UPPER(column::text) LIKE
UPPER('%term%')``: a GIN trigram index on that expression serves it instead of a scan of the
table (hundreds of milliseconds at 20,000 families). SQLite has no such index and needs none at
the demo's size.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import router
from django.db.migrations.operations.base import Operation


def trigram_index_name(table: str, column: str) -> str:
    return f"{table}_{column}_trgm"


def create_statements(columns: Iterable[tuple[str, str]]) -> list[str]:
    """The SQL that creates the pg_trgm extension and an index per ``(table, column)``."""
    statements = ["CREATE EXTENSION IF NOT EXISTS pg_trgm"]
    for table, column in columns:
        statements.append(
            f'CREATE INDEX IF NOT EXISTS "{trigram_index_name(table, column)}" ON "{table}" '
            # Without a pending list, as TrigramIndexesWithoutPendingList explains.
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops) WITH (fastupdate = off)'
        )
    return statements


def drop_statements(columns: Iterable[tuple[str, str]]) -> list[str]:
    return [f'DROP INDEX IF EXISTS "{trigram_index_name(table, column)}"' for table, column in columns]


class UpperTrigramIndexes(Operation):
    """GIN trigram indexes on ``UPPER(column::text)`` for each ``(table, column)``, PostgreSQL only.

    Reversible (the indexes are dropped; the extension stays, other indexes may use it). The
    model state is unchanged: these indexes are not declared on the models, Django would not
    know how to write them.
    """

    reversible = True
    reduces_to_sql = False  # what it runs depends on the database
    elidable = False

    def __init__(self, columns: Iterable[tuple[str, str]]):
        self.columns = [(table, column) for table, column in columns]

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.columns], {})

    def state_forwards(self, app_label, state):
        pass

    def _runs_on(self, schema_editor, app_label) -> bool:
        return schema_editor.connection.vendor == "postgresql" and router.allow_migrate(
            schema_editor.connection.alias, app_label
        )

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if self._runs_on(schema_editor, app_label):
            for statement in create_statements(self.columns):
                schema_editor.execute(statement)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if self._runs_on(schema_editor, app_label):
            for statement in drop_statements(self.columns):
                schema_editor.execute(statement)

    def describe(self) -> str:
        names = ", ".join(f"{table}.{column}" for table, column in self.columns)
        return f"Trigram indexes (PostgreSQL only) on UPPER() of {names}"

    @property
    def migration_name_fragment(self) -> str:
        return "search_trigram_indexes"


class TrigramIndexesWithoutPendingList(UpperTrigramIndexes):
    """Trigram indexes made by ``UpperTrigramIndexes`` before it created them without a pending
    list, altered to match: ``fastupdate = off``, and what the list already holds merged into the
    index (PostgreSQL only; the indexes must exist).

    A GIN index with ``fastupdate`` (PostgreSQL's default) puts new rows in an unsorted pending
    list that every search reads in full, until a vacuum merges it (up to
    ``gin_pending_list_limit``, 4 MB). Right after a load of 20,000 families, before any vacuum,
    each search of a name read the whole list: 10 to 30 ms per column, slower than reading the
    table, so PostgreSQL read the table. Without the list an insert or an edit updates the index
    at once (a few trigrams a row), and a search costs a fraction of a millisecond per column.
    """

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if self._runs_on(schema_editor, app_label):
            for table, column in self.columns:
                name = trigram_index_name(table, column)
                schema_editor.execute(f'ALTER INDEX "{name}" SET (fastupdate = off)')
                schema_editor.execute("SELECT gin_clean_pending_list(%s::regclass)", [f'"{name}"'])

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if self._runs_on(schema_editor, app_label):
            for table, column in self.columns:
                schema_editor.execute(f'ALTER INDEX "{trigram_index_name(table, column)}" RESET (fastupdate)')

    def describe(self) -> str:
        names = ", ".join(f"{table}.{column}" for table, column in self.columns)
        return f"Trigram indexes without a pending list (PostgreSQL only) on UPPER() of {names}"

    @property
    def migration_name_fragment(self) -> str:
        return "trigram_indexes_without_pending_list"
