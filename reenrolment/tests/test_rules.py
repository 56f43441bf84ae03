"""The course-choice rules of the guides (reenrolment.rules.check_course_rules)."""

import datetime

import pytest

from extranet.tests.factories import PoleFactory
from reenrolment.rules import (
    ADMINISTRATIVE,
    CONTINUED,
    WISHES,
    ChosenCourse,
    age_reference_day,
    check_course_rules,
)
from reenrolment.tests.factories import setting
from students.models import CourseCategory as C
from students.tests.factories import DisciplineFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx():
    return setting()


def check(ctx, student, chosen, *, administrative=False, level=None, past=(), played_instrument=False):
    return check_course_rules(
        student=student,
        season=ctx.season,
        chosen=chosen,
        administrative=administrative,
        school_level_code=level,
        past_discipline_ids=set(past),
        played_instrument=played_instrument,
    )


def wish(course):
    return ChosenCourse(course, WISHES)


def test_ages_are_taken_on_31_december_of_the_season_start_year(ctx):
    assert age_reference_day(ctx.season) == datetime.date(2026, 12, 31)


def test_nothing_chosen_and_no_administrative_re_enrolment_is_refused_next_to_the_checkbox(ctx):
    errors = check(ctx, ctx.pupil(), [])
    assert ADMINISTRATIVE in errors
    assert "Réinscription administrative" in errors[ADMINISTRATIVE][0]


def test_administrative_re_enrolment_alone_is_accepted(ctx):
    assert check(ctx, ctx.pupil(), [], administrative=True) == {}


def test_a_collective_practice_alone_is_accepted(ctx):
    choir = ctx.next_course("Chœur d'enfants", category=C.COLLECTIVE)
    assert check(ctx, ctx.pupil(birth_date=datetime.date(2016, 5, 1)), [wish(choir)]) == {}


def test_eveil_is_exactly_one_course(ctx):
    pupil = ctx.pupil(birth_date=datetime.date(2021, 5, 1))
    one = ctx.next_course("Éveil musical", category=C.EVEIL)
    two = ctx.next_course("Éveil danse", category=C.EVEIL)
    assert check(ctx, pupil, [wish(one)]) == {}
    errors = check(ctx, pupil, [wish(one), wish(two)])
    assert "un seul cours" in errors[WISHES][0]
    assert "« Éveil musical »" in errors[WISHES][0] and "« Éveil danse »" in errors[WISHES][0]


def test_eveil_cannot_be_combined_with_another_course(ctx):
    pupil = ctx.pupil(birth_date=datetime.date(2021, 5, 1))
    eveil = ctx.next_course("Éveil musical", category=C.EVEIL)
    choir = ctx.next_course("Chœur", category=C.COLLECTIVE)
    errors = check(ctx, pupil, [wish(eveil), wish(choir)])
    assert "se choisit seul" in errors[WISHES][0]


def test_discovery_needs_two_parcours_one_per_semester(ctx):
    pupil = ctx.pupil(birth_date=datetime.date(2019, 5, 1))
    first = ctx.next_course("Parcours 1", category=C.DISCOVERY, semester=1)
    second = ctx.next_course("Parcours 2", category=C.DISCOVERY, semester=2)
    other_first = ctx.next_course("Parcours 3", category=C.DISCOVERY, semester=1)
    assert check(ctx, pupil, [wish(first), wish(second)]) == {}
    only_one = check(ctx, pupil, [wish(first)])
    assert "deux parcours" in only_one[WISHES][0] and "vous en avez choisi 1" in only_one[WISHES][0]
    same_semester = check(ctx, pupil, [wish(first), wish(other_first)])
    assert "un au 1er semestre et un au 2nd semestre" in same_semester[WISHES][0]


def test_instrument_needs_a_collective_practice(ctx):
    pupil = ctx.pupil(birth_date=datetime.date(2016, 5, 1))
    piano = ctx.next_course("Piano", category=C.INSTRUMENT)
    choir = ctx.next_course("Chœur", category=C.COLLECTIVE)
    errors = check(ctx, pupil, [wish(piano)], level="cm1")
    assert "pratique collective" in errors[WISHES][0]
    assert check(ctx, pupil, [wish(piano), wish(choir)], level="cm1") == {}


@pytest.mark.parametrize("level", ["5e", "4e", "3e"])
def test_pupils_from_5e_to_3e_also_need_musical_culture(ctx, level):
    pupil = ctx.pupil(birth_date=datetime.date(2013, 5, 1))
    piano = ctx.next_course("Piano", category=C.INSTRUMENT)
    choir = ctx.next_course("Chœur", category=C.COLLECTIVE)
    culture = ctx.next_course("Formation musicale", category=C.CULTURE)
    errors = check(ctx, pupil, [wish(piano), wish(choir)], level=level)
    assert errors[WISHES] == [
        f"En {level}, le cursus instrumental comprend aussi un cours de culture musicale : ajoutez-en un."
    ]
    assert check(ctx, pupil, [wish(piano), wish(choir), wish(culture)], level=level) == {}


@pytest.mark.parametrize("level", ["6e", "2nde", None])
def test_musical_culture_is_not_required_outside_5e_to_3e(ctx, level):
    pupil = ctx.pupil(birth_date=datetime.date(2013, 5, 1))
    piano = ctx.next_course("Piano", category=C.INSTRUMENT)
    choir = ctx.next_course("Chœur", category=C.COLLECTIVE)
    assert check(ctx, pupil, [wish(piano), wish(choir)], level=level) == {}


def test_dance_courses_are_not_an_instrumental_cursus(ctx):
    pupil = ctx.pupil(birth_date=datetime.date(2016, 5, 1))
    dance = ctx.next_course(
        "Danse classique", category=C.INSTRUMENT, discipline=DisciplineFactory(slug="danse-c", is_dance=True)
    )
    assert check(ctx, pupil, [wish(dance)], level="4e") == {}


def test_adults_take_an_instrument_with_an_optional_collective_practice(ctx):
    adult = ctx.pupil(birth_date=datetime.date(1980, 5, 1))
    piano = ctx.next_course("Piano adultes", category=C.ADULT)
    choir = ctx.next_course("Chœur adultes", category=C.COLLECTIVE)
    assert check(ctx, adult, [wish(piano)]) == {}
    assert check(ctx, adult, [wish(piano), wish(choir)]) == {}


def test_a_course_closed_to_beginners_is_refused_to_a_beginner(ctx):
    pupil = ctx.pupil(first_name="Léa", birth_date=datetime.date(2014, 5, 1))
    piano2 = ctx.next_course("Piano cycle 2", category=C.ADULT, beginners_allowed=False)
    errors = check(ctx, pupil, [wish(piano2)])
    assert errors[WISHES] == [
        "« Piano cycle 2 » est réservé aux élèves non débutants en Piano cycle 2 discipline : "
        "Léa n'a encore suivi aucun cours de Piano cycle 2 discipline au conservatoire."
    ]
    assert check(ctx, pupil, [wish(piano2)], past=[piano2.discipline_id]) == {}


def test_a_collective_practice_for_non_beginners_accepts_a_pupil_who_played_an_instrument(ctx):
    pupil = ctx.pupil(birth_date=datetime.date(2012, 5, 1))
    orchestra = ctx.next_course("Orchestre", category=C.COLLECTIVE, beginners_allowed=False)
    assert "musiciens non débutants" in check(ctx, pupil, [wish(orchestra)])[WISHES][0]
    assert check(ctx, pupil, [wish(orchestra)], played_instrument=True) == {}


def test_age_limits_are_checked_on_31_december(ctx):
    # Born on 1 January 2021: 5 years old on 31 December 2026.
    pupil = ctx.pupil(first_name="Adam", birth_date=datetime.date(2021, 1, 1))
    too_old = ctx.next_course("Éveil 3-4 ans", category=C.EVEIL, min_age=3, max_age=4)
    fits = ctx.next_course("Éveil 5-6 ans", category=C.EVEIL, min_age=5, max_age=6)
    too_young = ctx.next_course("Chœur", category=C.COLLECTIVE, min_age=8)
    assert check(ctx, pupil, [wish(fits)]) == {}
    assert check(ctx, pupil, [wish(too_old)])[WISHES] == [
        "« Éveil 3-4 ans » est ouvert aux élèves de 3 à 4 ans au 31 décembre 2026 ; Adam aura alors 5 ans."
    ]
    assert "de 8 ans et plus" in check(ctx, pupil, [wish(too_young)])[WISHES][0]


def test_a_missing_birth_date_is_asked_for_a_course_with_age_limits(ctx):
    pupil = ctx.pupil(birth_date=None)
    choir = ctx.next_course("Chœur", category=C.COLLECTIVE, min_age=8, max_age=12)
    assert "renseignez la date de naissance" in check(ctx, pupil, [wish(choir)])[WISHES][0]


def test_all_courses_of_a_pupil_are_on_one_pole(ctx):
    pupil = ctx.pupil(birth_date=datetime.date(2016, 5, 1))
    other_pole = PoleFactory(site=ctx.site, name="Pôle Sèvre")
    piano = ctx.next_course("Piano", category=C.INSTRUMENT)
    choir = ctx.next_course("Chœur", category=C.COLLECTIVE, pole=other_pole)
    errors = check(ctx, pupil, [ChosenCourse(piano, CONTINUED), wish(choir)])
    assert errors[WISHES] == [
        "Tous les cours d'un élève ont lieu sur un seul pôle. Vous avez choisi « Piano » (Pôle Centre) ; "
        "« Chœur » (Pôle Sèvre) : gardez les cours d'un seul pôle."
    ]


def test_errors_on_continued_courses_are_shown_next_to_them(ctx):
    pupil = ctx.pupil(birth_date=datetime.date(2016, 5, 1))
    piano = ctx.next_course("Piano", category=C.INSTRUMENT)
    assert CONTINUED in check(ctx, pupil, [ChosenCourse(piano, CONTINUED)])
