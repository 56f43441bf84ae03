"""Reads of the school year: planning, the family feed, Suivi, the roll, evaluations.

Each read costs a fixed number of queries, whatever the number of pupils or lessons.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from extranet.base.models import Season
from families.models import Family, Membership
from students.models import Course, Enrolment, Student
from students.schoolyear_models import (
    AbsenceNotice,
    Attendance,
    Evaluation,
    FamilyCalendar,
    Lesson,
    SchoolYearSettings,
    Teacher,
    Term,
)

# Planning shows the coming four weeks.
PLANNING_DAYS = 28


def lessons_with_teachers() -> QuerySet[Lesson]:
    return Lesson.objects.select_related("course__discipline", "course__pole").prefetch_related(
        Prefetch("course__teachers", queryset=Teacher.objects.select_related("user"))
    )


def teacher_names(course: Course) -> str:
    """The teachers of a course as families see them: profiles first, else the timetable's name."""
    names = [teacher.full_name for teacher in course.teachers.all()]
    return ", ".join(names) if names else course.teacher_name


@dataclass
class PlannedLesson:
    lesson: Lesson
    pupils: list[Student] = field(default_factory=list)

    @property
    def teachers(self) -> str:
        return teacher_names(self.lesson.course)


def _pupils_by_course(students: QuerySet[Student], season: Season | None) -> dict[int, list[Student]]:
    enrolments = Enrolment.objects.active().filter(student__in=students).select_related("student")
    if season is not None:
        enrolments = enrolments.filter(season=season)
    by_course: dict[int, list[Student]] = defaultdict(list)
    for enrolment in enrolments.order_by("student__first_name", "student_id"):
        by_course[enrolment.course_id].append(enrolment.student)
    return by_course


def planning(
    students: QuerySet[Student],
    *,
    season: Season | None,
    start: datetime.date | None = None,
    days: int = PLANNING_DAYS,
) -> list[PlannedLesson]:
    """The coming lessons (cancellations included, marked) of ``students``' courses, in date order."""
    start = start or timezone.localdate()
    by_course = _pupils_by_course(students, season)
    lessons = lessons_with_teachers().filter(
        course_id__in=list(by_course), date__range=(start, start + datetime.timedelta(days=days - 1))
    )
    return [
        PlannedLesson(lesson, by_course[lesson.course_id])
        for lesson in lessons.order_by("date", "starts_at", "pk")
    ]


def feed_lessons(family: Family, season: Season | None) -> list[PlannedLesson]:
    """Every lesson of the season of the family's pupils, cancellations left out (the iCal feed)."""
    by_course = _pupils_by_course(Student.objects.for_family(family), season)
    lessons = (
        lessons_with_teachers().filter(course_id__in=list(by_course)).exclude(status=Lesson.Status.CANCELLED)
    )
    return [
        PlannedLesson(lesson, by_course[lesson.course_id])
        for lesson in lessons.order_by("date", "starts_at", "pk")
    ]


def calendar_by_token(token: str) -> FamilyCalendar:
    calendar = FamilyCalendar.objects.filter(token=token).select_related("family__site").first()
    if calendar is None:
        raise Http404
    return calendar


# --- Suivi -------------------------------------------------------------------------------------


@dataclass
class Suivi:
    absences: list[Attendance]
    notices: list[AbsenceNotice]
    terms: list[tuple[Term, list[Evaluation]]]


def published_evaluations(student: Student, *, on: datetime.date | None = None) -> QuerySet[Evaluation]:
    """The pupil's evaluations of the terms the secretariat has published by ``on`` (today)."""
    on = on or timezone.localdate()
    return (
        Evaluation.objects.filter(student=student, term__published_on__lte=on)
        .select_related("term__season", "course__discipline", "teacher__user")
        .order_by("-term__season__starts_on", "-term__number", "course__name")
    )


def suivi(student: Student) -> Suivi:
    absences = list(
        Attendance.objects.filter(student=student)
        .exclude(status=Attendance.Status.PRESENT)
        .select_related("lesson__course")
        .order_by("-lesson__date", "-lesson__starts_at")
    )
    notices = list(AbsenceNotice.objects.filter(student=student).order_by("-starts_on"))
    terms: dict[int, tuple[Term, list[Evaluation]]] = {}
    for evaluation in published_evaluations(student):
        terms.setdefault(evaluation.term_id, (evaluation.term, []))[1].append(evaluation)
    return Suivi(absences=absences, notices=notices, terms=list(terms.values()))


def published_term_of_student(student: Student, term_id: int) -> tuple[Term, list[Evaluation]]:
    """A published term's evaluations of the pupil (the bulletin), or 404 before publication."""
    evaluations = list(published_evaluations(student).filter(term_id=term_id))
    if not evaluations:
        raise Http404
    return evaluations[0].term, evaluations


# --- The teacher's space ----------------------------------------------------------------------


def teacher_of(user) -> Teacher | None:
    if not user.is_authenticated or not user.site_id:
        return None
    return Teacher.objects.select_related("site", "user").filter(user=user, user__is_active=True).first()


def teacher_lessons(teacher: Teacher, day: datetime.date) -> list[Lesson]:
    return list(
        Lesson.objects.for_teacher(teacher)
        .filter(date=day)
        .select_related("course__discipline", "course__pole")
        .order_by("starts_at", "pk")
    )


def teacher_lesson_or_404(teacher: Teacher, lesson_id: int) -> Lesson:
    lesson = (
        Lesson.objects.for_teacher(teacher)
        .filter(pk=lesson_id)
        .select_related("course__discipline", "course__pole__site")
        .first()
    )
    if lesson is None:
        raise Http404
    return lesson


def teacher_course_or_404(teacher: Teacher, course_id: int) -> Course:
    course = (
        Course.objects.filter(pk=course_id, teachers=teacher).select_related("season", "pole__site").first()
    )
    if course is None:
        raise Http404
    return course


@dataclass
class RollLine:
    """One pupil on the roll: only what teaching needs (name, age, a guardian's phone)."""

    student: Student
    age: int | None
    guardian_phone: str
    attendance: Attendance | None
    notice: AbsenceNotice | None


def _guardian_phone(student: Student) -> str:
    memberships = sorted(student.family.roll_memberships, key=lambda m: (not m.is_payer, m.pk))
    for membership in memberships:
        guardian = membership.guardian
        phone = guardian.mobile or guardian.phone_home or guardian.phone_work
        if phone:
            return phone
    return ""


def course_pupils(course: Course) -> list[Student]:
    """The course's active pupils with their guardians' phones (one query each, however many)."""
    return list(
        Student.objects.filter(enrolments__course=course, enrolments__status=Enrolment.Status.ACTIVE)
        .select_related("family")
        .prefetch_related(
            Prefetch(
                "family__memberships",
                queryset=Membership.objects.select_related("guardian"),
                to_attr="roll_memberships",
            )
        )
        .order_by("last_name", "first_name", "pk")
    )


def roll(lesson: Lesson) -> list[RollLine]:
    pupils = course_pupils(lesson.course)
    attendances = {a.student_id: a for a in Attendance.objects.filter(lesson=lesson)}
    notices = {
        notice.student_id: notice
        for notice in AbsenceNotice.objects.filter(
            student__in=[pupil.pk for pupil in pupils], starts_on__lte=lesson.date, ends_on__gte=lesson.date
        ).order_by("created_at")
    }
    return [
        RollLine(
            student=pupil,
            age=pupil.age_on(lesson.date),
            guardian_phone=_guardian_phone(pupil),
            attendance=attendances.get(pupil.pk),
            notice=notices.get(pupil.pk),
        )
        for pupil in pupils
    ]


def coming_notices(teacher: Teacher, *, start: datetime.date, days: int = 14) -> list[AbsenceNotice]:
    """Absences families reported for the teacher's pupils in the coming days."""
    end = start + datetime.timedelta(days=days)
    return list(
        AbsenceNotice.objects.filter(
            # One filter() call: the same enrolment is active, current and in the teacher's course.
            student__enrolments__course__teachers=teacher,
            student__enrolments__status=Enrolment.Status.ACTIVE,
            student__enrolments__course__season__is_current=True,
            starts_on__lte=end,
            ends_on__gte=start,
        )
        .select_related("student")
        .distinct()
        .order_by("starts_on", "student__last_name")
    )


def teacher_courses(teacher: Teacher, season: Season | None) -> list[Course]:
    courses = teacher.courses.select_related("discipline", "pole").order_by("weekday", "starts_at", "name")
    if season is not None:
        courses = courses.filter(season=season)
    return list(courses)


def evaluation_sheet(course: Course, term: Term) -> list[tuple[Student, Evaluation | None]]:
    pupils = list(
        Student.objects.filter(
            enrolments__course=course, enrolments__status=Enrolment.Status.ACTIVE
        ).order_by("last_name", "first_name", "pk")
    )
    evaluations = {e.student_id: e for e in Evaluation.objects.filter(course=course, term=term)}
    return [(pupil, evaluations.get(pupil.pk)) for pupil in pupils]


def site_settings(site) -> SchoolYearSettings:
    return SchoolYearSettings.for_site(site)
