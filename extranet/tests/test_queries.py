"""Accueil, Mot de passe and Accessibilité cost the same number of queries for one pupil or six."""

import pytest
from django.urls import reverse

from documents.tests.factories import image_document
from extranet.tests.factories import NewsFactory, payment_means, school_level
from extranet.tests.portal import log_in, logged_in_family, seasons
from reenrolment.models import Reenrolment
from reenrolment.tests.factories import ReenrolmentFactory, setting
from students.tests.factories import EnrolmentFactory, SchoolRecordFactory, StudentFactory

pytestmark = pytest.mark.django_db

# Session, user, guardian with its family (3) + the page. The session is not written back
# (activity is recorded at most once a minute).
PAGES = {
    "password_change": 3,
    "accessibility": 3,
}
# Session, user, guardian with its family (3); the to-do list: the pupils (whether they dance,
# should re-enrol, their dossier's state), with their next school record (1); documents (1). The
# current and next seasons, the re-enrolment window, the document types and the news, the same
# for every family of the site, were read by the request before and are kept a few seconds
# (extranet/base/sitewide.py).
HOME_QUERIES = 5


def add_pupil(family, coming):
    student = StudentFactory(family=family, birth_date=None)
    SchoolRecordFactory(student=student, season=coming, school_level=school_level("cm1"))
    EnrolmentFactory(student=student)
    return student


@pytest.mark.parametrize("name", PAGES)
def test_page_query_count_is_pinned_for_one_or_four_pupils(client, django_assert_num_queries, name):
    _current, coming = seasons()
    family, _guardian = logged_in_family(client)
    add_pupil(family, coming)
    client.get(reverse(name))
    with django_assert_num_queries(PAGES[name]):
        assert client.get(reverse(name)).status_code == 200

    for _ in range(3):
        add_pupil(family, coming)
    with django_assert_num_queries(PAGES[name]):
        assert client.get(reverse(name)).status_code == 200


def accueil_with_pupils(client, count):
    """An open re-enrolment window, a family paying by direct debit, ``count`` pupils in a course
    (one dancing, one with a draft dossier, one with a sent one, some documents handed in)."""
    ctx = setting()
    ctx.family.payment_means = payment_means("direct_debit")
    ctx.family.save()
    log_in(client, ctx.guardian)
    for _ in range(3):
        NewsFactory(site=ctx.site)
    piano, _next_piano = ctx.course_pair("Piano")
    dance, _next_dance = ctx.course_pair("Danse classique")
    dance.discipline.is_dance = True
    dance.discipline.save()
    pupils = []
    for index in range(count):
        pupil = ctx.pupil(birth_date=None)
        SchoolRecordFactory(student=pupil, season=ctx.season, school_level=school_level("cm1"))
        ctx.enrol(pupil, dance if index == 0 else piano)
        image_document(family=ctx.family, student=pupil)
        if index in (1, 2):
            state = Reenrolment.State.DRAFT if index == 1 else Reenrolment.State.SUBMITTED
            ReenrolmentFactory(window=ctx.window, student=pupil, state=state)
        pupils.append(pupil)
    return ctx, pupils


@pytest.mark.parametrize("pupils", [1, 6])
def test_accueil_with_its_whole_todo_list_costs_the_same_queries_for_one_or_six_pupils(
    client, django_assert_num_queries, pupils
):
    _ctx, students = accueil_with_pupils(client, pupils)
    client.get(reverse("home"))  # the session's first request stores its start time

    with django_assert_num_queries(HOME_QUERIES):
        response = client.get(reverse("home"))

    texts = [item.text for item in response.context["todo"]]
    # What each app asks is still there: the pupils' identity, the documents, the dossiers.
    assert sum(text.startswith("Complétez l'identité de l'élève") for text in texts) == pupils
    assert any("RIB" in text for text in texts)
    assert any(text.startswith("Réinscrire") and students[0].full_name in text for text in texts)
    if pupils == 6:
        assert any(text.startswith("Le dossier de réinscription") for text in texts)
        assert not any(students[2].full_name in text and "Réinscri" in text for text in texts)
