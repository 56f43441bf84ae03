"""Factories of the school year (teachers, lessons, the roll, absences, terms, evaluations)."""

import datetime

import factory
from django.utils import timezone

from extranet.tests.factories import UserFactory, current_season
from students.schoolyear_models import (
    AbsenceNotice,
    Attendance,
    ClosureDay,
    Evaluation,
    Lesson,
    SchoolYearSettings,
    Teacher,
    Term,
    TermSystem,
)
from students.tests.factories import CourseFactory, StudentFactory


class TeacherFactory(factory.django.DjangoModelFactory):
    """A teacher with a login of the site (password ``Motdepasse1``); ``courses=[...]`` links courses."""

    class Meta:
        model = Teacher
        skip_postgeneration_save = True

    user = factory.SubFactory(
        UserFactory,
        identifier=factory.Sequence(lambda n: f"prof.{n}"),
        first_name="Hélène",
        last_name=factory.Sequence(lambda n: f"Professeur{n}"),
    )
    site = factory.SelfAttribute("user.site")

    @factory.post_generation
    def courses(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.courses.set(extracted)


def teacher_of(course, **kwargs) -> Teacher:
    return TeacherFactory(user__site=course.pole.site, courses=[course], **kwargs)


class LessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lesson

    course = factory.SubFactory(CourseFactory)
    scheduled_on = factory.LazyFunction(timezone.localdate)
    date = factory.SelfAttribute("scheduled_on")
    starts_at = factory.SelfAttribute("course.starts_at")
    ends_at = factory.SelfAttribute("course.ends_at")
    room = factory.SelfAttribute("course.room")


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    lesson = factory.SubFactory(LessonFactory)
    student = factory.SubFactory(StudentFactory)
    status = Attendance.Status.ABSENT


class AbsenceNoticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AbsenceNotice

    student = factory.SubFactory(StudentFactory)
    starts_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=1))
    ends_on = factory.SelfAttribute("starts_on")
    reason = "Rendez-vous chez l'orthodontiste"


class TermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Term
        django_get_or_create = ("site", "season", "number")

    site = factory.SubFactory("extranet.tests.factories.SiteFactory")
    season = factory.LazyFunction(current_season)
    system = TermSystem.TRIMESTERS
    number = 1
    starts_on = factory.LazyAttribute(lambda o: o.season.starts_on)
    ends_on = factory.LazyAttribute(lambda o: datetime.date(o.season.starts_on.year, 12, 31))


class EvaluationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evaluation

    term = factory.SubFactory(TermFactory)
    course = factory.SubFactory(CourseFactory)
    student = factory.SubFactory(StudentFactory)
    appreciation = "Un trimestre sérieux, une belle sonorité."
    level = Evaluation.Level.GOOD


def populate_school_year(site, student, course) -> None:
    """One of each school-year row of ``site`` (for the tests that check every admin is scoped)."""
    SchoolYearSettings.objects.get_or_create(site=site)
    ClosureDay.objects.create(site=site, date=datetime.date(2025, 11, 12), reason="Journée pédagogique")
    teacher = TeacherFactory(user__site=site, courses=[course])
    lesson = LessonFactory(course=course)
    AttendanceFactory(lesson=lesson, student=student, recorded_by=teacher.user)
    AbsenceNoticeFactory(student=student)
    EvaluationFactory(term=TermFactory(site=site), course=course, student=student, teacher=teacher)
