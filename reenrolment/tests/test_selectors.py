"""Reads: the window a site's families see, and the Accueil's "left to do" items."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from extranet.tests.factories import SeasonFactory, SiteFactory
from reenrolment.models import Reenrolment
from reenrolment.selectors import CLOSED, NO_WINDOW, OPEN, UPCOMING, todo_items, window_for_site, window_phase
from reenrolment.tests.factories import ReenrolmentFactory, WindowFactory, setting
from students.models import Enrolment

pytestmark = pytest.mark.django_db


def days(n):
    return timezone.now() + datetime.timedelta(days=n)


def test_the_open_window_wins_over_past_and_future_ones():
    site = SiteFactory()
    WindowFactory(
        site=site,
        season=SeasonFactory(start_year=2024, is_current=False, is_next=False),
        opens_at=days(-400),
        closes_at=days(-380),
    )
    current = WindowFactory(site=site, opens_at=days(-1), closes_at=days(5))
    WindowFactory(
        site=site,
        season=SeasonFactory(start_year=2027, is_next=False),
        opens_at=days(300),
        closes_at=days(320),
    )
    assert window_for_site(site) == current
    assert window_phase(current) == OPEN


def test_without_an_open_window_the_next_one_then_the_last_closed_one_is_shown():
    site = SiteFactory()
    closed = WindowFactory(site=site, opens_at=days(-30), closes_at=days(-10))
    assert window_for_site(site) == closed and window_phase(closed) == CLOSED
    upcoming = WindowFactory(
        site=site, season=SeasonFactory(start_year=2027, is_next=False), opens_at=days(10), closes_at=days(20)
    )
    assert window_for_site(site) == upcoming and window_phase(upcoming) == UPCOMING
    assert window_phase(None) == NO_WINDOW


def test_todo_announces_the_dates_of_an_upcoming_window():
    ctx = setting(opens_at=days(3), closes_at=days(17))
    items = todo_items(ctx.family)
    assert len(items) == 1
    assert items[0].text.startswith("Réinscriptions pour la saison 2026/2027 : du ")


def test_todo_lists_each_pupil_to_re_enrol_with_a_link_while_the_window_is_open():
    ctx = setting()
    in_course = ctx.pupil(first_name="Emma")
    current, _following = ctx.course_pair("Piano")
    ctx.enrol(in_course, current)
    no_course = ctx.pupil(first_name="Jeanne")  # "Aucun cours attribué": expected too
    sent = ctx.pupil(first_name="Léo")
    ctx.enrol(sent, current)
    ReenrolmentFactory(window=ctx.window, student=sent)
    stopped = ctx.pupil(first_name="Zoé")
    ctx.enrol(stopped, current, status=Enrolment.Status.STOPPED)
    draft = ctx.pupil(first_name="Adam")
    ReenrolmentFactory(window=ctx.window, student=draft, state=Reenrolment.State.DRAFT)
    items = todo_items(ctx.family)
    texts = [item.text for item in items]
    assert [item.url for item in items] == [
        reverse("reenrolment:student", args=[p.pk]) for p in (draft, in_course, no_course)
    ]
    assert texts[0].startswith(f"Le dossier de réinscription de {draft.full_name} n'est pas encore envoyé")
    assert texts[1].startswith(f"Réinscrire {in_course.full_name} pour la saison 2026/2027, avant le ")


def test_todo_is_empty_after_the_window():
    ctx = setting(opens_at=days(-20), closes_at=days(-2))
    ctx.pupil()
    assert todo_items(ctx.family) == []


def test_todo_costs_a_fixed_number_of_queries(django_assert_num_queries):
    ctx = setting()
    for _ in range(5):
        ctx.pupil()
    # The window, then the pupils with whether they should re-enrol and their dossier's state.
    with django_assert_num_queries(2):
        todo_items(ctx.family)
