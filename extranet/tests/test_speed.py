"""What keeps pages and the secretariat's lists fast at 20,000 families (issue 12.1)."""

from unittest import mock

import pytest
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse

from extranet.base.models import User
from extranet.base.statistics import refresh_planner_statistics
from extranet.shell.lockout import CredentialsLockoutMiddleware
from extranet.tests.factories import StaffUserFactory
from families.models import Family
from families.tests.factories import FamilyFactory
from students.tests.factories import StudentFactory

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's planner and indexes"
)


def plan(queryset) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a few test rows: force the choice an index gives
    return queryset.explain()


@postgres_only
def test_the_login_lookup_uses_the_case_insensitive_identifier_index():
    # The identifier alone: with the site too, the planner may as well start from the site's
    # (site, identifier) unique index, depending on what earlier tests left in the tables.
    found = plan(User.objects.filter(identifier__iexact="Famille.Demo"))

    assert "user_identifier_upper" in found


@postgres_only
@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("families_family", "name"),
        ("families_family", "external_reference"),
        ("families_guardian", "last_name"),
        ("families_guardian", "first_name"),
        ("families_guardian", "email"),
        ("extranet_user", "identifier"),
        ("extranet_user", "email"),
        ("students_student", "last_name"),
        ("students_student", "first_name"),
    ],
)
def test_what_staff_search_has_a_trigram_index(table, column):
    # Unordered: ordered by name, an empty table may as well be read along the (name, id) index.
    searched = Family.objects.filter(name__icontains="moreau").order_by()
    found = plan(searched) if table == "families_family" else ""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [f"{table}_{column}_trgm"])
        (definition,) = cursor.fetchone()
    assert "gin_trgm_ops" in definition and "upper" in definition.lower()
    if column == "name":
        assert "families_family_name_trgm" in found


@postgres_only
def test_bulk_writes_refresh_the_planner_statistics():
    FamilyFactory.create_batch(3)

    assert refresh_planner_statistics(tables=["families_family"]) is True
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'families_family'")
        assert cursor.fetchone()[0] >= 3


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite side")
def test_on_sqlite_there_are_no_statistics_to_refresh():
    assert refresh_planner_statistics() is False


def test_a_page_view_never_reaches_the_lockout_check():
    seen = []
    middleware = CredentialsLockoutMiddleware(
        lambda request: seen.append(request.method) or mock.sentinel.page
    )
    request = RequestFactory().get("/accueil/")
    request.axes_locked_out = True  # even flagged, a GET carries no credentials

    with mock.patch("axes.middleware.get_lockout_response") as lockout:
        assert middleware(request) is mock.sentinel.page
    lockout.assert_not_called()

    posted = RequestFactory().post("/connexion/")
    posted.axes_locked_out = True
    with mock.patch("axes.middleware.get_lockout_response", return_value=mock.sentinel.locked):
        assert middleware(posted) is mock.sentinel.locked


def test_the_families_list_counts_each_familys_own_pupils(client):
    busy, quiet = FamilyFactory(name="NOMBREUSE"), FamilyFactory(name="SEULE")
    StudentFactory.create_batch(3, family=busy)
    StudentFactory(family=quiet)
    client.force_login(StaffUserFactory(is_superuser=True))

    response = client.get(reverse("admin:families_family_changelist"), {"o": "1"})

    rows = {family.name: family.student_count for family in response.context["cl"].result_list}
    assert rows == {"NOMBREUSE": 3, "SEULE": 1}
