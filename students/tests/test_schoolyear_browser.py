"""A teacher takes the roll on a phone (360 px), and axe-core finds no WCAG violation on the school
year's pages (teacher and family), in Debian's Chromium through Playwright on a live server."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from extranet.tests.factories import PoleFactory, SiteFactory, current_season, next_season
from families.tests.factories import guardian_of
from students.schoolyear_models import Attendance
from students.tests.factories import CourseFactory, EnrolmentFactory, StudentFactory
from students.tests.schoolyear_factories import (
    AbsenceNoticeFactory,
    AttendanceFactory,
    EvaluationFactory,
    LessonFactory,
    TermFactory,
    teacher_of,
)
from tests.browser import chromium_page, log_in
from tests.conftest import live_server  # noqa: F401  (the live server with a MEDIA_URL, as in tests/)
from tests.test_accessibility_axe import FAILING_IMPACTS, describe, run_axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PHONE_WIDTH = 360


@pytest.fixture
def roll_setup():
    """A Malakoff piano course with three pupils and a lesson today; Jeanne's family reported her absence."""
    current_season()
    next_season()
    site = SiteFactory(name="Conservatoire de Malakoff", slug="malakoff")
    course = CourseFactory(pole=PoleFactory(site=site), name="Piano cycle 1", season=current_season())
    pupils = {}
    for first_name in ("Emma", "Léo", "Jeanne"):
        student = StudentFactory(family__site=site, first_name=first_name, last_name="Martin")
        guardian_of(student.family, is_payer=True, mobile="0611223344")
        EnrolmentFactory(student=student, course=course)
        pupils[first_name] = student
    lesson = LessonFactory(course=course)
    AbsenceNoticeFactory(
        student=pupils["Jeanne"], starts_on=lesson.date, ends_on=lesson.date, reason="Concours"
    )
    teacher = teacher_of(course)
    return teacher.user.identifier, pupils


@pytest.fixture
def school_year(roll_setup):
    """The roll's course with a past absence, a coming lesson, a cancelled one and a published term."""
    identifier, pupils = roll_setup
    emma = pupils["Emma"]
    course = emma.enrolments.get().course
    today = timezone.localdate()
    AttendanceFactory(
        lesson=LessonFactory(course=course, scheduled_on=today - datetime.timedelta(days=7)),
        student=emma,
        status="absent",
        note="Non prévenu",
    )
    LessonFactory(course=course, scheduled_on=today + datetime.timedelta(days=7), room="Salle Ravel")
    LessonFactory(
        course=course, scheduled_on=today + datetime.timedelta(days=14), status="cancelled", reason="Concert"
    )
    term = TermFactory(site=course.pole.site, season=course.season, published_on=today)
    EvaluationFactory(term=term, course=course, student=emma, appreciation="Belle sonorité")
    return {
        "teacher": identifier,
        "guardian": emma.family.memberships.get().guardian.user.identifier,
        "family_pages": [
            (reverse("students:family_planning"), "Salle Ravel"),
            (reverse("students:planning", args=[emma.pk]), "Concert"),
            (reverse("students:suivi", args=[emma.pk]), "Belle sonorité"),
            (reverse("students:calendar"), "Adresse secrète du calendrier"),
        ],
        "teacher_pages": [
            (reverse("teachers:today"), "Mes séances du jour"),
            (reverse("teachers:roll", args=[course.lessons.get(date=today).pk]), "Absence signalée"),
            (reverse("teachers:evaluations"), "1er trimestre"),
            (reverse("teachers:evaluate", args=[course.pk, term.pk]), "Belle sonorité"),
        ],
    }


def log_in_as_teacher(page, base_url, identifier):
    page.goto(base_url + "/")
    expect(page).to_have_url(re.compile(r"/connexion/$"))
    page.get_by_label("Site").select_option("malakoff")
    page.get_by_label("Identifiant").fill(identifier)
    page.get_by_label("Mot de passe").fill("Motdepasse1")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Mes séances du jour")).to_be_visible()


def check_pages(page, base_url, pages):
    for path, shows in pages:
        page.goto(base_url + path)
        expect(page.get_by_text(shows).first).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH, path
        failing = [v for v in run_axe(page) if v["impact"] in FAILING_IMPACTS]
        assert not failing, f"axe-core sur {path} ({PHONE_WIDTH} px) :\n{describe(failing)}"


def test_a_teacher_takes_the_roll_at_360_px(live_server, roll_setup):  # noqa: F811
    identifier, pupils = roll_setup
    with chromium_page(PHONE_WIDTH, 740) as page:
        log_in_as_teacher(page, live_server.url, identifier)

        page.get_by_role("link", name=re.compile("Faire l'appel")).click()
        expect(page.get_by_role("heading", name=re.compile("Appel – Piano cycle 1"))).to_be_visible()
        expect(page.get_by_text("Absence signalée par la famille")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH

        leo_row = page.get_by_role("radiogroup", name="Présence de Léo MARTIN")
        leo_row.get_by_text("Absent", exact=True).click()
        page.get_by_label("Note pour Léo MARTIN").fill("Pas de nouvelles")
        page.get_by_role("button", name="Enregistrer l'appel").click()
        expect(page.get_by_text("Appel enregistré.")).to_be_visible()

    marks = dict(Attendance.objects.values_list("student__first_name", "status"))
    assert marks == {"Emma": "present", "Léo": "absent", "Jeanne": "excused"}
    assert Attendance.objects.get(student=pupils["Léo"]).note == "Pas de nouvelles"


def test_the_family_school_year_pages_have_no_wcag_violation_at_360_px(live_server, school_year):  # noqa: F811
    with chromium_page(PHONE_WIDTH, 740) as page:
        log_in(page, live_server.url, school_year["guardian"])
        check_pages(page, live_server.url, school_year["family_pages"])


def test_the_teacher_pages_have_no_wcag_violation_at_360_px(live_server, school_year):  # noqa: F811
    with chromium_page(PHONE_WIDTH, 740) as page:
        log_in_as_teacher(page, live_server.url, school_year["teacher"])
        check_pages(page, live_server.url, school_year["teacher_pages"])
