"""Which courses the Réinscription wishes offer first (reenrolment.rules.course_fits)."""

import pytest

from extranet.tests.factories import PoleFactory
from reenrolment.rules import course_fits
from reenrolment.tests.factories import setting
from students.models import CourseCategory as C

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx():
    return setting()


def fits(course, *, age=13, past=(), played_instrument=False, pole_id=None):
    return course_fits(
        course=course,
        age=age,
        past_discipline_ids=set(past),
        played_instrument=played_instrument,
        pole_id=pole_id,
    )


def test_a_course_outside_the_pupil_age_is_not_offered_first(ctx):
    eveil = ctx.next_course("Éveil musical 4-5 ans", category=C.EVEIL, min_age=4, max_age=5)
    adults = ctx.next_course("Piano adultes", category=C.ADULT, min_age=18)

    assert not fits(eveil, age=13)
    assert not fits(adults, age=13)
    assert fits(eveil, age=5)
    assert fits(adults, age=40)


def test_an_age_limited_course_waits_for_a_birth_date(ctx):
    assert not fits(ctx.next_course("Jardin musical", category=C.EVEIL, max_age=5), age=None)
    assert fits(ctx.next_course("Chœur", category=C.COLLECTIVE), age=None)


def test_a_course_closed_to_beginners_is_offered_to_who_followed_the_discipline(ctx):
    orchestra = ctx.next_course("Orchestre", category=C.INSTRUMENT, beginners_allowed=False)

    assert not fits(orchestra)
    assert fits(orchestra, past={orchestra.discipline_id})


def test_a_collective_practice_for_musicians_is_offered_to_who_played_an_instrument(ctx):
    band = ctx.next_course("Harmonie", category=C.COLLECTIVE, beginners_allowed=False)

    assert not fits(band)
    assert fits(band, played_instrument=True)


def test_only_the_pole_of_the_pupil_other_courses_is_offered_first(ctx):
    sevre = PoleFactory(site=ctx.site, name="Pôle Sèvre")
    here = ctx.next_course("Chœur", category=C.COLLECTIVE)
    there = ctx.next_course("Violon", category=C.INSTRUMENT, pole=sevre)

    assert fits(here, pole_id=ctx.pole.pk)
    assert not fits(there, pole_id=ctx.pole.pk)
    assert fits(there, pole_id=None)
