"""Querysets built and compiled to SQL once per process, then run with new values.

A family page runs a handful of queries, but Django builds each queryset (``filter``,
``select_related``, subqueries) and compiles it to SQL on every request: on the portal's pages
that is most of the request's CPU (Accueil: about two thirds), for SQL that is the same every
time but for a few values (the family, the pupil, the season, today's date). A prepared query
builds its queryset once, with stand-in values, compiles it, and finds where each value lands
in the SQL's parameters; each call then only puts the new values in their places and runs the
SQL through Django's own iterables (model instances, ``select_related`` objects, annotations,
``prefetch_related``), as the queryset itself would.

    PUPILS = PreparedQuery(
        lambda family_id: Student.objects.for_family(family_id).select_related("family").order_by("pk")
    )
    pupils = PUPILS.list(family_id=request.family.pk)

Rules, checked when the query is first compiled (a mistake fails at once, in the tests):

- every value that changes from one call to the next is a parameter of the builder (a date of
  "today" included, else it would be frozen in the SQL): ints, strings, dates, datetimes,
  decimals and booleans, passed as they are (no list: its length would change the SQL);
- each parameter must reach the SQL as a parameter: a lookup that rewrites it (``icontains``
  wraps it in ``%``) or a value that changes the SQL's shape (``None`` for ``IS NULL``) cannot
  be prepared, and says so;
- the SQL and its parameters are per database alias; the queryset's ``prefetch_related``
  lookups run as usual after the rows are read (they are not prepared);
- what Django writes into the SQL from the settings when it compiles (the time zone of a
  ``__date`` lookup, for one) is the start-up's: the portal runs in one time zone.
"""

from __future__ import annotations

import datetime
import inspect
import itertools
import operator
import threading
import weakref
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

ALIAS = "default"  # the portal reads one database
_SENTINEL_BASE = 1_900_000_000  # an int no test or seeded row uses as a key or an amount


class PreparedQueryError(TypeError):
    pass


def _sentinel(index: int, kind: str) -> Any:
    """A stand-in value for parameter ``index`` whose SQL form can be recognised."""
    if kind == "int":
        return _SENTINEL_BASE + index * 7919
    if kind == "str":
        return f"\x1fprepared-{index}\x1f"
    if kind == "date":
        return datetime.date(1901, 1, 1) + datetime.timedelta(days=index * 37 + 11)
    if kind == "datetime":
        return datetime.datetime(1901, 1, 1, 3, 7, 11, tzinfo=datetime.UTC) + datetime.timedelta(
            days=index * 37 + 11, seconds=index
        )
    if kind == "decimal":
        return Decimal(_SENTINEL_BASE + index * 7919) + Decimal("0.37")
    raise PreparedQueryError(f"unsupported parameter kind {kind!r}")


_KINDS = {
    "int": "int",
    "str": "str",
    "datetime.date": "date",
    "date": "date",
    "datetime.datetime": "datetime",
    "datetime": "datetime",
    "Decimal": "decimal",
    "decimal.Decimal": "decimal",
}


_TYPES = {
    "int": int,
    "str": str,
    "date": datetime.date,
    "datetime": datetime.datetime,
    "decimal": Decimal,
}


def _kinds_of(build: Callable) -> dict[str, str]:
    kinds = {}
    for name, parameter in inspect.signature(build).parameters.items():
        annotation = parameter.annotation
        if annotation is inspect.Parameter.empty:
            kinds[name] = "int"  # a key: the usual case (family_id, student_id…)
            continue
        key = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
        if key not in _KINDS:
            raise PreparedQueryError(f"{name}: annotate parameters with int, str, date, datetime or Decimal")
        kinds[name] = _KINDS[key]
    return kinds


def _adapters(connection, kind: str):
    """The forms a value of ``kind`` can take in the SQL parameters, as (name, function)."""
    ops = connection.ops
    forms = [("raw", lambda value: value)]
    if kind == "date":
        forms.append(("date", ops.adapt_datefield_value))
    elif kind == "datetime":
        forms.append(("datetime", ops.adapt_datetimefield_value))
    elif kind == "decimal":
        forms.append(("decimal", lambda value: ops.adapt_decimalfield_value(value)))
    elif kind == "int":
        forms.append(("str", str))
    return forms


class _Compiled:
    """What one alias's compilation leaves: the SQL, where each value goes, the query to clone."""

    __slots__ = (
        "sql",
        "params",
        "slots",
        "query",
        "select",
        "klass_info",
        "annotation_col_map",
        "col_count",
        "has_extra_select",
        "queryset",
        "converters",
        "columns",
        "composite",
    )

    def bind(self, values: dict[str, Any]) -> tuple:
        params = list(self.params)
        for position, name, adapt in self.slots:
            params[position] = adapt(values[name])
        return tuple(params)


def _are_columns(compiled: _Compiled, expressions) -> bool:
    """``expressions`` are the compiled query's selected columns (the rows'), not others."""
    columns = compiled.columns
    return len(columns) == len(expressions) and all(map(operator.is_, columns, expressions))


def _converters(compiled: _Compiled, compiler, expressions) -> dict:
    """``compiler.get_converters(expressions)``, worked out once per connection: the rows' columns
    (``compiled.select``) are the same on every run."""
    if not _are_columns(compiled, expressions):
        return type(compiler).get_converters(compiler, expressions)  # other expressions: Django's way
    connection = compiler.connection
    converters = compiled.converters.get(connection)
    if converters is None:
        converters = compiled.converters[connection] = type(compiler).get_converters(compiler, expressions)
    return converters


class PreparedQuery:
    """A queryset built by ``build(**values)`` once per database, run as SQL with new values."""

    def __init__(self, build: Callable[..., QuerySet]):
        self.build = build
        self.kinds = _kinds_of(build)
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    # --- compiling -------------------------------------------------------------------------

    def _compile(self, alias: str) -> _Compiled:
        connection = connections[alias]
        sentinels = {name: _sentinel(i, kind) for i, (name, kind) in enumerate(self.kinds.items())}
        queryset = self.build(**sentinels)
        if not isinstance(queryset, QuerySet):
            raise PreparedQueryError("the builder must return a QuerySet")
        queryset = queryset.using(alias) if queryset._db is None else queryset
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        slots = []
        found = set()
        forms = {name: _adapters(connection, kind) for name, kind in self.kinds.items()}
        for position, param in enumerate(params):
            for name, sentinel in sentinels.items():
                match = next(
                    (
                        adapt
                        for _, adapt in forms[name]
                        if type(adapt(sentinel)) is type(param) and adapt(sentinel) == param
                    ),
                    None,
                )
                if match is not None:
                    slots.append((position, name, match))
                    found.add(name)
                    break
            else:
                if self._looks_like_sentinel(param, sentinels):
                    raise PreparedQueryError(
                        f"a parameter reaches the SQL rewritten ({param!r}): it cannot be prepared"
                    )
        missing = set(sentinels) - found
        if missing:
            raise PreparedQueryError(f"{', '.join(sorted(missing))}: not found in the SQL's parameters")
        compiled = _Compiled()
        compiled.sql = sql
        compiled.params = tuple(params)
        compiled.slots = tuple(slots)
        compiled.queryset = queryset
        compiled.select = compiler.select
        compiled.klass_info = compiler.klass_info
        compiled.annotation_col_map = compiler.annotation_col_map
        compiled.col_count = compiler.col_count
        compiled.has_extra_select = compiler.has_extra_select
        # The rows' converters (dates on SQLite, a field's from_db_value) per connection object:
        # Django works them out again on every run (a third of a small query's Python on PostgreSQL).
        compiled.converters = weakref.WeakKeyDictionary()
        # The selected columns, and whether one is a composite key (Django looks on every run).
        compiled.columns = tuple(column for column, *_rest in compiler.select[: compiler.col_count])
        compiled.composite = compiler.has_composite_fields(compiled.columns)
        return compiled

    @staticmethod
    def _looks_like_sentinel(param: Any, sentinels: dict[str, Any]) -> bool:
        text = str(param)
        return any(str(sentinel) in text for sentinel in sentinels.values())

    def compiled(self, alias: str = ALIAS) -> _Compiled:
        compiled = self._compiled.get(alias)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(alias) or self._compile(alias)
                self._compiled[alias] = compiled
        return compiled

    # --- running ---------------------------------------------------------------------------

    def _queryset(self, values: dict[str, Any]) -> QuerySet:
        """A queryset that runs the prepared SQL with ``values`` when iterated: private, as
        chaining it (``filter()``…) would clone its compiler and silently keep the old SQL."""
        if values.keys() != self.kinds.keys():
            raise PreparedQueryError(f"expected the values {sorted(self.kinds)}, got {sorted(values)}")
        for name, value in values.items():
            if value is None or isinstance(value, (list, tuple, set, QuerySet)):
                raise PreparedQueryError(f"{name}: None or a collection cannot be a prepared value")
            if not isinstance(value, _TYPES[self.kinds[name]]) or isinstance(value, bool):
                # No conversion by the field here (the queryset's own get_prep_value is skipped).
                raise PreparedQueryError(f"{name}: expected a {self.kinds[name]}, got {value!r}")
            if self.kinds[name] == "datetime" and timezone.is_naive(value):
                raise PreparedQueryError(f"{name}: a naive datetime")
        compiled = self.compiled(ALIAS)
        params = compiled.bind(values)
        queryset = compiled.queryset._chain()
        query = queryset.query

        def get_compiler(using=None, connection=None, elide_empty=True):
            connection = connection if connection is not None else connections[using or ALIAS]
            compiler = connection.ops.compiler(query.compiler)(query, connection, using or ALIAS, elide_empty)
            compiler.select = compiled.select
            compiler.klass_info = compiled.klass_info
            compiler.annotation_col_map = compiled.annotation_col_map
            compiler.col_count = compiled.col_count
            compiler.has_extra_select = compiled.has_extra_select
            compiler.as_sql = lambda *args, **kwargs: (compiled.sql, params)
            compiler.get_converters = lambda expressions: _converters(compiled, compiler, expressions)
            compiler.has_composite_fields = lambda expressions: (
                compiled.composite
                if _are_columns(compiled, expressions)
                else type(compiler).has_composite_fields(compiler, expressions)
            )
            return compiler

        query.get_compiler = get_compiler
        return queryset

    def list(self, **values) -> list:
        return list(self._queryset(values))

    def first(self, **values):
        return next(iter(self._queryset(values)), None)

    def get_or_404(self, **values):
        """The one row, or 404 (the builder's filter is the scope: another family's id finds none)."""
        rows = list(itertools.islice(iter(self._queryset(values)), 2))
        if len(rows) != 1:
            raise Http404
        return rows[0]


def attach_prefetched(instance, name: str, rows: list) -> None:
    """Hand ``rows`` (a second prepared query's, say) to ``instance.<name>``, a reverse foreign
    key, as ``prefetch_related(name)`` would: ``.all()`` then reads them without a query, and
    each row knows its parent. For a prefetch too hot to compile on every request."""
    manager = getattr(instance, name)
    parent = manager.field.name
    for row in rows:
        setattr(row, parent, instance)
    queryset = manager.get_queryset()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[manager.field.remote_field.cache_name] = queryset
