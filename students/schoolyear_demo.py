"""Demo rows of the school year (idempotent): zones, settings, teachers, lessons, absences, evaluations.

Called by ``seed_demo`` once the sites, courses and families exist.
"""

from __future__ import annotations

import datetime
import logging

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from extranet.base.models import Season, Site, User
from students.models import Course, Enrolment
from students.schoolyear_models import (
    AbsenceNotice,
    Attendance,
    ClosureDay,
    Evaluation,
    Lesson,
    SchoolYearSettings,
    Teacher,
    TermSystem,
)
from students.schoolyear_services import SchoolHolidaysMissing, ensure_terms, generate_lessons

logger = logging.getLogger(__name__)

DEMO_TEACHER_PASSWORD = "Demo2026x"

# site slug → (zone, term system, levels, skills)
SITE_SETTINGS = {
    "malakoff": ("C", TermSystem.TRIMESTERS, True, False),
    "sevre-loire": ("B", TermSystem.SEMESTERS, True, True),
}

# Days a demo site closes (no lessons), besides the school holidays of its zone.
CLOSURE_DAYS = [("malakoff", datetime.date(2026, 3, 18), "Journée pédagogique des professeurs")]

# identifier, site, first name, last name, the teacher_name of their courses in the demo catalogue
TEACHERS = [
    ("prof.girard", "malakoff", "Sophie", "Girard", "Mme Girard"),
    ("prof.blanc", "malakoff", "Antoine", "Blanc", "M. Blanc"),
    ("prof.morel", "malakoff", "Claire", "Morel", "Mme Morel"),
    ("prof.robin", "sevre-loire", "Julien", "Robin", "M. Robin"),
]

APPRECIATIONS = [
    "Un trimestre sérieux : le travail à la maison porte ses fruits. Continuer ainsi.",
    "Des progrès nets en lecture ; la concentration reste à travailler en cours.",
    "Très belle énergie, une écoute attentive du groupe. Bravo.",
]


def _teacher(identifier: str, site: Site, first_name: str, last_name: str) -> Teacher:
    user = User.objects.filter(site=site, identifier=identifier).first()
    if user is None:
        user = User.objects.create(
            site=site,
            identifier=identifier,
            first_name=first_name,
            last_name=last_name,
            email=f"{identifier}@{site.slug}.example.fr",
            password=make_password(DEMO_TEACHER_PASSWORD),
        )
    teacher, _created = Teacher.objects.get_or_create(user=user, defaults={"site": site})
    return teacher


def _past_lessons(course: Course, now: datetime.datetime, count: int) -> list[Lesson]:
    lessons = Lesson.objects.filter(course=course, date__lt=timezone.localdate(now)).order_by("-date")
    return list(lessons[:count])


def seed_school_year(*, now: datetime.datetime | None = None) -> int:
    """Create or bring up to date the demo's school year. Returns the lessons created by this run."""
    now = now or timezone.now()
    season = Season.objects.current()
    if season is None:
        return 0
    created = 0
    with transaction.atomic():
        sites = {site.slug: site for site in Site.objects.filter(slug__in=SITE_SETTINGS)}
        for slug, (zone, system, levels, skills) in SITE_SETTINGS.items():
            site = sites.get(slug)
            if site is None:
                continue
            if site.zone != zone:
                site.zone = zone
                site.save(update_fields=["zone"])
            SchoolYearSettings.objects.update_or_create(
                site=site, defaults={"term_system": system, "uses_levels": levels, "uses_skills": skills}
            )
        for slug, day, reason in CLOSURE_DAYS:
            if slug in sites:
                ClosureDay.objects.get_or_create(site=sites[slug], date=day, defaults={"reason": reason})
        for identifier, slug, first_name, last_name, teacher_name in TEACHERS:
            if slug not in sites:
                continue
            teacher = _teacher(identifier, sites[slug], first_name, last_name)
            courses = Course.objects.filter(
                pole__site=sites[slug],
                teacher_name=teacher_name,
                season__in=Season.objects.filter(starts_on__gte=season.starts_on),
            )
            teacher.courses.add(*courses)
        for site in sites.values():
            try:
                created += generate_lessons(site=site, season=season).created
            except SchoolHolidaysMissing as error:
                # The demo goes on without this site's lessons, and says why on the console.
                logger.warning("%s : %s", site.name, error.message)
            terms = ensure_terms(site=site, season=season)
            first = terms[0]
            if first.published_on is None:
                first.published_on = min(first.ends_on + datetime.timedelta(days=10), timezone.localdate(now))
                first.save(update_fields=["published_on"])
            _seed_follow_up(site, season, first, now)
    return created


def _seed_follow_up(site: Site, season: Season, term, now: datetime.datetime) -> None:
    """Two absences and one reported by the family per demo teacher's course, and the first term's
    evaluations of their pupils."""
    teachers = Teacher.objects.filter(site=site).prefetch_related("courses")
    for teacher in teachers:
        for course in teacher.courses.filter(season=season).order_by("pk")[:2]:
            enrolments = list(
                Enrolment.objects.active().filter(course=course).select_related("student").order_by("pk")[:3]
            )
            if not enrolments:
                continue
            lessons = _past_lessons(course, now, 3)
            first_pupil = enrolments[0].student
            for lesson, status in zip(
                lessons, [Attendance.Status.ABSENT, Attendance.Status.EXCUSED], strict=False
            ):
                Attendance.objects.get_or_create(
                    lesson=lesson,
                    student=first_pupil,
                    defaults={
                        "status": status,
                        "recorded_by": teacher.user,
                        "note": "Absence notée à l'appel",
                    },
                )
            coming = (
                Lesson.objects.filter(course=course, date__gte=timezone.localdate(now))
                .order_by("date")
                .first()
            )
            day = coming.date if coming else (lessons[0].date if lessons else None)
            if day is not None and not AbsenceNotice.objects.filter(student=first_pupil).exists():
                guardian_user = User.objects.filter(guardian__memberships__family=first_pupil.family).first()
                AbsenceNotice.objects.create(
                    student=first_pupil,
                    starts_on=day,
                    ends_on=day,
                    reason="Rendez-vous médical",
                    reported_by=guardian_user,
                )
            for index, enrolment in enumerate(enrolments):
                Evaluation.objects.get_or_create(
                    term=term,
                    course=course,
                    student=enrolment.student,
                    defaults={
                        "teacher": teacher,
                        "appreciation": APPRECIATIONS[index % len(APPRECIATIONS)],
                        "level": [
                            Evaluation.Level.VERY_GOOD,
                            Evaluation.Level.GOOD,
                            Evaluation.Level.PROGRESSING,
                        ][index % 3],
                    },
                )
