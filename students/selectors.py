"""Reads about pupils as their family sees them (Élèves tab)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from extranet.base.models import Season
from extranet.base.prepared import PreparedQuery
from extranet.base.seasons import current_and_next_seasons
from families.models import Family
from students.models import Enrolment, RepertoireEntry, SchoolRecord, Student

_FAMILY_PUPILS = PreparedQuery(
    lambda family_id: (
        Student.objects.for_family(family_id).select_related("civility").order_by("first_name", "pk")
    )
)
# The family's active courses of one season, each pupil's in the order the list shows them.
_FAMILY_SEASON_COURSES = PreparedQuery(
    lambda family_id, season_id: (
        Enrolment.objects.active()
        .filter(student__family_id=family_id, season_id=season_id)
        .select_related("course")
        .order_by("course__discipline__name", "course__name")
    )
)


def family_students(family: Family, *, season: Season | None = None) -> list[Student]:
    """The family's pupils, each with ``current_enrolments`` (active courses of ``season``, with
    their course only: the list shows the course names) when a season is given."""
    students = _FAMILY_PUPILS.list(family_id=family.pk)
    if season is not None and students:
        by_student: dict[int, list[Enrolment]] = {student.pk: [] for student in students}
        for enrolment in _FAMILY_SEASON_COURSES.list(family_id=family.pk, season_id=season.pk):
            by_student[enrolment.student_id].append(enrolment)
        for student in students:
            student.current_enrolments = by_student[student.pk]
    return students


def active_enrolments() -> QuerySet[Enrolment]:
    return (
        Enrolment.objects.active()
        .select_related("course__discipline", "course__cycle", "course__pole", "season")
        .order_by("course__discipline__name", "course__name")
    )


_COURSES_OF_TWO_SEASONS = PreparedQuery(
    lambda student_id, first_id, second_id: active_enrolments().filter(
        student_id=student_id, season_id__in=[first_id, second_id]
    )
)
_NO_SEASON = 0  # no row has this key: stands for a season that does not exist


def courses_of_both_seasons(
    student: Student,
) -> tuple[Season | None, list[Enrolment], Season | None, list[Enrolment]]:
    """Cours tab: the current season and the next with the pupil's active courses in each, in two
    queries (the seasons, then the courses of both)."""
    seasons = current_and_next_seasons()
    current = next((season for season in seasons if season.is_current), None)
    following = next((season for season in seasons if season.is_next), None)
    enrolments = (
        _COURSES_OF_TWO_SEASONS.list(
            student_id=student.pk,
            first_id=current.pk if current is not None else _NO_SEASON,
            second_id=following.pk if following is not None else _NO_SEASON,
        )
        if seasons
        else []
    )
    return (
        current,
        [e for e in enrolments if current is not None and e.season_id == current.pk],
        following,
        [e for e in enrolments if following is not None and e.season_id == following.pk],
    )


def _past_enrolments(student_id):
    return (
        Enrolment.objects.filter(student_id=student_id)
        .select_related("course__discipline", "course__cycle", "season")
        .order_by("-season__starts_on", "course__discipline__name", "course__name")
    )


_CURRENT_SEASONS = Season.objects.filter(is_current=True)
# The seasons before the current one; without a current season, every season but the next.
_PAST_ENROLMENTS = PreparedQuery(
    lambda student_id: _past_enrolments(student_id).filter(
        Q(season__starts_on__lt=Subquery(_CURRENT_SEASONS.values("starts_on")[:1]))
        | (~Exists(_CURRENT_SEASONS) & Q(season__is_next=False))
    )
)


def past_enrolments(student: Student) -> list[Enrolment]:
    """Historique tab: courses and cycles of the seasons before the current one (every season
    but the next when there is no current season), newest first, in one query."""
    return _PAST_ENROLMENTS.list(student_id=student.pk)


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


_SCHOOL_RECORD = PreparedQuery(
    lambda student_id, season_id: (
        SchoolRecord.objects.filter(student_id=student_id, season_id=season_id)
        .select_related("school_level")
        .order_by("pk")[:1]
    )
)


def _next_season_with_record(student_id):
    record = SchoolRecord.objects.filter(student_id=student_id, season=OuterRef("pk"))
    return Season.objects.filter(is_next=True).annotate(
        record_pk=Subquery(record.values("pk")[:1]),
        record_school_name=Subquery(record.values("school_name")[:1]),
        record_school_level_id=Subquery(record.values("school_level_id")[:1]),
    )[:1]


_NEXT_SEASON_WITH_RECORD = PreparedQuery(_next_season_with_record)


def next_season_and_school_record(student: Student) -> tuple[Season | None, SchoolRecord | None]:
    """Identité: the next season and the pupil's school record of it (its school name and level
    id, what the form shows), in one query."""
    season = _NEXT_SEASON_WITH_RECORD.first(student_id=student.pk)
    if season is None or season.record_pk is None:
        return season, None
    return season, SchoolRecord(
        pk=season.record_pk,
        student_id=student.pk,
        season_id=season.pk,
        school_name=season.record_school_name,
        school_level_id=season.record_school_level_id,
    )


def school_record(student: Student, season: Season | None) -> SchoolRecord | None:
    if season is None:
        return None
    return _SCHOOL_RECORD.first(student_id=student.pk, season_id=season.pk)


def family_pupil_query(shape=None) -> PreparedQuery:
    """One pupil of a family by its id (``family_id``, ``student_id``), prepared: the portal's way
    to reach a pupil, another family's giving no row. ``shape`` adds what a page needs to the
    queryset (a join, an annotation). Ordered by the key alone, not by the pupils' names (two
    columns to compile)."""

    def build(family_id, student_id):
        pupils = Student.objects.for_family(family_id).filter(pk=student_id)
        return (shape(pupils) if shape is not None else pupils).order_by("pk")[:1]

    return PreparedQuery(build)


_FAMILY_PUPIL = family_pupil_query()
_FAMILY_PUPIL_WITH_CIVILITY = family_pupil_query(lambda pupils: pupils.select_related("civility"))


def get_student_or_404(request, student_id, query: PreparedQuery = _FAMILY_PUPIL) -> Student:
    """One pupil of the family acting in the portal, or 404 (another family's pupil included);
    ``query``: a ``family_pupil_query`` reading more of it."""
    return query.get_or_404(family_id=request.family.pk, student_id=student_id)


def get_student_with_civility_or_404(request, student_id) -> Student:
    """``get_student_or_404`` with the pupil's civility (Identité shows it)."""
    return get_student_or_404(request, student_id, _FAMILY_PUPIL_WITH_CIVILITY)
