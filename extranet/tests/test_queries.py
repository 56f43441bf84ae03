"""Accueil, Mot de passe and Accessibilité cost the same number of queries for one pupil or four."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from extranet.tests.factories import NewsFactory, school_level
from extranet.tests.portal import logged_in_family, seasons
from students.tests.factories import EnrolmentFactory, SchoolRecordFactory, StudentFactory

pytestmark = pytest.mark.django_db

# Session, user, guardian with its family (3) + the page + session save (3).
PAGES = {
    # news, next season, pupils, their school records; the documents and re-enrolment
    # to-do lists are counted by their own apps' tests and left out here.
    "home": 7,
    "password_change": 3,
    "accessibility": 3,
}


def add_pupil(family, coming):
    student = StudentFactory(family=family, birth_date=None)
    SchoolRecordFactory(student=student, season=coming, school_level=school_level("cm1"))
    EnrolmentFactory(student=student)
    return student


def count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", PAGES)
def test_page_query_count_is_pinned(client, django_assert_num_queries, monkeypatch, name):
    monkeypatch.setattr("documents.selectors.todo_items", lambda family: [])
    monkeypatch.setattr("reenrolment.selectors.todo_items", lambda family: [])
    _current, coming = seasons()
    family, _guardian = logged_in_family(client)
    NewsFactory(site=family.site)
    add_pupil(family, coming)
    client.get(reverse(name))

    with django_assert_num_queries(PAGES[name]):
        client.get(reverse(name))


@pytest.mark.parametrize("name", PAGES)
def test_page_query_count_does_not_grow_from_one_to_four_pupils(client, name):
    _current, coming = seasons()
    family, _guardian = logged_in_family(client)
    NewsFactory(site=family.site)
    add_pupil(family, coming)
    client.get(reverse(name))
    with_one = count(client, reverse(name))

    for _ in range(3):
        add_pupil(family, coming)
        NewsFactory(site=family.site)

    assert count(client, reverse(name)) == with_one
