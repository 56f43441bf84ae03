"""Prepared queries (extranet/base/prepared.py): the same rows as the queryset they stand for,
for every value, scoped as the builder says, and refusing what cannot be prepared."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, Q
from django.db.models.sql.compiler import SQLCompiler
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from extranet.base.models import Site
from extranet.base.prepared import PreparedQuery, PreparedQueryError, attach_prefetched
from extranet.tests.factories import SiteFactory
from families.tests.factories import FamilyFactory
from students.models import Enrolment, Student
from students.tests.factories import EnrolmentFactory, StudentFactory

pytestmark = pytest.mark.django_db

PUPIL = PreparedQuery(
    lambda family_id, student_id: (
        Student.objects.for_family(family_id).filter(pk=student_id).select_related("family").order_by("pk")
    )
)


def enrolments_since(student_id, day: datetime.date):
    return (
        Enrolment.objects.filter(student_id=student_id, season__starts_on__lte=day)
        .select_related("course__discipline", "season")
        .annotate(mates=Count("course__enrolments"))
        .order_by("course__name", "pk")
    )


ENROLMENTS = PreparedQuery(enrolments_since)


def test_a_pupil_of_the_family_and_no_other():
    mine, theirs = StudentFactory(), StudentFactory()
    assert PUPIL.get_or_404(family_id=mine.family_id, student_id=mine.pk) == mine
    with pytest.raises(Http404):
        PUPIL.get_or_404(family_id=mine.family_id, student_id=theirs.pk)
    pupil = PUPIL.get_or_404(family_id=theirs.family_id, student_id=theirs.pk)
    with CaptureQueriesContext(connection) as queries:
        assert pupil.family.name == theirs.family.name  # select_related filled, no query
    assert len(queries) == 0


def test_the_same_rows_annotations_and_related_objects_as_the_queryset():
    student = StudentFactory()
    first, second = EnrolmentFactory(student=student), EnrolmentFactory(student=student)
    EnrolmentFactory(course=first.course)  # a classmate in the first course
    EnrolmentFactory()  # someone else's
    day = first.season.starts_on
    expected = list(enrolments_since(student.pk, day))
    got = ENROLMENTS.list(student_id=student.pk, day=day)
    assert [e.pk for e in got] == [e.pk for e in expected] and len(got) == 2
    assert [e.mates for e in got] == [e.mates for e in expected]
    assert {e.pk: e.mates for e in got}[first.pk] == 2 and {e.pk: e.mates for e in got}[second.pk] == 1
    assert [e.course.discipline.name for e in got] == [e.course.discipline.name for e in expected]
    # The date is a parameter, not frozen in the SQL: a day before the season finds nothing.
    assert ENROLMENTS.list(student_id=student.pk, day=day - datetime.timedelta(days=1)) == []


def test_prefetch_related_lookups_run_after_the_rows():
    family = FamilyFactory()
    StudentFactory.create_batch(2, family=family)
    families = PreparedQuery(
        lambda family_id: type(family).objects.filter(pk=family_id).prefetch_related("students")
    )
    (got,) = families.list(family_id=family.pk)
    with CaptureQueriesContext(connection) as queries:
        assert len(got.students.all()) == 2
    assert len(queries) == 0


def test_one_compilation_then_only_the_sql():
    student = StudentFactory()
    query = PreparedQuery(lambda student_id: Student.objects.filter(pk=student_id).order_by("pk"))
    query.list(student_id=student.pk)
    compiled = query.compiled()
    assert query.first(student_id=student.pk) == student
    assert query.compiled() is compiled
    with CaptureQueriesContext(connection) as queries:
        assert query.first(student_id=student.pk + 10_000) is None
    assert len(queries) == 1 and queries[0]["sql"].count("%s") == 0  # values bound, SQL run once


def pupils_named(family_id, first_name: str):
    return Student.objects.filter(family_id=family_id, first_name=first_name)


def sites_audited(rate: Decimal):
    return Site.objects.filter(accessibility_audit_rate__gte=rate).order_by("pk")


def test_strings_and_decimals_are_parameters_too():
    student = StudentFactory(first_name="Zoé")
    StudentFactory(first_name="Léo", family=student.family)
    by_name = PreparedQuery(pupils_named)
    assert by_name.list(family_id=student.family_id, first_name="Zoé") == [student]
    assert by_name.list(family_id=student.family_id, first_name="Zo") == []
    audited = SiteFactory(accessibility_audit_rate=Decimal("75.50"))
    SiteFactory(accessibility_audit_rate=Decimal("40.00"))
    assert PreparedQuery(sites_audited).list(rate=Decimal("75.50")) == [audited]
    assert PreparedQuery(sites_audited).list(rate=Decimal("75.51")) == []


def pupils_like(name: str):
    return Student.objects.filter(first_name__icontains=name)  # the value is rewritten as %name%


def pupil_one(student_id):
    return Student.objects.filter(Q(pk=1))  # the parameter is not used


@pytest.mark.parametrize("build", [pupils_like, pupil_one])
def test_what_cannot_be_prepared_fails_at_the_first_call(build):
    query = PreparedQuery(build)
    values = {name: "x" if kind == "str" else 1 for name, kind in query.kinds.items()}
    with pytest.raises(PreparedQueryError):
        query.list(**values)


def test_values_of_another_type_are_refused():
    # A queryset would convert "12" for an integer column; a prepared query binds values as they
    # are, so it refuses them rather than compare text with numbers.
    with pytest.raises(PreparedQueryError):
        PUPIL.list(family_id="12", student_id=1)
    with pytest.raises(PreparedQueryError):
        PreparedQuery(sites_audited).list(rate=75)


def test_none_lists_and_naive_datetimes_are_refused():
    with pytest.raises(PreparedQueryError):
        PUPIL.list(family_id=None, student_id=1)
    with pytest.raises(PreparedQueryError):
        PUPIL.list(family_id=[1, 2], student_id=1)
    with pytest.raises(PreparedQueryError):
        PUPIL.list(family_id=1)


def test_rows_attached_as_a_prefetch_are_read_without_a_query():
    family = FamilyFactory()
    first, second = StudentFactory.create_batch(2, family=family)
    pupils = PreparedQuery(lambda family_id: Student.objects.filter(family_id=family_id).order_by("pk"))
    reloaded = type(family).objects.get(pk=family.pk)
    attach_prefetched(reloaded, "students", pupils.list(family_id=family.pk))
    with CaptureQueriesContext(connection) as queries:
        assert list(reloaded.students.all()) == [first, second]
        assert all(pupil.family is reloaded for pupil in reloaded.students.all())
    assert len(queries) == 0


def test_the_rows_converters_are_worked_out_once_per_connection(monkeypatch):
    """Dates, decimals and a field's own from_db_value come back as the queryset gives them, on
    every run, while Django's get_converters runs only at the first one."""
    student = StudentFactory()
    EnrolmentFactory(student=student)
    day = student.enrolments.get().season.starts_on
    expected = [(e.created_at, e.season.starts_on, e.course.name) for e in enrolments_since(student.pk, day)]
    query = PreparedQuery(enrolments_since)
    calls = []
    original = SQLCompiler.get_converters

    def counted(compiler, expressions):
        calls.append(len(expressions))
        return original(compiler, expressions)

    monkeypatch.setattr(SQLCompiler, "get_converters", counted)
    for _ in range(3):
        got = [
            (e.created_at, e.season.starts_on, e.course.name)
            for e in query.list(student_id=student.pk, day=day)
        ]
        assert got == expected
        assert isinstance(got[0][1], datetime.date) and timezone.is_aware(got[0][0])
    assert len(calls) == 1
