"""CSV exports of the secretariat's lists: the admin action "Exporter en CSV".

The file is made to be opened with a double click in a French spreadsheet (Excel, LibreOffice):
UTF-8 with a byte order mark (without it Excel reads Windows-1252 and mangles accents), ``;``
between cells (``,`` is the French decimal separator), CRLF line ends, dates JJ/MM/AAAA and
date-times JJ/MM/AAAA HH:MM in Europe/Paris time, decimals with a comma, "oui"/"non", choice
fields as their labels, phones as the portal shows them.

An export is a list of columns; a column reads one value from a row through a field path
(``"student__family"``: header from the field's verbose name, the relations along the path are
``select_related`` automatically) or a callable (give a header, and the ``select_related`` /
``prefetch_related`` it needs). The rows are the changelist's queryset as the admin hands it to
actions: the selection, or the whole filtered and searched list with "select all", already cut
to the staff member's sites by ``SiteScopedAdminMixin``.

The response streams: rows are read with ``QuerySet.iterator(chunk_size=...)``, which since
Django 4.1 also runs the prefetches once per chunk, so 20,000 families cost one query plus one
per prefetch and chunk of ``CHUNK_SIZE`` rows, and never sit in memory all at once.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from typing import Any

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db.models import Field, Model, Prefetch, QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from extranet.base.dates import short_date, short_datetime
from extranet.base.models import Site
from extranet.base.scoping import visible_site_ids

# Rows read from the database at a time (one query per prefetch and chunk).
CHUNK_SIZE = 1000
# Rows written to the response at a time.
ROWS_PER_WRITE = 200
# In the file name when the staff member sees more than one site (or every site).
ALL_SITES = "tous-sites"
# Between the items of a list in one cell (a pupil's courses, a guardian's families).
LIST_SEPARATOR = " / "
# A spreadsheet runs a cell starting with one of these as a formula (OWASP, "CSV injection"):
# a family could type =HYPERLINK(...) as its name.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EXPORT_DESCRIPTION = _("Exporter en CSV")

Accessor = str | Callable[[Any], Any]


@dataclass(frozen=True)
class Column:
    """One column of an export.

    ``accessor`` is a field path (``"family__site"``) or a callable taking the row. ``header``
    defaults to the verbose name of the path's last field; a callable needs one. ``format``, if
    given, turns a non-empty value into what the cell shows (``format_phone``).
    """

    accessor: Accessor
    header: str | Promise | None = None
    format: Callable[[Any], Any] | None = None

    def __post_init__(self):
        if not isinstance(self.accessor, str) and self.header is None:
            raise ImproperlyConfigured("An export column read by a callable needs a header.")


ColumnSpec = Column | str | tuple


def _as_column(spec: ColumnSpec) -> Column:
    if isinstance(spec, Column):
        return spec
    if isinstance(spec, str):
        return Column(spec)
    header, accessor, *rest = spec
    return Column(accessor, header, *rest)


# ----------------------------------------------------------------------------- cells


def neutralise_formula(text: str) -> str:
    """``=HYPERLINK(...)`` -> ``'=HYPERLINK(...)``: the spreadsheet shows it as text."""
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def _number(value: int | Decimal | float) -> str:
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        value = Decimal(repr(value))
    return format(value, "f").replace(".", ",")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return gettext("oui") if value else gettext("non")
    if isinstance(value, datetime.datetime):
        return short_datetime(value)
    if isinstance(value, datetime.date):
        return short_date(value)
    if isinstance(value, int | Decimal | float):
        return _number(value)
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(text for text in map(_text, value) if text)
    return str(value)


def cell(value: Any) -> str:
    """What a cell shows for ``value``, the French way; text that could be a formula is defused.

    Numbers are left as numbers (a negative amount stays a number); everything else is text.
    """
    if isinstance(value, int | Decimal | float) and not isinstance(value, bool):
        return _number(value)
    return neutralise_formula(_text(value))


# ----------------------------------------------------------------------------- columns on a model


@dataclass(frozen=True)
class _BoundColumn:
    header: str | Promise
    read: Callable[[Any], Any]
    format: Callable[[Any], Any] | None

    def value(self, row) -> Any:
        value = self.read(row)
        if value is not None and value != "" and self.format is not None:
            value = self.format(value)
        return value


def _path_fields(model: type[Model], path: str) -> list[Field]:
    """The fields along ``path``: forward foreign keys (or one-to-ones), then any field."""
    fields: list[Field] = []
    current: type[Model] | None = model
    for name in path.split("__"):
        if current is None:
            raise ImproperlyConfigured(f"Export column {path!r}: {fields[-1].name!r} is not a relation.")
        try:
            field = current._meta.get_field(name)
        except FieldDoesNotExist as error:
            raise ImproperlyConfigured(f"Export column {path!r} of {model._meta.label}: {error}") from error
        if not field.concrete or (field.is_relation and not (field.many_to_one or field.one_to_one)):
            raise ImproperlyConfigured(
                f"Export column {path!r} of {model._meta.label}: {name!r} is a many-valued or reverse "
                "relation; read it with a callable and declare its prefetch_related."
            )
        fields.append(field)
        current = field.related_model if field.is_relation else None
    return fields


def _path_reader(fields: list[Field]) -> Callable[[Any], Any]:
    names = [field.name for field in fields]
    labels = dict(fields[-1].flatchoices) if fields[-1].choices else None

    def read(row):
        value = row
        for name in names:
            value = getattr(value, name)
            if value is None:
                return None
        if labels is not None:
            return labels.get(value, value)
        return value

    return read


def _relations_of(fields: list[Field]) -> str | None:
    """The ``select_related`` lookup that loads every relation along the path, if any."""
    names = [field.name for field in fields]
    if not fields[-1].is_relation:
        names = names[:-1]
    return "__".join(names) or None


# ----------------------------------------------------------------------------- the export


class CsvExport:
    """Columns, the queries they need, and the streamed CSV response of a queryset."""

    def __init__(
        self,
        columns: Iterable[ColumnSpec],
        *,
        filename: str,
        select_related: Sequence[str] = (),
        prefetch_related: Sequence[str | Prefetch] = (),
    ):
        self.columns = [_as_column(spec) for spec in columns]
        self.filename = filename
        self.select_related = tuple(select_related)
        self.prefetch_related = tuple(prefetch_related)

    def bind(self, model: type[Model]) -> tuple[list[_BoundColumn], list[str]]:
        """The columns as readers of ``model`` rows, and the relations to select along."""
        bound, relations = [], list(self.select_related)
        for column in self.columns:
            if isinstance(column.accessor, str):
                fields = _path_fields(model, column.accessor)
                header = column.header if column.header is not None else fields[-1].verbose_name
                bound.append(_BoundColumn(header, _path_reader(fields), column.format))
                relation = _relations_of(fields)
                if relation and relation not in relations:
                    relations.append(relation)
            else:
                bound.append(_BoundColumn(column.header, column.accessor, column.format))
        return bound, relations

    def prepare(self, queryset: QuerySet) -> tuple[list[_BoundColumn], QuerySet]:
        bound, relations = self.bind(queryset.model)
        if relations:
            queryset = queryset.select_related(*relations)
        if self.prefetch_related:
            queryset = queryset.prefetch_related(*self.prefetch_related)
        return bound, queryset

    def file_name(self, user) -> str:
        """``familles-malakoff-2026-11-23.csv``: the site's slug when staff see exactly one site."""
        site_part = ALL_SITES
        site_ids = visible_site_ids(user)
        if site_ids is not None and len(site_ids) == 1:
            site_part = (
                Site.objects.filter(pk__in=site_ids).values_list("slug", flat=True).first() or ALL_SITES
            )
        return f"{self.filename}-{site_part}-{timezone.localdate():%Y-%m-%d}.csv"

    def response(self, queryset: QuerySet, *, user) -> StreamingHttpResponse:
        bound, queryset = self.prepare(queryset)
        # The body is written after the view returns: keep the request's language for the
        # labels read lazily (choices, weekdays), without holding it across a yield.
        language = translation.get_language()
        headers = [capfirst(str(column.header)) for column in bound]
        response = StreamingHttpResponse(
            _stream(headers, bound, queryset, language), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=self.file_name(user)
        )
        return response


def _write(rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def _stream(headers: list[str], bound: list[_BoundColumn], queryset: QuerySet, language) -> Iterator[str]:
    yield "\ufeff" + _write([headers])
    objects = queryset.iterator(chunk_size=CHUNK_SIZE)
    while True:
        with translation.override(language):
            rows = [[cell(column.value(row)) for column in bound] for row in islice(objects, ROWS_PER_WRITE)]
            text = _write(rows)
        if not rows:
            return
        yield text


def export_csv_action(
    columns: Iterable[ColumnSpec],
    *,
    filename: str,
    select_related: Sequence[str] = (),
    prefetch_related: Sequence[str | Prefetch] = (),
    description: str | Promise = EXPORT_DESCRIPTION,
):
    """An admin action exporting the selected rows (or the whole filtered list) as CSV.

    ``columns``: field paths, ``(header, accessor)`` pairs or ``Column`` objects; ``filename``:
    the start of the file name (``"familles"``). Needs only the view permission, so staff who may
    read a list may take it away.
    """
    export = CsvExport(
        columns, filename=filename, select_related=select_related, prefetch_related=prefetch_related
    )

    @admin.action(permissions=["view"], description=description)
    def export_csv(modeladmin, request, queryset):
        return export.response(queryset, user=request.user)

    return export_csv
