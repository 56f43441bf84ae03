"""The secretariat's searches, shaped so PostgreSQL can use its trigram indexes.

Django's admin search ORs every search field of every term in one WHERE over the joins to the
guardians and their logins, then adds DISTINCT to drop the rows the joins doubled: PostgreSQL
has to scan and join everything, the trigram indexes of each column are of no use (300 ms and
more at 20,000 families). Here each field is its own ``SELECT id … WHERE field ILIKE`` (one
index each), the ids are put together with UNION, and the list keeps ``id IN (…)``: no join
and no DISTINCT on the list itself. Same matches as the admin's own search: every term must
match at least one field, case-insensitively, anywhere in the field.
"""

from __future__ import annotations

from django.db.models import F, QuerySet
from django.db.models.lookups import In, Lookup
from django.utils.text import smart_split, unescape_string_literal

# Up to this many matches, the ids are read once and the list's queries (count, page, date
# filters) get them as a list instead of running the search again each; beyond, a subquery.
MATERIALIZED_IDS = 2000

_LOOKUPS = {"^": "istartswith", "=": "iexact", "@": "search"}


def _lookup(field: str) -> str:
    prefix = field[:1]
    if prefix in _LOOKUPS:
        return f"{field[1:]}__{_LOOKUPS[prefix]}"
    return f"{field}__icontains"


def _terms(search_term: str) -> list[str]:
    terms = []
    for bit in smart_split(search_term):
        if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
            bit = unescape_string_literal(bit)
        if bit:
            terms.append(bit)
    return terms


class _OneOf(Lookup):
    """``lhs IN (ids…)`` written ``lhs = ANY(%s)`` on PostgreSQL: the ids are one array parameter,
    not one placeholder each for Django to prepare and the driver to find and quote in the query
    (a few milliseconds for each of the list's queries at a thousand ids). Elsewhere, ``IN``."""

    lookup_name = "one_of"  # not registered: search_by_field builds it
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        return In(self.lhs, self.rhs).as_sql(compiler, connection)

    def as_postgresql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        return f"{lhs} = ANY(%s)", (*params, [field.get_db_prep_value(pk, connection) for pk in self.rhs])


def search_by_field(queryset: QuerySet, search_term: str, fields) -> QuerySet:
    """``queryset`` limited to the rows where each term of ``search_term`` matches one of ``fields``."""
    model = queryset.model
    lookups = [_lookup(field) for field in fields]
    for term in _terms(search_term):
        per_field = [
            model._default_manager.filter(**{lookup: term}).order_by().values_list("pk", flat=True)
            for lookup in lookups
        ]
        matching = per_field[0].union(*per_field[1:]) if len(per_field) > 1 else per_field[0]
        ids = list(matching[: MATERIALIZED_IDS + 1])
        if len(ids) <= MATERIALIZED_IDS:
            queryset = queryset.filter(_OneOf(F("pk"), ids)) if ids else queryset.none()
        else:
            queryset = queryset.filter(pk__in=matching)
    return queryset
