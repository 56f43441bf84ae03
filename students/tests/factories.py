import datetime

import factory

from extranet.tests.factories import PoleFactory, current_season
from families.tests.factories import FamilyFactory
from students.models import (
    Course,
    CourseCategory,
    Cycle,
    Discipline,
    Enrolment,
    RepertoireEntry,
    SchoolRecord,
    Student,
    Weekday,
)


class StudentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Student

    family = factory.SubFactory(FamilyFactory)
    last_name = factory.LazyAttribute(lambda o: o.family.name)
    first_name = factory.Sequence(lambda n: f"Élève{n}")
    birth_date = datetime.date(2015, 3, 14)
    birth_place = "Clamart"


class SchoolRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolRecord

    student = factory.SubFactory(StudentFactory)
    season = factory.LazyFunction(current_season)
    school_name = "École Paul Bert"


class DisciplineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Discipline
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Discipline {n}")
    slug = factory.Sequence(lambda n: f"discipline-{n}")


class CycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cycle
        django_get_or_create = ("name",)

    name = "Cycle 1"
    order = 3


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    season = factory.LazyFunction(current_season)
    pole = factory.SubFactory(PoleFactory)
    discipline = factory.SubFactory(DisciplineFactory)
    cycle = factory.SubFactory(CycleFactory)
    category = CourseCategory.INSTRUMENT
    name = factory.LazyAttribute(lambda o: f"{o.discipline.name} {o.cycle.name if o.cycle else ''}".strip())
    teacher_name = "Mme Durand"
    weekday = Weekday.WEDNESDAY
    starts_at = datetime.time(14, 0)
    ends_at = datetime.time(15, 0)
    room = "Salle 3"
    capacity = 12


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    student = factory.SubFactory(StudentFactory)
    course = factory.SubFactory(CourseFactory)
    season = factory.SelfAttribute("course.season")


class RepertoireEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RepertoireEntry

    student = factory.SubFactory(StudentFactory)
    season = factory.LazyFunction(current_season)
    work = "Sonatine op. 36 n° 1"
    composer = "Muzio Clementi"
