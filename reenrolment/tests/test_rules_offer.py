"""Which courses the Réinscription wishes offer first (reenrolment.rules.course_fits)."""

import pytest

from extranet.tests.factories import PoleFactory, SeasonFactory
from reenrolment import selectors
from reenrolment.rules import course_fits
from reenrolment.tests.factories import setting
from students.models import CourseCategory as C
from students.models import Enrolment
from students.tests.factories import CourseFactory

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


def test_the_tab_reads_current_and_past_courses_at_once_and_finds_the_same(ctx, django_assert_num_queries):
    pupil = ctx.pupil()
    piano, _next_piano = ctx.course_pair("Piano")
    ctx.enrol(pupil, piano)
    flute, _next_flute = ctx.course_pair("Flûte")
    ctx.enrol(pupil, flute, status=Enrolment.Status.STOPPED)
    old = SeasonFactory(start_year=2023, is_current=False, is_next=False)
    ctx.enrol(pupil, CourseFactory(season=old, pole=ctx.pole, category=C.INSTRUMENT, name="Violon 2023"))
    ctx.enrol(pupil, CourseFactory(season=old, pole=ctx.pole, category=C.COLLECTIVE, name="Chœur 2023"))
    ctx.next_course("Orchestre", category=C.INSTRUMENT, beginners_allowed=False)
    ctx.next_course("Harmonie", category=C.COLLECTIVE, beginners_allowed=False)

    plain = selectors.reenrolment_offer(pupil, ctx.window)
    # The pupil's courses, current and past, in one query (the catalogue shown to families,
    # read just before, is kept a few seconds: extranet/base/sitewide.py).
    with django_assert_num_queries(1):
        read = selectors.reenrolment_offer(pupil, ctx.window, with_past=True)
    assert [c.enrolment.pk for c in read.continuations] == [c.enrolment.pk for c in plain.continuations]
    assert [c.enrolment.course.name for c in read.continuations] == ["Piano"]
    assert read.past == selectors.past_courses(pupil, ctx.season)
    assert read.past[1] is True  # Violon 2023: an instrument
    with django_assert_num_queries(0):
        suggested = selectors.suggested_course_ids(pupil, read)
    assert suggested == selectors.suggested_course_ids(pupil, plain)


def test_the_course_details_name_the_day_and_semester_as_the_course_does(ctx):
    import datetime

    from reenrolment.forms import course_details, timetable

    course = ctx.next_course(
        "Parcours découverte",
        category=C.DISCOVERY,
        semester=2,
        teacher_name="",
        cycle=None,
        weekday=None,
        room="",
    )
    assert timetable(course) == course.timetable == ""
    course.weekday, course.starts_at, course.ends_at = 3, datetime.time(14), datetime.time(15, 30)
    assert timetable(course) == course.timetable == "mercredi 14:00–15:30"
    course.room = "Salle 2"
    assert timetable(course) == course.timetable == "mercredi 14:00–15:30, Salle 2"
    assert course_details(course)[:2] == [course.timetable, str(course.get_semester_display())]
