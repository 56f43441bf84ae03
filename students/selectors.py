"""Reads about pupils as their family sees them (Élèves tab)."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from extranet.base.models import Season
from extranet.base.portal import scoped_or_404
from extranet.base.prepared import PreparedQuery
from families.models import Family
from students.models import Enrolment, RepertoireEntry, SchoolRecord, Student


def family_students(family: Family, *, season: Season | None = None) -> QuerySet[Student]:
    """The family's pupils, each with ``current_enrolments`` (active courses of ``season``, with
    their course only: the list shows the course names)."""
    students = Student.objects.for_family(family).select_related("civility").order_by("first_name", "pk")
    if season is not None:
        students = students.prefetch_related(
            Prefetch(
                "enrolments",
                queryset=Enrolment.objects.active()
                .filter(season=season)
                .select_related("course")
                .order_by("course__discipline__name", "course__name"),
                to_attr="current_enrolments",
            )
        )
    return students


def active_enrolments() -> QuerySet[Enrolment]:
    return (
        Enrolment.objects.active()
        .select_related("course__discipline", "course__cycle", "course__pole", "season")
        .order_by("course__discipline__name", "course__name")
    )


def courses_of_both_seasons(
    student: Student,
) -> tuple[Season | None, list[Enrolment], Season | None, list[Enrolment]]:
    """Cours tab: the current season and the next with the pupil's active courses in each, in two
    queries (the seasons, then the courses of both)."""
    seasons = list(Season.objects.filter(Q(is_current=True) | Q(is_next=True)))
    current = next((season for season in seasons if season.is_current), None)
    following = next((season for season in seasons if season.is_next), None)
    wanted = [season.pk for season in (current, following) if season is not None]
    enrolments = list(active_enrolments().filter(student=student, season_id__in=wanted)) if wanted else []
    return (
        current,
        [e for e in enrolments if current is not None and e.season_id == current.pk],
        following,
        [e for e in enrolments if following is not None and e.season_id == following.pk],
    )


def past_enrolments(student: Student, season: Season | None) -> list[Enrolment]:
    """Historique tab: courses and cycles of the seasons before ``season``, newest first."""
    enrolments = (
        Enrolment.objects.filter(student=student)
        .select_related("course__discipline", "course__cycle", "season")
        .order_by("-season__starts_on", "course__discipline__name", "course__name")
    )
    if season is not None:
        enrolments = enrolments.filter(season__starts_on__lt=season.starts_on)
    else:
        enrolments = enrolments.filter(season__is_next=False)
    return list(enrolments)


_REPERTOIRE = PreparedQuery(
    lambda student_id: (
        RepertoireEntry.objects.filter(student_id=student_id)
        .select_related("season", "discipline")
        .order_by("-season__starts_on", "discipline__name", "work")
    )
)


def repertoire(student: Student) -> list[RepertoireEntry]:
    """Répertoire tab: works studied, newest season first."""
    return _REPERTOIRE.list(student_id=student.pk)


def school_record(student: Student, season: Season | None) -> SchoolRecord | None:
    if season is None:
        return None
    return SchoolRecord.objects.filter(student=student, season=season).select_related("school_level").first()


# One row by its key: ordered by the key alone, not by the pupils' names (two columns to compile).
_FAMILY_PUPIL = PreparedQuery(
    lambda family_id, student_id: (
        Student.objects.for_family(family_id).filter(pk=student_id).order_by("pk")[:1]
    )
)


def get_student_or_404(request, student_id, queryset=None) -> Student:
    """One pupil of the family acting in the portal, or 404 (another family's pupil included)."""
    if queryset is None:
        return _FAMILY_PUPIL.get_or_404(family_id=request.family.pk, student_id=student_id)
    return scoped_or_404(queryset.for_family(request.family).order_by("pk"), pk=student_id)
