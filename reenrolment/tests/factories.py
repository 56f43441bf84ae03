"""Factories and small builders for re-enrolment tests."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import factory
from django.utils import timezone

from extranet.base.models import Pole, Season
from extranet.tests.factories import PoleFactory, SiteFactory, current_season, next_season
from families.models import Family, Guardian
from families.tests.factories import FamilyFactory, guardian_of
from reenrolment.models import Reenrolment, ReenrolmentChoice, ReenrolmentWindow
from students.models import Course, CourseCategory, Enrolment, Student
from students.tests.factories import CourseFactory, DisciplineFactory, EnrolmentFactory, StudentFactory


class WindowFactory(factory.django.DjangoModelFactory):
    """A window of the next season (2026/2027), open from yesterday for two weeks."""

    class Meta:
        model = ReenrolmentWindow

    site = factory.SubFactory(SiteFactory)
    season = factory.LazyFunction(next_season)
    opens_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    closes_at = factory.LazyAttribute(lambda o: o.opens_at + datetime.timedelta(days=14))


class NextCourseFactory(CourseFactory):
    """A course of next season (2026/2027)."""

    season = factory.LazyFunction(next_season)


class ReenrolmentFactory(factory.django.DjangoModelFactory):
    """A submitted dossier (complete since its submission)."""

    class Meta:
        model = Reenrolment

    window = factory.SubFactory(WindowFactory)
    student = factory.SubFactory(StudentFactory, family__site=factory.SelfAttribute("...window.site"))
    state = Reenrolment.State.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)
    complete_at = factory.SelfAttribute("submitted_at")
    house_rules_version = "2026-1"
    house_rules_accepted_at = factory.SelfAttribute("submitted_at")


class ChoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReenrolmentChoice

    reenrolment = factory.SubFactory(ReenrolmentFactory)
    course = factory.SubFactory(NextCourseFactory)
    kind = ReenrolmentChoice.Kind.WISH


@dataclass
class Setting:
    """A site with one pôle, an open window for 2026/2027, and a family with a logged-in-able guardian."""

    window: ReenrolmentWindow
    pole: Pole
    family: Family
    guardian: Guardian

    @property
    def site(self):
        return self.window.site

    @property
    def season(self) -> Season:
        return self.window.season

    def pupil(self, **kwargs) -> Student:
        return StudentFactory(family=self.family, **kwargs)

    def course_pair(self, name: str = "Piano cycle 1", *, category=CourseCategory.INSTRUMENT, **kwargs):
        """A course of this season and the course that carries it on next season."""
        discipline = kwargs.pop("discipline", None) or DisciplineFactory(
            name=f"{name} discipline", slug=_slug(name)
        )
        current = CourseFactory(
            season=current_season(), pole=self.pole, discipline=discipline, category=category, name=name
        )
        following = NextCourseFactory(
            pole=self.pole, discipline=discipline, category=category, name=name, continues=current, **kwargs
        )
        return current, following

    def next_course(self, name: str, *, category=CourseCategory.COLLECTIVE, pole=None, **kwargs) -> Course:
        discipline = kwargs.pop("discipline", None) or DisciplineFactory(
            name=f"{name} discipline", slug=_slug(name)
        )
        return NextCourseFactory(
            pole=pole or self.pole, discipline=discipline, category=category, name=name, **kwargs
        )

    def enrol(self, student: Student, course: Course, **kwargs) -> Enrolment:
        return EnrolmentFactory(student=student, course=course, **kwargs)


def _slug(name: str) -> str:
    from django.utils.text import slugify

    return slugify(name)[:50]


def setting(**window_kwargs) -> Setting:
    current_season()
    window = WindowFactory(**window_kwargs)
    pole = PoleFactory(site=window.site, name="Pôle Centre")
    family = FamilyFactory(site=window.site)
    guardian = guardian_of(family, is_payer=True)
    return Setting(window=window, pole=pole, family=family, guardian=guardian)


def submitted_dossier(
    course: Course, *, window: ReenrolmentWindow, complete_at=None, **kwargs
) -> Reenrolment:
    """A submitted dossier asking for ``course``, for a new pupil of a new family of the window's site."""
    family = FamilyFactory(site=window.site)
    guardian_of(family)
    student = StudentFactory(family=family)
    now = timezone.now()
    dossier = ReenrolmentFactory(
        window=window,
        student=student,
        submitted_at=kwargs.pop("submitted_at", now),
        complete_at=complete_at if complete_at is not None else now,
        **kwargs,
    )
    ChoiceFactory(reenrolment=dossier, course=course)
    return dossier
