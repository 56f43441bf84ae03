"""Writes about pupils: their family's Identité tab and the secretariat's admin."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from extranet.base.audit import FieldChange, changed, record_changes
from extranet.base.editing import apply_values, bump_version, lock_version, save_versioned
from extranet.base.models import SchoolLevel, Season, User
from families.models import Family, Guardian
from families.services import acknowledge_changes, acknowledge_staff_changes
from students.models import SchoolRecord, Student

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
    before = {
        "school_record.school_name": record.school_name if record else "",
        "school_record.school_level": str(record.school_level or "") if record else "",
    }
    after = {"school_record.school_name": school_name, "school_record.school_level": str(school_level or "")}
    labels = {
        "school_record.school_name": _("Établissement scolaire %(season)s") % {"season": season.label},
        "school_record.school_level": _("Niveau scolaire %(season)s") % {"season": season.label},
    }
    changes = [
        FieldChange(field=name, label=labels[name], old=before[name], new=after[name])
        for name in changed(before, after)
    ]
    if changes:
        SchoolRecord.objects.update_or_create(
            student=student,
            season=season,
            defaults={"school_name": school_name, "school_level": school_level},
        )
    return changes
