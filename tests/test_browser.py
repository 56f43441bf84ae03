"""A real browser (Debian's Chromium through Playwright) on a live server, at phone and desktop widths.

Never downloads a browser: it launches /usr/bin/chromium (`.ci/run` installs the package).
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from extranet.tests.factories import NewsFactory, SiteFactory, civility, current_season, next_season
from families.tests.factories import FamilyFactory, guardian_of
from students.tests.factories import CourseFactory, EnrolmentFactory, RepertoireEntryFactory, StudentFactory
from tests.browser import chromium_page, log_in, open_main_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

MAIN_TABS = ["Accueil", "Famille", "Élèves", "Facturation", "Accessibilité", "Mot de passe"]
PUPIL_TABS = ["Identité", "Cours", "Historique", "Répertoire", "Réinscription", "Documents fournis"]


@pytest.fixture
def identifier():
    """A family of the Malakoff site with one pupil; returns the guardian's identifier."""
    current_season()
    next_season()
    site = SiteFactory(name="Conservatoire de Malakoff", slug="malakoff")
    family = FamilyFactory(site=site, name="MARTIN")
    guardian = guardian_of(
        family, first_name="Claire", last_name="Martin", civility=civility("mme"), is_payer=True
    )
    student = StudentFactory(family=family, first_name="Léa", last_name="Martin")
    EnrolmentFactory(student=student, course=CourseFactory(name="Piano Cycle 1"))
    RepertoireEntryFactory(student=student, work="Sonatine op. 36 n° 1")
    NewsFactory(
        site=site, title="Réinscriptions 2026/2027", published_at=timezone.now() - datetime.timedelta(days=1)
    )
    return guardian.user.identifier


def main_menu(page):
    return page.get_by_role("navigation", name="Menu principal")


def open_tab(page, label):
    open_main_menu(page).get_by_role("link", name=label, exact=True).click()
    # The menu closes on the new page (on a phone): read the current tab from the markup.
    expect(page.locator("#tutti-tabs [aria-current='page']")).to_have_text(label)


@pytest.mark.parametrize(("width", "height"), [(360, 740), (1280, 800)], ids=["phone", "desktop"])
def test_a_guardian_logs_in_opens_every_tab_and_saves_famille(live_server, identifier, width, height):
    with chromium_page(width, height) as page:
        log_in(page, live_server.url, identifier)
        expect(page.get_by_text("Réinscriptions 2026/2027")).to_be_visible()
        open_main_menu(page)
        for label in MAIN_TABS:
            expect(main_menu(page).get_by_role("link", name=label, exact=True)).to_be_visible()
        expect(main_menu(page).get_by_role("button", name="Quitter")).to_be_visible()
        # Nothing wider than the screen: no tab hidden off to the side on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= width

        for label in MAIN_TABS:
            open_tab(page, label)

        open_tab(page, "Élèves")
        page.get_by_role("link", name=re.compile("Léa")).click()
        pupil_tabs = page.get_by_role("navigation", name=re.compile("Dossier de"))
        for label in PUPIL_TABS:
            pupil_tabs.get_by_role("link", name=label, exact=True).click()
            expect(pupil_tabs.get_by_role("link", name=label, exact=True)).to_have_attribute(
                "aria-current", "page"
            )
        pupil_tabs.get_by_role("link", name="Cours", exact=True).click()
        expect(page.get_by_role("rowheader", name="Piano Cycle 1")).to_be_visible()
        pupil_tabs.get_by_role("link", name="Répertoire", exact=True).click()
        expect(page.get_by_text("Sonatine op. 36 n° 1")).to_be_visible()

        open_tab(page, "Famille")
        page.get_by_label(re.compile(r"\bVille\b")).fill("Vanves")
        page.get_by_role("button", name="Enregistrer").click()
        expect(page.get_by_role("status").filter(has_text="Éléments modifiés")).to_be_visible()
        expect(page.get_by_label(re.compile(r"\bVille\b"))).to_have_value("Vanves")

        open_main_menu(page).get_by_role("button", name="Quitter").click()
        expect(page.get_by_text("Vous êtes déconnecté.")).to_be_visible()
        page.goto(live_server.url + reverse("family:detail"))
        expect(page).to_have_url(re.compile(r"/connexion/\?next="))


def test_the_tabs_are_usable_with_the_keyboard(live_server, identifier):
    with chromium_page(360, 740) as page:
        log_in(page, live_server.url, identifier)

        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Aller au contenu")
        expect(skip).to_be_focused()
        expect(skip).to_be_visible()
        toggle = main_menu(page).get_by_role("button", name="Menu")
        page.keyboard.press("Tab")
        expect(toggle).to_be_focused()
        page.keyboard.press("Enter")
        expect(toggle).to_have_attribute("aria-expanded", "true")
        famille = main_menu(page).get_by_role("link", name="Famille", exact=True)
        for _ in range(10):
            page.keyboard.press("Tab")
            if famille.evaluate("element => element === document.activeElement"):
                break
        expect(famille).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("#tutti-tabs [aria-current='page']")).to_have_text("Famille")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Famille")
