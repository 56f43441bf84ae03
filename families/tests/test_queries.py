"""The Famille page and the data download cost the same number of queries for one pupil or four."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from extranet.tests.portal import logged_in_family, seasons
from families.tests.factories import guardian_of
from students.tests.factories import (
    EnrolmentFactory,
    RepertoireEntryFactory,
    SchoolRecordFactory,
    StudentFactory,
)

pytestmark = pytest.mark.django_db

# Session, user, guardian with its family (3); other guardians (1). Civilities, PCS and payment
# means, read in one query by the request before, are kept a few seconds (extranet/base/sitewide.py).
# The session is not written back: activity is recorded at most once a minute.
FAMILY_PAGE_QUERIES = 4


def add_pupil(family):
    student = StudentFactory(family=family)
    EnrolmentFactory(student=student)
    RepertoireEntryFactory(student=student)
    SchoolRecordFactory(student=student)
    return student


def count(client, url):
    """The queries of a second view of ``url`` (the first reads what is kept a few seconds again,
    after the test's writes)."""
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_family_page_query_count_is_pinned(client, django_assert_num_queries):
    family, _guardian = logged_in_family(client)
    guardian_of(family)
    add_pupil(family)
    client.get(reverse("home"))
    client.get(reverse("family:detail"))

    with django_assert_num_queries(FAMILY_PAGE_QUERIES):
        client.get(reverse("family:detail"))


@pytest.mark.parametrize("name", ["family:detail", "family_data_export"])
def test_query_count_does_not_grow_from_one_to_four_pupils(client, name):
    seasons()
    family, _guardian = logged_in_family(client)
    add_pupil(family)
    client.get(reverse(name))
    with_one = count(client, reverse(name))

    for _ in range(3):
        add_pupil(family)
    guardian_of(family)

    assert count(client, reverse(name)) == with_one
