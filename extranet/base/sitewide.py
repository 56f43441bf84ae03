"""Reads that are the same for every family of a site, kept a few seconds in each process.

The current and next seasons, a site's re-enrolment windows, the active document types, the
reference lists of the forms (civilités, PCS…) and a site's news are read by nearly every page,
for every family alike, and change a few times a year. A family page spent a query on each
(Accueil: four of its six), each costing the worker, PostgreSQL and two context switches about
as much as rendering a small page. A ``KeptRead`` wraps a prepared query
(extranet/base/prepared.py) and keeps its rows per set of values for ``SITE_READS_SECONDS``
(5 by default; 0 reads every time):

* a write through the ORM (``save()``, ``delete()``, a many-to-many change) to any model the
  query reads (its tables, found in the compiled query, and ``also``) forgets every kept read of
  the process at once, and again when its transaction commits (a read made meanwhile could
  have kept the old rows);
* another process's writes (another gunicorn worker or server, a management command) and writes
  that bypass ``save()`` (``QuerySet.update()``, ``bulk_create``) show within
  ``SITE_READS_SECONDS``; code of this process that writes in bulk calls ``forget()``.

What is kept is shared by the requests of the process: callers treat the rows as read-only
(each call returns a new list of the same instances) and work out what depends on the time of
the request (a window's phase, a news item's publication) from the rows, not in the SQL.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from extranet.base.prepared import PreparedQuery

_reads: list[KeptRead] = []
_watched: set[type] = set()
_lock = threading.Lock()
# Bumped by every forget(): a read that began before a write does not keep its (older) rows.
_generation = 0
# Past this many sets of values, a read drops its expired ones before keeping a new one.
ENTRIES_KEPT = 256


def seconds() -> float:
    return float(getattr(settings, "SITE_READS_SECONDS", 5))


def forget() -> None:
    """Forget every kept read of this process (the next call of each reads the database)."""
    global _generation
    with _lock:
        _generation += 1
        for read in _reads:
            read._entries.clear()


def _tables_of(query) -> set[str]:
    """The tables ``query`` reads: its own and joined ones, those of a union's queries, and those
    of the subqueries in its annotations and filters (a count of enrolments per course, say)."""
    tables = {join.table_name for join in query.alias_map.values()}
    for combined in getattr(query, "combined_queries", ()):
        tables |= _tables_of(combined)
    for expression in [*query.annotations.values(), query.where]:
        tables |= _expression_tables(expression)
    return tables


def _expression_tables(expression) -> set[str]:
    tables: set[str] = set()
    inner = getattr(expression, "query", None)
    if inner is not None and hasattr(inner, "alias_map"):
        tables |= _tables_of(inner)
    if hasattr(expression, "alias_map"):  # a Query used as an expression (``__in`` a queryset)
        tables |= _tables_of(expression)
    children = list(getattr(expression, "children", ()))  # a WhereNode's conditions
    if hasattr(expression, "get_source_expressions"):
        children += expression.get_source_expressions()
    for child in children:
        if child is not None and not isinstance(child, (str, int, float)):
            tables |= _expression_tables(child)
    return tables


def _models_of(queryset) -> set[type]:
    tables = _tables_of(queryset.query) | {queryset.model._meta.db_table}
    return {model for model in apps.get_models(include_auto_created=True) if model._meta.db_table in tables}


class KeptRead:
    """``PreparedQuery``'s ``list()`` and ``first()``, kept ``SITE_READS_SECONDS`` per values."""

    def __init__(self, query: PreparedQuery, *, also: tuple[type, ...] = ()):
        self.query = query
        self.also = tuple(also)
        self._entries: dict[tuple, tuple[float, list]] = {}
        self._models: set[type] | None = None
        with _lock:
            _reads.append(self)

    @property
    def models(self) -> set[type]:
        """The models whose writes forget this read: the query's tables, and ``also``."""
        if self._models is None:
            models = _models_of(self.query.compiled().queryset) | set(self.also)
            with _lock:
                _watched.update(models)
            self._models = models
        return self._models

    def list(self, **values: Any) -> list:
        kept_for = seconds()
        if kept_for <= 0:
            return self.query.list(**values)
        self.models  # watched from the first read on  # noqa: B018
        key = tuple(sorted(values.items()))
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            return list(entry[1])
        generation = _generation
        rows = self.query.list(**values)
        with _lock:
            if generation == _generation:
                if len(self._entries) >= ENTRIES_KEPT:  # values of another day, say: expired
                    for old in [k for k, (until, _rows) in self._entries.items() if until <= now]:
                        del self._entries[old]
                self._entries[key] = (now + kept_for, rows)
        return list(rows)

    def first(self, **values: Any):
        rows = self.list(**values)
        return rows[0] if rows else None


def _written(sender, **kwargs) -> None:
    if sender in _watched:
        forget()
        transaction.on_commit(forget)


def _m2m_written(sender, instance, **kwargs) -> None:
    if sender in _watched or type(instance) in _watched:
        forget()
        transaction.on_commit(forget)


post_save.connect(_written, dispatch_uid="tutti-sitewide-post-save")
post_delete.connect(_written, dispatch_uid="tutti-sitewide-post-delete")
m2m_changed.connect(_m2m_written, dispatch_uid="tutti-sitewide-m2m")
