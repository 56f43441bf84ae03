"""The secretariat's long lists (LongListAdminMixin) show what Django's admin would, for less:
the same checkboxes and row links, the same date hierarchy read through the index, one count."""

import datetime
import zoneinfo

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import get_fields_from_path
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from documents.tests.factories import DocumentFactory
from extranet.base.admin import LongListChangeList, SkipScanDatesQuerySetMixin, with_skip_scan_dates
from extranet.base.pg import UpperTrigramIndexes
from extranet.tests.admin_pages import staff_logged_in
from extranet.tests.factories import StaffUserFactory
from families.models import Family
from families.tests.factories import FamilyFactory, guardian_of
from reenrolment.tests.factories import ReenrolmentFactory
from students.tests.factories import StudentFactory

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
FAMILIES = reverse("admin:families_family_changelist")


@pytest.fixture
def staff_client():
    return staff_logged_in(StaffUserFactory(is_superuser=True))


def paris(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=PARIS)


def test_the_action_checkbox_is_djangos_own_html(staff_client):
    family = FamilyFactory(name='Durand & "Fils" <b>')
    model_admin = admin.site._registry[Family]

    assert model_admin.action_checkbox(family) == admin.ModelAdmin.action_checkbox(model_admin, family)
    page = staff_client.get(FAMILIES).content.decode()
    assert model_admin.action_checkbox(family) in page
    assert f'name="{helpers.ACTION_CHECKBOX_NAME}" value="{family.pk}"' in page


def test_each_row_links_to_its_change_page_keeping_the_search(staff_client):
    family = FamilyFactory(name="Lefèvre & Fils")
    change = reverse("admin:families_family_change", args=[family.pk])

    plain = staff_client.get(FAMILIES).content.decode()
    searched = staff_client.get(FAMILIES, {"q": "lefèvre & fils", "site__id__exact": family.site_id})

    assert f'<a href="{change}">' in plain
    # What Django's own row link is, through its add_preserved_filters: the same, character for
    # character, so following the link and saving comes back to the same search.
    djangos = add_preserved_filters(
        {"preserved_filters": searched.context["preserved_filters"], "opts": Family._meta}, change
    )
    assert "_changelist_filters=" in djangos
    assert str(format_html('<a href="{}">', djangos)) in searched.content.decode()


def _results_table(page: str) -> str:
    start = page.index('<div class="results">')
    return page[start : page.index("</table>", start)]


@pytest.mark.parametrize(
    ("changelist", "query"),
    [
        ("admin:families_family_changelist", {}),
        ("admin:families_family_changelist", {"q": "durand", "site__id__exact": "{site}"}),
        ("admin:families_family_changelist", {"o": "-8.1"}),
        ("admin:families_family_changelist", {"_popup": "1", "_to_field": "id"}),
        ("admin:families_guardian_changelist", {}),
        ("admin:families_guardian_changelist", {"q": "durand & fils"}),
        ("admin:students_student_changelist", {}),
        ("admin:documents_document_changelist", {"state": "all"}),
        ("admin:reenrolment_reenrolment_changelist", {}),
    ],
)
def test_the_rows_are_djangos_own_html(staff_client, monkeypatch, changelist, query):
    family = FamilyFactory(name='Durand & "Fils" <b>', city="", family_quotient=None)
    FamilyFactory(name="Martin")
    guardian_of(family, last_name="Durand & Fils", email="", mobile="0612345678", user=None)
    student = StudentFactory(family=family, first_name="Léa <i>")
    DocumentFactory(family=family, original_name="<script>.pdf")
    ReenrolmentFactory(student=student, window__site=family.site)
    url = reverse(changelist)
    query = {name: value.format(site=family.site_id) for name, value in query.items()}

    ours = staff_client.get(url, query).content.decode()
    assert '<div class="results">' in ours
    monkeypatch.setattr(LongListChangeList, "result_rows", lambda self: None)  # Django's tag
    djangos = staff_client.get(url, query).content.decode()

    assert _results_table(ours) == _results_table(djangos)


def test_the_list_counts_its_rows_once(staff_client):
    FamilyFactory.create_batch(3)
    FamilyFactory(name="Nguyen")
    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get(FAMILIES, {"q": "nguyen"})

    counts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(")]
    assert response.context["cl"].result_count == 1
    assert response.context["cl"].full_result_count is None  # no "(4 résultats)": no second count
    assert len(counts) == 1


@pytest.mark.parametrize(
    "created",
    [
        [paris(2024, 9, 3, 10), paris(2025, 1, 2, 8), paris(2026, 12, 31, 23, 30)],  # years
        [paris(2026, 1, 31, 23, 59), paris(2026, 3, 1, 0, 0), paris(2026, 10, 25, 2, 30)],  # months, DST
        [paris(2026, 3, 28, 12), paris(2026, 3, 29, 0, 30), paris(2026, 3, 29, 23, 59), paris(2026, 3, 31)],
        [paris(2026, 6, 1, 0, 0, 0)],
    ],
)
@pytest.mark.parametrize("kind", ["year", "month", "day"])
def test_the_date_hierarchy_finds_the_same_periods_as_djangos_distinct(created, kind):
    for moment in created:
        FamilyFactory(created_at=moment)
    families = Family.objects.all()

    with timezone.override(PARIS):
        expected = list(families.datetimes("created_at", kind))
        found = with_skip_scan_dates(families).datetimes("created_at", kind)

    assert found == expected
    assert [moment.utcoffset() for moment in found] == [moment.utcoffset() for moment in expected]


def test_the_date_hierarchy_probes_once_per_period_not_once_per_row(django_assert_max_num_queries):
    for day in (1, 1, 1, 2, 2, 9):
        FamilyFactory(created_at=paris(2026, 9, day, 9))
    families = with_skip_scan_dates(Family.objects.filter(name__isnull=False))

    with timezone.override(PARIS), django_assert_max_num_queries(3):  # first and last, then day 2, day 9
        days = families.datetimes("created_at", "day")

    assert [day.day for day in days] == [1, 2, 9]
    assert isinstance(families.filter(pk__gt=0), SkipScanDatesQuerySetMixin)  # kept through filters


def test_the_date_hierarchy_hands_over_to_djangos_query_beyond_a_month_of_days(monkeypatch):
    for day in range(1, 6):
        FamilyFactory(created_at=paris(2026, 9, day, 9))
    monkeypatch.setattr(SkipScanDatesQuerySetMixin, "MAX_PROBES", 2)

    with timezone.override(PARIS):
        days = with_skip_scan_dates(Family.objects.all()).datetimes("created_at", "day")

    assert [day.day for day in days] == [1, 2, 3, 4, 5]


def test_the_date_hierarchy_of_the_family_list_links_each_day_and_filters_on_it(staff_client):
    september = FamilyFactory(name="Septembre", created_at=paris(2026, 9, 2, 10))
    FamilyFactory(name="Octobre", created_at=paris(2026, 10, 5, 10))

    response = staff_client.get(FAMILIES)
    months = staff_client.get(FAMILIES, {"created_at__year": 2026})
    day = staff_client.get(FAMILIES, {"created_at__year": 2026, "created_at__month": 9, "created_at__day": 2})

    page = response.content.decode()
    assert "created_at__year=2026" in page and "created_at__month=9" in page
    assert "created_at__month=10" in months.content.decode()
    assert list(day.context["cl"].result_list) == [september]


def test_the_family_list_is_sorted_by_name_then_newest_first_as_before(staff_client):
    first = FamilyFactory(name="Martin")
    second = FamilyFactory(name="Martin")
    guardian_of(first, last_name="Zola")
    FamilyFactory(name="Abad")

    listed = [f.name for f in staff_client.get(FAMILIES).context["cl"].result_list]
    by_city = staff_client.get(FAMILIES, {"o": "4"}).context["cl"].result_list

    assert listed == ["Abad", "Martin", "Martin"]
    assert [f.pk for f in staff_client.get(FAMILIES, {"q": "martin"}).context["cl"].result_list] == [
        second.pk,
        first.pk,
    ]
    assert len(by_city) == 3  # sorting on another column still works


postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's indexes")


@postgres_only
@pytest.mark.parametrize(
    "model_path",
    [
        "families.Family",
        "families.Guardian",
        "students.Student",
        "reenrolment.Reenrolment",
        "documents.Document",
    ],
)
def test_every_column_staff_search_has_a_trigram_index(model_path):
    model = apps.get_model(model_path)
    columns = set()
    for path in admin.site._registry[model].search_fields:
        field = get_fields_from_path(model, path)[-1]
        columns.add(f"{field.model._meta.db_table}_{field.column}_trgm")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname = ANY(%s)", [sorted(columns)])
        indexed = {name for (name,) in cursor.fetchall()}

    assert indexed == columns


@postgres_only
def test_no_trigram_index_keeps_a_pending_list():
    # A pending list is read in full by every search until a vacuum merges it: right after a load
    # of 20,000 families, each searched column cost more than reading its table.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.reloptions FROM pg_class c JOIN pg_am am ON am.oid = c.relam "
            "WHERE am.amname = 'gin' AND c.relname LIKE '%%\\_trgm'"
        )
        indexes = dict(cursor.fetchall())

    assert len(indexes) >= 12
    assert {name for name, options in indexes.items() if "fastupdate=off" not in (options or [])} == set()


@postgres_only
def test_a_trigram_index_made_from_now_on_has_no_pending_list():
    operation = UpperTrigramIndexes([("extranet_site", "name")])
    with connection.schema_editor() as editor:
        operation.database_forwards("extranet", editor, None, None)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'extranet_site_name_trgm'")
            (options,) = cursor.fetchone()
    finally:
        with connection.schema_editor() as editor:
            operation.database_backwards("extranet", editor, None, None)

    assert "fastupdate=off" in options


@postgres_only
@pytest.mark.parametrize(
    ("changelist", "index"),
    [
        ("admin:families_family_changelist", "family_name_id"),
        ("admin:families_guardian_changelist", "guardian_name_id"),
        ("admin:students_student_changelist", "student_name"),
    ],
)
def test_the_first_page_is_read_in_the_order_of_an_index(staff_client, changelist, index):
    guardian_of(FamilyFactory())
    cl = staff_client.get(reverse(changelist)).context["cl"]

    with connection.cursor() as cursor:
        # A few test rows: the planner would as well sort them all. Forbid that, as 20,000 rows do.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
    plan = cl.queryset[: cl.list_per_page].explain()

    assert index in plan
    assert "Sort Key" not in plan or "Presorted Key" in plan  # no sort of every row


@postgres_only
def test_the_date_hierarchy_reads_the_index_of_its_field():
    FamilyFactory(created_at=paris(2026, 9, 1, 9))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    probe = Family.objects.filter(created_at__gte=paris(2026, 9, 2)).order_by("created_at")[:1]

    assert "family_created_at" in probe.explain()
