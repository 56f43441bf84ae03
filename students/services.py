"""Writes about pupils: their family's Identité tab and the secretariat's admin."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from extranet.base.audit import FieldChange, changed, creation_changes, record_changes
from extranet.base.editing import apply_values, bump_version, lock_version, save_versioned
from extranet.base.errors import DomainError
from extranet.base.models import SchoolLevel, Season, User
from families.models import Family, Guardian
from families.services import acknowledge_changes, acknowledge_staff_changes
from students.models import Course, Discipline, Enrolment, RepertoireEntry, SchoolRecord, Student


class StudentError(DomainError):
    """A pupil's school record, enrolment or repertoire cannot be written that way: nothing was."""


IDENTITY_FIELDS = (
    "civility",
    "birth_date",
    "birth_place",
    "use_guardian_contact",
    "address",
    "postal_code",
    "city",
    "phone_home",
    "mobile",
    "email",
    "image_rights",
)
# What the secretariat edits on a pupil's admin page.
STAFF_FIELDS = ("family", "last_name", "first_name", *IDENTITY_FIELDS)


def update_student_identity(
    *,
    family: Family,
    student_id: int,
    guardian: Guardian,
    version: int,
    values: dict,
    season: Season | None,
    school_name: str,
    school_level: SchoolLevel | None,
) -> list[FieldChange]:
    """Save the Identité tab. Refuses (StaleEditError) if another guardian saved it meanwhile.

    The school is recorded for ``season`` (the coming one). Each changed field is recorded for
    staff and listed in an acknowledgement emailed to the guardian.
    """
    unknown = set(values) - set(IDENTITY_FIELDS)
    if unknown:
        raise ValueError(f"not editable by families: {sorted(unknown)}")
    with transaction.atomic():
        student = lock_version(Student.objects.for_family(family), pk=student_id, version=version)
        changes = apply_values(student, values)
        student_fields = [change.field for change in changes]
        if season is not None:
            changes += _update_school_record(
                student=student, season=season, school_name=school_name, school_level=school_level
            )
        if not changes:
            return []
        bump_version(student, version=version, fields=student_fields)
        record_changes(actor=guardian.user, instance=student, changes=changes)
        acknowledge_changes(
            guardian=guardian,
            site=family.site,
            subject_label=_("l'élève %(name)s") % {"name": student.full_name},
            changes=changes,
        )
    return changes


def update_student(*, student_id: int, actor: User, version: int, values: dict) -> list[FieldChange]:
    """A staff member edits a pupil in the admin: locked, version-checked, recorded, and each
    guardian of the family told what the secretariat changed."""
    unknown = set(values) - set(STAFF_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    with transaction.atomic():
        student = lock_version(Student.objects.select_related("family__site"), pk=student_id, version=version)
        former_family = student.family
        changes = save_versioned(student, version=version, values=values, actor=actor)
        if changes:
            subject = _("l'élève %(name)s") % {"name": student.full_name}
            acknowledge_staff_changes(family=student.family, subject_label=subject, changes=changes)
            if former_family.pk != student.family_id:
                acknowledge_staff_changes(family=former_family, subject_label=subject, changes=changes)
    return changes


def _update_school_record(
    *, student: Student, season: Season, school_name: str, school_level: SchoolLevel | None
) -> list[FieldChange]:
    record = (
        SchoolRecord.objects.select_for_update(of=("self",))
        .select_related("school_level")
        .filter(student=student, season=season)
        .first()
    )
    changes = _school_record_changes(
        season,
        record.school_name if record else "",
        record.school_level if record else None,
        school_name,
        school_level,
    )
    if changes:
        SchoolRecord.objects.update_or_create(
            student=student,
            season=season,
            defaults={"school_name": school_name, "school_level": school_level},
        )
    return changes


# --- Created by the secretariat -------------------------------------------------------------------


def create_student(*, actor: User, values: dict) -> Student:
    """A staff member adds a pupil to a household in the admin: recorded ("créé") under their name,
    and each guardian of the family told which pupil the secretariat added, with what."""
    unknown = set(values) - set(STAFF_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    with transaction.atomic():
        family = (
            Family.objects.select_for_update(of=("self",)).select_related("site").get(pk=values["family"].pk)
        )
        student = Student.objects.create(**{**values, "family": family})
        changes = creation_changes(student, [name for name in values if name != "family"])
        record_changes(actor=actor, instance=student, changes=changes)
        acknowledge_staff_changes(family=family, subject_label=_student_label(student), changes=changes)
    return student


def _student_label(student: Student) -> str:
    return _("l'élève %(name)s") % {"name": student.full_name}


def _lock_student(student_id: int) -> Student:
    """Lock the pupil and move its version on: a family's Identité form (which carries the school of
    the coming season) opened before this change is then refused instead of writing over it."""
    student = (
        Student.objects.select_for_update(of=("self",)).select_related("family__site").get(pk=student_id)
    )
    bump_version(student, version=student.version, fields=[])
    return student


# --- School records (établissement and niveau scolaire per season) --------------------------------


def save_school_record(
    *,
    student_id: int,
    actor: User,
    season: Season,
    school_name: str,
    school_level: SchoolLevel | None,
    record_id: int | None = None,
) -> SchoolRecord:
    """A staff member adds or corrects where a pupil goes to school in a season (one per season)."""
    with transaction.atomic():
        student = _lock_student(student_id)
        others = SchoolRecord.objects.filter(student=student, season=season).exclude(pk=record_id)
        if others.exists():
            raise StudentError(
                _("La scolarité de %(season)s est déjà renseignée pour cet élève.")
                % {"season": season.label},
                field="season",
            )
        if record_id is not None:
            record = SchoolRecord.objects.select_for_update(of=("self",)).get(pk=record_id, student=student)
            if record.season_id != season.pk:
                # Moved to another season: the old season's school is gone, the new one set.
                changes = _school_record_changes(
                    record.season, record.school_name, record.school_level, "", None
                )
                record.season = season
                changes += _school_record_changes(season, "", None, school_name, school_level)
            else:
                changes = _school_record_changes(
                    season, record.school_name, record.school_level, school_name, school_level
                )
            record.school_name, record.school_level = school_name, school_level
            record.save()
        else:
            record = SchoolRecord.objects.create(
                student=student, season=season, school_name=school_name, school_level=school_level
            )
            changes = _school_record_changes(season, "", None, school_name, school_level)
        record_changes(actor=actor, instance=student, changes=changes)
    return record


def remove_school_record(*, record_id: int, actor: User) -> None:
    with transaction.atomic():
        student_id = SchoolRecord.objects.values_list("student_id", flat=True).get(pk=record_id)
        student = _lock_student(student_id)
        record = (
            SchoolRecord.objects.select_for_update(of=("self",))
            .select_related("season", "school_level")
            .get(pk=record_id)
        )
        changes = _school_record_changes(record.season, record.school_name, record.school_level, "", None)
        record_changes(actor=actor, instance=student, changes=changes)
        record.delete()


def _school_record_changes(
    season: Season, old_name: str, old_level: SchoolLevel | None, new_name: str, new_level: SchoolLevel | None
) -> list[FieldChange]:
    before = {"school_record.school_name": old_name, "school_record.school_level": str(old_level or "")}
    after = {"school_record.school_name": new_name, "school_record.school_level": str(new_level or "")}
    labels = {
        "school_record.school_name": _("Établissement scolaire %(season)s") % {"season": season.label},
        "school_record.school_level": _("Niveau scolaire %(season)s") % {"season": season.label},
    }
    return [
        FieldChange(field=name, label=labels[name], old=before[name], new=after[name])
        for name in changed(before, after)
    ]


# --- Enrolments --------------------------------------------------------------------------------------


def check_enrolment(*, student: Student, course: Course, enrolment_id: int | None = None) -> None:
    """A pupil is enrolled only in a course of its family's site, and once per course."""
    site = student.family.site
    if course.pole.site_id != site.pk:
        raise StudentError(
            _("Le cours %(course)s a lieu sur le site %(other)s : l'élève est inscrit sur le site %(site)s.")
            % {"course": course.name, "other": course.pole.site.name, "site": site.name},
            field="course",
        )
    twins = Enrolment.objects.filter(student=student, course=course).exclude(pk=enrolment_id)
    if twins.exists():
        raise StudentError(_("L'élève est déjà inscrit à ce cours."), field="course")


def enrol_student(
    *, student_id: int, course_id: int, actor: User, status: str = Enrolment.Status.ACTIVE
) -> Enrolment:
    """A staff member enrols a pupil in a course: the course's site is the family's, never twice."""
    with transaction.atomic():
        student = _lock_student(student_id)
        course = (
            Course.objects.select_for_update(of=("self",))
            .select_related("pole__site", "season")
            .get(pk=course_id)
        )
        check_enrolment(student=student, course=course)
        enrolment = Enrolment.objects.create(student=student, course=course, status=status)
        change = FieldChange(
            field=f"enrolment.{enrolment.pk}",
            label=_enrolment_label(course),
            old="",
            new=enrolment.get_status_display(),
        )
        record_changes(actor=actor, instance=student, changes=[change])
    return enrolment


def change_enrolment(*, enrolment_id: int, actor: User, course_id: int, status: str) -> Enrolment:
    """A staff member moves a pupil to another course or changes the enrolment's state."""
    with transaction.atomic():
        student_id = Enrolment.objects.values_list("student_id", flat=True).get(pk=enrolment_id)
        student = _lock_student(student_id)
        enrolment = (
            Enrolment.objects.select_for_update(of=("self",)).select_related("course").get(pk=enrolment_id)
        )
        course = (
            Course.objects.select_for_update(of=("self",))
            .select_related("pole__site", "season")
            .get(pk=course_id)
        )
        check_enrolment(student=student, course=course, enrolment_id=enrolment.pk)
        old = f"{enrolment.course.name} – {enrolment.get_status_display()}"
        enrolment.course, enrolment.status = course, status
        new = f"{course.name} – {enrolment.get_status_display()}"
        if new != old:
            enrolment.save()
            change = FieldChange(
                field=f"enrolment.{enrolment.pk}", label=_enrolment_label(course), old=old, new=new
            )
            record_changes(actor=actor, instance=student, changes=[change])
    return enrolment


def _enrolment_label(course: Course) -> str:
    return _("Inscription (%(season)s)") % {"season": course.season.label}


# --- Repertoire ----------------------------------------------------------------------------------------


def save_repertoire_entry(
    *,
    student_id: int,
    actor: User,
    season: Season,
    discipline: Discipline | None,
    work: str,
    composer: str,
    entry_id: int | None = None,
) -> RepertoireEntry:
    """A staff member adds or corrects a work of the pupil's Répertoire tab."""
    with transaction.atomic():
        student = _lock_student(student_id)
        if entry_id is None:
            entry = RepertoireEntry(student=student)
            old = ""
        else:
            entry = RepertoireEntry.objects.select_for_update(of=("self",)).get(pk=entry_id, student=student)
            old = _repertoire_text(entry)
        entry.season, entry.discipline, entry.work, entry.composer = season, discipline, work, composer
        new = _repertoire_text(entry)
        if new != old:
            entry.save()
            _record_repertoire(actor=actor, student=student, entry=entry, old=old, new=new)
    return entry


def remove_repertoire_entry(*, entry_id: int, actor: User) -> None:
    with transaction.atomic():
        student_id = RepertoireEntry.objects.values_list("student_id", flat=True).get(pk=entry_id)
        student = _lock_student(student_id)
        entry = RepertoireEntry.objects.select_for_update(of=("self",)).get(pk=entry_id)
        _record_repertoire(actor=actor, student=student, entry=entry, old=_repertoire_text(entry), new="")
        entry.delete()


def _repertoire_text(entry: RepertoireEntry) -> str:
    parts = [entry.work, entry.composer, str(entry.discipline or ""), entry.season.label]
    return " – ".join(part for part in parts if part)


def _record_repertoire(*, actor: User, student: Student, entry: RepertoireEntry, old: str, new: str) -> None:
    change = FieldChange(field=f"repertoire.{entry.pk}", label=_("Répertoire"), old=old, new=new)
    record_changes(actor=actor, instance=student, changes=[change])
