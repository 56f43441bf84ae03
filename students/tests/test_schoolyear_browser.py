"""A teacher takes the roll on a phone (360 px): Debian's Chromium through Playwright on a live server."""

import re

import pytest
from playwright.sync_api import expect

from extranet.tests.factories import PoleFactory, SiteFactory, current_season, next_season
from families.tests.factories import guardian_of
from students.schoolyear_models import Attendance
from students.tests.factories import CourseFactory, EnrolmentFactory, StudentFactory
from students.tests.schoolyear_factories import AbsenceNoticeFactory, LessonFactory, teacher_of
from tests.browser import chromium_page
from tests.conftest import live_server  # noqa: F401  (the live server with a MEDIA_URL, as in tests/)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def roll_setup():
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


def test_a_teacher_takes_the_roll_at_360_px(live_server, roll_setup):  # noqa: F811
    identifier, pupils = roll_setup
    with chromium_page(360, 740) as page:
        page.goto(live_server.url + "/")
        expect(page).to_have_url(re.compile(r"/connexion/$"))
        page.get_by_label("Site").select_option("malakoff")
        page.get_by_label("Identifiant").fill(identifier)
        page.get_by_label("Mot de passe").fill("Motdepasse1")
        page.get_by_role("button", name="Se connecter").click()
        expect(page.get_by_role("heading", name="Mes séances du jour")).to_be_visible()

        page.get_by_role("link", name=re.compile("Faire l'appel")).click()
        expect(page.get_by_role("heading", name=re.compile("Appel – Piano cycle 1"))).to_be_visible()
        expect(page.get_by_text("Absence signalée par la famille")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

        page.get_by_role("radiogroup", name="Présence de Léo MARTIN").get_by_text(
            "Absent", exact=True
        ).click()
        page.get_by_label("Note pour Léo MARTIN").fill("Pas de nouvelles")
        page.get_by_role("button", name="Enregistrer l'appel").click()
        expect(page.get_by_text("Appel enregistré.")).to_be_visible()

    marks = dict(Attendance.objects.values_list("student__first_name", "status"))
    assert marks == {"Emma": "present", "Léo": "absent", "Jeanne": "excused"}
    assert Attendance.objects.get(student=pupils["Léo"]).note == "Pas de nouvelles"
