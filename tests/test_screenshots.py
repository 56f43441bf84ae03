"""The README's screenshots, taken by the browser at phone and desktop width.

``make screenshots`` runs this file with TUTTI_SCREENSHOTS=docs/screenshots to refresh the
committed PNGs; in the normal suite the pictures go to a temporary folder, so the test still
proves every screen renders. Kept small (well under 150 KB each): plain viewport captures.
"""

import datetime
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from extranet.tests.factories import StaffUserFactory
from families.tests.factories import FamilyFactory
from reenrolment.models import NextSeasonCourse, Reenrolment, ReenrolmentChoice, ReenrolmentWindow
from reenrolment.tests.factories import ChoiceFactory, ReenrolmentFactory
from students.tests.factories import StudentFactory
from tests.browser import chromium_page, log_in
from tests.pages import make_portal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

MAX_BYTES = 150_000


def folder(tmp_path) -> Path:
    wanted = os.environ.get("TUTTI_SCREENSHOTS")
    target = Path(settings.BASE_DIR) / wanted if wanted else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    return target


def campaign_of_a_week():
    """A few dossiers sent over the last days, some waiting for a full course: the chart has a shape."""
    window = ReenrolmentWindow.objects.get()
    course = NextSeasonCourse.objects.filter(pole__site=window.site).first()
    course.capacity = 2
    course.save()
    now = timezone.now()
    for days_ago, count in enumerate([3, 5, 2, 7, 4, 9]):
        for _ in range(count):
            student = StudentFactory(family=FamilyFactory(site=window.site))
            ReenrolmentFactory(
                window=window,
                student=student,
                state=Reenrolment.State.SUBMITTED,
                submitted_at=now - datetime.timedelta(days=5 - days_ago),
            )
    for _ in range(3):
        waiting = ReenrolmentFactory(
            window=window, student=StudentFactory(family=FamilyFactory(site=window.site)), state="waitlisted"
        )
        ChoiceFactory(reenrolment=waiting, course=course, state=ReenrolmentChoice.State.WAITLISTED)


def test_the_main_screens_at_phone_and_desktop_width(live_server, tmp_path):
    portal = make_portal()
    Reenrolment.objects.filter(student_id=portal.tom).update(state=Reenrolment.State.SUBMITTED)
    StaffUserFactory(identifier="secretariat", is_superuser=True)
    campaign_of_a_week()
    target = folder(tmp_path)
    taken = []

    with chromium_page(360, 740) as page:
        log_in(page, live_server.url, portal.identifier)
        page.screenshot(path=target / "telephone-accueil.png")
        taken.append("telephone-accueil.png")
        page.goto(live_server.url + reverse("reenrolment:student", args=[portal.lea]))
        expect(page.get_by_text("Nouveaux cours souhaités").first).to_be_visible()
        page.screenshot(path=target / "telephone-reinscription.png")
        taken.append("telephone-reinscription.png")
        page.goto(live_server.url + reverse("documents:student", args=[portal.tom]))
        expect(page.get_by_text("Certificat médical").first).to_be_visible()
        page.screenshot(path=target / "telephone-documents.png")
        taken.append("telephone-documents.png")

    with chromium_page(1280, 800) as page:
        log_in(page, live_server.url, portal.identifier)
        page.goto(live_server.url + reverse("family:detail"))
        expect(page.get_by_text("Vos données personnelles")).to_be_visible()
        page.screenshot(path=target / "bureau-famille.png")
        taken.append("bureau-famille.png")

    with chromium_page(1280, 800) as page:
        page.goto(live_server.url + reverse("admin:login"))
        page.locator("#id_username").fill("secretariat")
        page.locator("#id_password").fill("Motdepasse1")
        page.locator("input[type=submit]").click()
        expect(page.get_by_role("heading", name="À traiter")).to_be_visible()
        page.screenshot(path=target / "bureau-secretariat.png")
        taken.append("bureau-secretariat.png")

    for name in taken:
        size = (target / name).stat().st_size
        assert 0 < size < MAX_BYTES, f"{name} : {size} octets"
