"""Reads: the window a site's families see, and the Accueil's "left to do" items."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from extranet.tests.factories import SeasonFactory, SiteFactory
from reenrolment.models import Reenrolment
from reenrolment.selectors import (
    CLOSED,
    NO_WINDOW,
    OPEN,
    UPCOMING,
    catalogue,
    dossier_for,
    reenrolment_offer,
    todo_items,
    window_for_site,
    window_phase,
)
from reenrolment.tests.factories import ChoiceFactory, ReenrolmentFactory, WindowFactory, setting
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


def test_the_dossier_comes_with_its_choices_and_history_in_three_queries(django_assert_num_queries):
    ctx = setting()
    pupil = ctx.pupil()
    dossier = ReenrolmentFactory(window=ctx.window, student=pupil)
    second = ChoiceFactory(reenrolment=dossier, course=ctx.next_course("Chœur"), preference=2)
    first = ChoiceFactory(reenrolment=dossier, course=ctx.next_course("Orchestre"), preference=1)
    dossier.history.create(old_state="draft", new_state="submitted", at=days(-1))
    ReenrolmentFactory(
        window=WindowFactory(site=ctx.site, season=SeasonFactory(start_year=2030)), student=pupil
    )

    with django_assert_num_queries(3):
        read = dossier_for(pupil, ctx.window)
    with django_assert_num_queries(0):
        assert read == dossier
        assert [choice.pk for choice in read.choices.all()] == [first.pk, second.pk]
        assert [choice.course.pole.name for choice in read.choices.all()] == ["Pôle Centre"] * 2
        assert all(choice.reenrolment is read for choice in read.choices.all())
        assert [change.new_state for change in read.history.all()] == ["submitted"]
    assert dossier_for(ctx.pupil(), ctx.window) is None
    assert dossier_for(pupil, None) is None


def test_the_offer_reads_the_catalogue_as_the_queryset_does(django_assert_num_queries):
    ctx = setting()
    pupil = ctx.pupil()
    ctx.next_course("Chœur")
    ctx.next_course("Orchestre", pole=ctx.pole)
    other = setting()
    other.next_course("Danse")  # another site's catalogue
    offer = reenrolment_offer(pupil, ctx.window)
    expected = list(catalogue(ctx.window))
    assert [c.pk for c in offer.catalogue] == [c.pk for c in expected]
    assert [c.seats_taken for c in offer.catalogue] == [c.seats_taken for c in expected]
    with django_assert_num_queries(0):
        assert {(c.season.pk, c.pole.name, c.discipline.name) for c in offer.catalogue} == {
            (c.season.pk, c.pole.name, c.discipline.name) for c in expected
        }
