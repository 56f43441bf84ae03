"""The course-choice rules of the guides, as one pure function (no database access).

The rules come from the Sèvre Loire guide ("Pièces à fournir – Élèves") and from the
design: éveil/jardin one course; parcours découverte two, one per semester; instrumental
cursus = instrument + collective practice (+ musical culture from 5e to 3e); adults = an
instrument and an optional collective practice; collective practices alone are allowed;
some courses are closed to beginners; age limits; all courses of one pupil on one pôle.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import chain

from django.utils.translation import gettext as _

from students.models import Course, CourseCategory, Student

# Pupils from 5e to 3e take a musical-culture course with their instrument (Sèvre Loire guide).
CULTURE_SCHOOL_LEVELS = {"5e", "4e", "3e"}

CONTINUED = "continued"
WISHES = "wishes"
ADMINISTRATIVE = "administrative"


def age_reference_day(season) -> date:
    """Ages are taken on 31 December of the year the season starts (as in the civil-year rule)."""
    return date(season.starts_on.year, 12, 31)


@dataclass(frozen=True)
class ChosenCourse:
    course: Course
    field: str  # CONTINUED or WISHES: where the family picked it, where an error is shown


def _names(chosen: Iterable[ChosenCourse]) -> str:
    return ", ".join(f"« {c.course.name} »" for c in chosen)


def _field_of(chosen: list[ChosenCourse]) -> str:
    """Show a combination error next to the wishes when a wish is involved, else the continued courses."""
    return WISHES if any(c.field == WISHES for c in chosen) else CONTINUED


def check_course_rules(
    *,
    student: Student,
    season,
    chosen: list[ChosenCourse],
    administrative: bool,
    school_level_code: str | None,
    past_discipline_ids: set[int],
    played_instrument: bool = False,
) -> dict[str, list[str]]:
    """Every broken rule, as French messages keyed by the form field they belong to.

    ``past_discipline_ids``: disciplines the pupil followed here before the season;
    ``played_instrument``: whether one of them was an instrument course (music, not dance).
    """
    if not chosen and not administrative:
        return {
            ADMINISTRATIVE: [
                _(
                    "Cochez au moins un cours à poursuivre, un nouveau cours ou la case "
                    "« Réinscription administrative »."
                )
            ]
        }
    by_category: dict[str, list[ChosenCourse]] = {}
    for item in chosen:
        by_category.setdefault(item.course.category, []).append(item)
    errors: dict[str, list[str]] = {}
    for field_name, message in chain(
        _one_pole(chosen),
        _eveil_alone(chosen, by_category),
        _discovery_pair(by_category),
        _instrumental_cursus(by_category, school_level_code),
        _non_beginners(chosen, student, past_discipline_ids, played_instrument),
        _age_limits(chosen, student, season),
    ):
        errors.setdefault(field_name, []).append(message)
    return errors


Refusals = Iterator[tuple[str, str]]  # (form field, French message)


def _one_pole(chosen: list[ChosenCourse]) -> Refusals:
    """All courses of one pupil on one pôle (Sèvre Loire guide)."""
    poles: dict[int, list[ChosenCourse]] = {}
    for item in chosen:
        poles.setdefault(item.course.pole_id, []).append(item)
    if len(poles) > 1:
        parts = " ; ".join(
            _("%(courses)s (%(pole)s)") % {"courses": _names(items), "pole": items[0].course.pole.name}
            for items in poles.values()
        )
        yield (
            _field_of(chosen),
            _(
                "Tous les cours d'un élève ont lieu sur un seul pôle. Vous avez choisi %(parts)s : "
                "gardez les cours d'un seul pôle."
            )
            % {"parts": parts},
        )


def _eveil_alone(chosen: list[ChosenCourse], by_category: dict[str, list[ChosenCourse]]) -> Refusals:
    eveil = by_category.get(CourseCategory.EVEIL, [])
    if not eveil or len(chosen) <= 1:
        return
    if len(eveil) > 1:
        message = _("En éveil / jardin, choisissez un seul cours : %(courses)s ne vont pas ensemble.") % {
            "courses": _names(eveil)
        }
    else:
        others = [item for item in chosen if item.course.category != CourseCategory.EVEIL]
        message = _(
            "Un cours d'éveil / jardin se choisit seul : retirez %(others)s ou le cours %(eveil)s."
        ) % {"others": _names(others), "eveil": _names(eveil)}
    yield _field_of(chosen), message


def _discovery_pair(by_category: dict[str, list[ChosenCourse]]) -> Refusals:
    discovery = by_category.get(CourseCategory.DISCOVERY, [])
    if not discovery:
        return
    semesters = sorted(item.course.semester or 0 for item in discovery)
    if len(discovery) != 2 or semesters != [1, 2]:
        yield (
            _field_of(discovery),
            _(
                "Le parcours découverte se compose de deux parcours : un au 1er semestre et un au "
                "2nd semestre (vous en avez choisi %(count)s : %(courses)s)."
            )
            % {"count": len(discovery), "courses": _names(discovery)},
        )


def _instrumental_cursus(
    by_category: dict[str, list[ChosenCourse]], school_level_code: str | None
) -> Refusals:
    """The instrumental cursus (music): dance courses share the category but not the rule."""
    instruments = [
        item for item in by_category.get(CourseCategory.INSTRUMENT, []) if not item.course.discipline.is_dance
    ]
    if not instruments:
        return
    if not by_category.get(CourseCategory.COLLECTIVE):
        yield (
            _field_of(instruments),
            _(
                "Le cursus instrumental comprend l'instrument et un cours de pratique collective : "
                "ajoutez une pratique collective à %(courses)s."
            )
            % {"courses": _names(instruments)},
        )
    if school_level_code in CULTURE_SCHOOL_LEVELS and not by_category.get(CourseCategory.CULTURE):
        yield (
            _field_of(instruments),
            _(
                "En %(level)s, le cursus instrumental comprend aussi un cours de culture musicale : "
                "ajoutez-en un."
            )
            % {"level": school_level_code},
        )


def _non_beginners(
    chosen: list[ChosenCourse], student: Student, past_discipline_ids: set[int], played_instrument: bool
) -> Refusals:
    """Courses reserved to non-beginners: a beginner never followed the discipline here. For a
    collective practice the guide speaks of "musiciens non débutants": having played an
    instrument here is enough."""
    for item in chosen:
        course = item.course
        if course.beginners_allowed or course.discipline_id in past_discipline_ids:
            continue
        if course.category == CourseCategory.COLLECTIVE:
            if played_instrument:
                continue
            message = _(
                "« %(course)s » est réservé aux musiciens non débutants : %(name)s n'a encore suivi aucun "
                "cours d'instrument ni de %(discipline)s au conservatoire."
            )
        else:
            message = _(
                "« %(course)s » est réservé aux élèves non débutants en %(discipline)s : "
                "%(name)s n'a encore suivi aucun cours de %(discipline)s au conservatoire."
            )
        yield (
            item.field,
            message
            % {"course": course.name, "discipline": course.discipline.name, "name": student.first_name},
        )


def _age_limits(chosen: list[ChosenCourse], student: Student, season) -> Refusals:
    day = age_reference_day(season)
    age = student.age_on(day)
    for item in chosen:
        course = item.course
        if course.min_age is None and course.max_age is None:
            continue
        limits = _age_limits_text(course)
        if age is None:
            yield (
                item.field,
                _(
                    "« %(course)s » est ouvert %(limits)s : renseignez la date de naissance de l'élève "
                    "dans l'onglet Identité."
                )
                % {"course": course.name, "limits": limits},
            )
        elif (course.min_age is not None and age < course.min_age) or (
            course.max_age is not None and age > course.max_age
        ):
            yield (
                item.field,
                _(
                    "« %(course)s » est ouvert %(limits)s au 31 décembre %(year)s ; "
                    "%(name)s aura alors %(age)s ans."
                )
                % {
                    "course": course.name,
                    "limits": limits,
                    "year": day.year,
                    "name": student.first_name,
                    "age": age,
                },
            )


def _age_limits_text(course: Course) -> str:
    if course.min_age is not None and course.max_age is not None:
        if course.min_age == course.max_age:
            return _("aux élèves de %(min)s ans") % {"min": course.min_age}
        return _("aux élèves de %(min)s à %(max)s ans") % {"min": course.min_age, "max": course.max_age}
    if course.min_age is not None:
        return _("aux élèves de %(min)s ans et plus") % {"min": course.min_age}
    return _("aux élèves de %(max)s ans au plus") % {"max": course.max_age}


def course_fits(
    *,
    course: Course,
    age: int | None,
    past_discipline_ids: set[int],
    played_instrument: bool,
    pole_id: int | None,
) -> bool:
    """Whether the rules above let a pupil take ``course`` on its own: age on the reference day,
    level (courses closed to beginners) and pôle (``pole_id``: the pôle of the pupil's other
    courses, None when free). The Réinscription wishes offer these courses first.

    Combination rules (one éveil course, instrument with a collective practice…) depend on the
    whole choice and stay with ``check_course_rules``.
    """
    if pole_id is not None and course.pole_id != pole_id:
        return False
    if course.min_age is not None or course.max_age is not None:
        if age is None:
            return False
        if (course.min_age is not None and age < course.min_age) or (
            course.max_age is not None and age > course.max_age
        ):
            return False
    if not course.beginners_allowed and course.discipline_id not in past_discipline_ids:
        return course.category == CourseCategory.COLLECTIVE and played_instrument
    return True
