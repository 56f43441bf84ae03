"""Élèves pages cost the same number of SQL queries for one pupil or four."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from extranet.tests.factories import SeasonFactory, school_level
from extranet.tests.portal import logged_in_family, seasons
from students.tests.factories import (
    CourseFactory,
    EnrolmentFactory,
    RepertoireEntryFactory,
    SchoolRecordFactory,
    StudentFactory,
)

pytestmark = pytest.mark.django_db

# Every page: session, user, guardian with its family (3), then the page's own queries. The session
# is not written back (activity is recorded at most once a minute). The seasons and the reference
# lists, the same for every family, are kept a few seconds (extranet/base/sitewide.py): read by the
# request before, not again.
PAGES = {
    "students:list": 5,  # pupils, their courses (the current season: kept)
    "students:identity": 5,  # pupil, next season with its school record (civilities, levels: kept)
    "students:courses": 5,  # pupil, the courses of both seasons (current and next: kept)
    "students:history": 5,  # pupil, the courses of the seasons before the current one
    "students:repertoire": 5,  # pupil, works
}


def add_pupil(family, current, coming, past):
    student = StudentFactory(family=family)
    for season in (current, past):
        EnrolmentFactory(student=student, course=CourseFactory(season=season))
        EnrolmentFactory(student=student, course=CourseFactory(season=season))
        RepertoireEntryFactory(student=student, season=season)
    SchoolRecordFactory(student=student, season=coming, school_level=school_level("cm1"))
    return student


def url_for(name, student):
    return reverse(name) if name == "students:list" else reverse(name, args=[student.pk])


def count(client, url):
    """The queries of a second view of ``url`` (the first reads what is kept a few seconds again,
    after the test's writes)."""
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", PAGES)
def test_page_query_count_is_pinned(client, django_assert_num_queries, name):
    current, coming = seasons()
    family, _guardian = logged_in_family(client)
    student = add_pupil(family, current, coming, SeasonFactory(start_year=2024))
    client.get(url_for(name, student))  # the session's first request stores its start time

    with django_assert_num_queries(PAGES[name]):
        client.get(url_for(name, student))


@pytest.mark.parametrize("name", PAGES)
def test_page_query_count_does_not_grow_from_one_to_four_pupils(client, name):
    current, coming = seasons()
    past = SeasonFactory(start_year=2024)
    family, _guardian = logged_in_family(client)
    student = add_pupil(family, current, coming, past)
    client.get(url_for(name, student))
    with_one = count(client, url_for(name, student))

    for _ in range(3):
        add_pupil(family, current, coming, past)
    # More courses and works for the pupil shown, too.
    EnrolmentFactory(student=student, course=CourseFactory(season=current))
    RepertoireEntryFactory(student=student, season=past)

    assert count(client, url_for(name, student)) == with_one
