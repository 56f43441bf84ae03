"""The Accueil tab's "what is left to do" list, gathered from each app."""

from __future__ import annotations

from django.db.models import CharField, F, FilteredRelation, Q, Value
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from documents import selectors as document_selectors
from extranet.base.models import Season
from extranet.base.prepared import PreparedQuery
from extranet.base.seasons import current_and_next_seasons
from extranet.base.todo import TodoItem
from families.models import Family, Guardian
from reenrolment import selectors as reenrolment_selectors
from students.models import SchoolRecord, Student

# Required on the Famille form (the guides' yellow fields).
GUARDIAN_REQUIRED = ("civility", "last_name", "first_name", "address", "postal_code", "city", "email")
GUARDIAN_PHONES = ("phone_home", "phone_work", "mobile")
ADULT_LEVEL_CODE = "adulte"
NOTHING = Value(None, output_field=CharField())


def _label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def _is_blank(obj, name: str) -> bool:
    return not getattr(obj, obj._meta.get_field(name).attname)


def guardian_missing_fields(guardian) -> list[str]:
    missing = [_label(Guardian, name) for name in GUARDIAN_REQUIRED if _is_blank(guardian, name)]
    if not any(getattr(guardian, name) for name in GUARDIAN_PHONES):
        missing.append(_("un numéro de téléphone"))
    return missing


def family_missing_fields(family) -> list[str]:
    return [] if family.payment_means_id else [_label(Family, "payment_means")]


def student_missing_fields(student, season) -> list[str]:
    """The Malakoff guide's highlighted fields: birth date, postal code, town, school and level.

    ``student`` carries its school record of ``season`` as ``next_school_name`` and
    ``next_school_level`` (the level's code), None without a record (``family_students``).
    """
    missing = []
    if student.birth_date is None:
        missing.append(_label(Student, "birth_date"))
    if not student.use_guardian_contact:
        missing += [_label(Student, name) for name in ("postal_code", "city") if not getattr(student, name)]
    if season is not None:
        level = student.next_school_level
        if level != ADULT_LEVEL_CODE and not student.next_school_name:
            missing.append(_label(SchoolRecord, "school_name"))
        if level is None:
            missing.append(f"{_label(SchoolRecord, 'school_level')} {season.label}")
    if student.image_rights is None:
        missing.append(_label(Student, "image_rights"))
    return missing


def _join(fields: list[str]) -> str:
    return ", ".join(fields)


def profile_todo_items(*, family, guardian, seasons=None, students=None) -> list[TodoItem]:
    """Missing required fields of the logged-in guardian, the family and each pupil.

    ``seasons`` (current and next) and ``students`` as loaded by ``family_todo``.
    """
    if seasons is None:
        seasons = current_and_next_seasons()
    items = []
    missing = guardian_missing_fields(guardian)
    if missing:
        items.append(
            TodoItem(
                _("Complétez vos coordonnées : %(fields)s.") % {"fields": _join(missing)},
                reverse("family:detail"),
            )
        )
    missing = family_missing_fields(family)
    if missing:
        items.append(
            TodoItem(
                _("Choisissez le %(fields)s de la famille.") % {"fields": _join(missing)},
                reverse("family:detail"),
            )
        )
    season = next_season(seasons)
    if students is None:
        students = family_students(family, seasons=seasons)
    for student in students:
        missing = student_missing_fields(student, season)
        if missing:
            items.append(
                TodoItem(
                    _("Complétez l'identité de l'élève %(name)s : %(fields)s.")
                    % {"name": student.full_name, "fields": _join(missing)},
                    reverse("students:identity", args=[student.pk]),
                )
            )
    return items


def next_season(seasons: list[Season]) -> Season | None:
    return next((season for season in seasons if season.is_next), None)


def _pupils(family_id):
    students = Student.objects.for_family(family_id).order_by("first_name", "pk")
    return document_selectors.students_with_dance(students)


def _with_record(students, season_id):
    # At most one record per pupil and season: the join keeps one row per pupil.
    return students.annotate(
        next_record=FilteredRelation("school_records", condition=Q(school_records__season_id=season_id)),
        next_school_name=F("next_record__school_name"),
        next_school_level=F("next_record__school_level__code"),
    )


def _without_record(students):
    return students.annotate(next_school_name=NOTHING, next_school_level=NOTHING)


# The pupils' query in its four shapes (a window open or not, a next season or not), each built
# and compiled once per process (extranet/base/prepared.py): building it is most of Accueil's CPU.
_PUPILS = {
    (False, False): PreparedQuery(lambda family_id: _without_record(_pupils(family_id))),
    (False, True): PreparedQuery(lambda family_id, season_id: _with_record(_pupils(family_id), season_id)),
    (True, False): PreparedQuery(
        lambda family_id, window_id: _without_record(
            reenrolment_selectors.with_reenrolment_status(_pupils(family_id), window_id)
        )
    ),
    (True, True): PreparedQuery(
        lambda family_id, window_id, season_id: _with_record(
            reenrolment_selectors.with_reenrolment_status(_pupils(family_id), window_id), season_id
        )
    ),
}


def family_students(family, *, seasons: list[Season], window=None) -> list[Student]:
    """The family's pupils with everything the to-do list asks of them, in one query.

    Each carries its school record of next season (``next_school_name``, ``next_school_level``:
    the level's code), whether it
    dances (documents' ``dances``) and, while ``window`` is open (re-enrolment's list says
    nothing of the pupils otherwise), whether it should re-enrol and its dossier's state
    (re-enrolment's ``expected`` and ``reenrolment_state``).
    """
    values = {"family_id": family.pk}
    is_open = reenrolment_selectors.window_phase(window) == reenrolment_selectors.OPEN
    if is_open:
        values["window_id"] = window.pk
    season = next_season(seasons)
    if season is not None:
        values["season_id"] = season.pk
    return _PUPILS[is_open, season is not None].list(**values)


def family_todo(*, family, guardian) -> list[TodoItem]:
    """Everything the family still has to do: its data, then documents, then re-enrolment.

    The seasons, the site's window and the pupils (with their school records) are loaded once
    here and handed to each app's list: three queries plus the documents' two (types,
    documents), whatever the number of pupils.
    """
    seasons = current_and_next_seasons()
    window = reenrolment_selectors.window_for_site(family.site)
    students = family_students(family, seasons=seasons, window=window)
    items = profile_todo_items(family=family, guardian=guardian, seasons=seasons, students=students)
    items += document_selectors.todo_items(family, students=students, seasons=seasons)
    items += reenrolment_selectors.todo_items(family, window=window, students=students)
    return [TodoItem(capfirst(item.text), item.url) for item in items]
