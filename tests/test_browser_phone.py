"""What only a browser shows: where the focus lands after a submit, the phone layout.

Debian's Chromium through Playwright on a live server (tests/browser.py); never downloads a browser.
"""

import datetime
import re

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from documents.tests.factories import pdf_bytes
from extranet.tests.factories import NewsFactory, PoleFactory, SiteFactory, civility, current_season
from families.tests.factories import FamilyFactory, guardian_of
from reenrolment.tests.factories import NextCourseFactory, WindowFactory
from students.models import CourseCategory
from students.tests.factories import (
    CourseFactory,
    CycleFactory,
    DisciplineFactory,
    EnrolmentFactory,
    StudentFactory,
)
from tests.browser import chromium_page, log_in, open_main_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LONG_EMAIL = "secretariat.des.inscriptions.musique.et.danse@conservatoire-de-malakoff.example.fr"


@pytest.fixture
def portal():
    """Malakoff during an open window: Léa plays the piano this season and can carry on."""
    current = current_season()
    site = SiteFactory(name="Conservatoire de Malakoff", slug="malakoff", contact_email=LONG_EMAIL)
    site.house_rules.save("reglement-interieur.pdf", ContentFile(pdf_bytes("Règlement intérieur")))
    WindowFactory(site=site)
    pole = PoleFactory(site=site, name="Pôle Centre")
    family = FamilyFactory(site=site, name="MARTIN")
    guardian = guardian_of(
        family,
        first_name="Claire",
        last_name="Martin",
        civility=civility("mme"),
        is_payer=True,
        email="claire.martin.maman.de.lea.et.tom@fournisseur-de-messagerie.example.fr",
    )
    piano = DisciplineFactory(name="Piano", slug="piano")
    cycle = CycleFactory(name="Cycle 1", order=3)
    piano_now = CourseFactory(
        season=current,
        pole=pole,
        discipline=piano,
        cycle=cycle,
        name="Piano Cycle 1",
        teacher_name="M. Durand",
    )
    NextCourseFactory(pole=pole, discipline=piano, cycle=cycle, name="Piano Cycle 1", continues=piano_now)
    NextCourseFactory(
        pole=pole,
        discipline=DisciplineFactory(name="Chœur", slug="choeur"),
        category=CourseCategory.COLLECTIVE,
        name="Chœur d'enfants",
    )
    lea = StudentFactory(
        family=family, first_name="Léa", last_name="Martin", birth_date=datetime.date(2015, 3, 1)
    )
    EnrolmentFactory(student=lea, course=piano_now)
    EnrolmentFactory(
        student=lea,
        course=CourseFactory(
            season=current,
            pole=pole,
            discipline=DisciplineFactory(name="Formation musicale", slug="fm"),
            name="Formation musicale 1re année",
            teacher_name="Mme Lefèvre-Dubois",
        ),
    )
    NewsFactory(
        site=site, title="Réinscriptions 2026/2027", published_at=timezone.now() - datetime.timedelta(days=1)
    )
    return {"identifier": guardian.user.identifier, "lea": lea.pk}


def focused_element(page):
    return page.evaluate(
        "() => ({id: document.activeElement.id, text: document.activeElement.textContent.trim(),"
        " role: document.activeElement.getAttribute('role'), tag: document.activeElement.tagName})"
    )


def in_view(page, selector):
    return page.evaluate(
        """(selector) => { const box = document.querySelector(selector).getBoundingClientRect();
            return box.top >= 0 && box.bottom <= window.innerHeight; }""",
        selector,
    )


def test_a_failed_submit_puts_the_focus_on_the_error_summary_and_says_erreur_in_the_title(
    live_server, portal
):
    with chromium_page(360, 740) as page:
        log_in(page, live_server.url, portal["identifier"])
        page.goto(live_server.url + reverse("family:detail"))
        page.get_by_label("Code postal").fill("9224")
        page.get_by_role("button", name="Enregistrer").click()

        expect(page.locator("#form-errors")).to_be_focused()
        assert page.title().startswith("Erreur : ")
        assert in_view(page, "#form-errors")


def test_a_successful_submit_after_a_fix_shows_and_announces_the_confirmation_without_the_field_fragment(
    live_server, portal
):
    with chromium_page(360, 740) as page:
        log_in(page, live_server.url, portal["identifier"])
        page.goto(live_server.url + reverse("family:detail"))
        page.get_by_label("Code postal").fill("9224")
        page.get_by_role("button", name="Enregistrer").click()
        # The guardian follows the summary's link to the field: the address now ends with its id.
        page.locator("#form-errors").get_by_role("link", name=re.compile("Code postal")).click()
        expect(page).to_have_url(re.compile(r"#id_"))
        page.get_by_label("Code postal").fill("92170")
        page.get_by_role("button", name="Enregistrer").click()

        confirmation = page.get_by_role("status").filter(has_text="Éléments modifiés")
        expect(confirmation).to_be_focused()
        expect(page).not_to_have_url(re.compile("#"))
        assert not page.title().startswith("Erreur")
        assert in_view(page, ".tutti-messages [role='status']")


def test_the_reenrolment_page_opens_at_its_top_after_a_successful_submit(live_server, portal):
    with chromium_page(360, 740) as page:
        log_in(page, live_server.url, portal["identifier"])
        page.goto(live_server.url + reverse("reenrolment:student", args=[portal["lea"]]))
        page.get_by_label(re.compile("Réinscription – Piano Cycle 1")).check()
        page.get_by_label(re.compile("Chœur d'enfants")).check()
        page.get_by_label("J'accepte").check()
        page.get_by_role("button", name="Valider").click()

        confirmation = page.get_by_role("status").filter(has_text="Réinscription en attente de validation")
        expect(confirmation).to_be_focused()
        assert in_view(page, ".tutti-messages [role='status']")
        assert page.evaluate("window.scrollY") < 300


def test_the_tab_bar_is_one_compact_row_on_a_360_px_phone(live_server, portal):
    with chromium_page(360, 740) as page:
        log_in(page, live_server.url, portal["identifier"])
        height = page.get_by_role("navigation", name="Menu principal").bounding_box()["height"]
        assert height <= 56, f"barre d'onglets de {height} px"

        menu = open_main_menu(page)
        for link in menu.get_by_role("link").all() + [menu.get_by_role("button", name="Quitter")]:
            assert link.bounding_box()["height"] >= 44
        menu.get_by_role("link", name="Famille", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Famille")
        expect(
            page.get_by_role("navigation", name="Menu principal").get_by_role("button", name="Menu")
        ).to_have_attribute("aria-expanded", "false")


def test_the_tabs_are_one_row_of_44_px_targets_at_a_desk(live_server, portal):
    with chromium_page(1280, 800) as page:
        log_in(page, live_server.url, portal["identifier"])
        menu = page.get_by_role("navigation", name="Menu principal")
        expect(menu.get_by_role("button", name="Menu")).to_be_hidden()
        tops = {round(link.bounding_box()["y"]) for link in menu.get_by_role("link").all()}
        assert len(tops) == 1
        for link in menu.get_by_role("link").all():
            assert link.bounding_box()["height"] >= 44


PAGES_AT_320 = [
    ("accessibility", None),
    ("home", None),
    ("family:detail", None),
    ("documents:family", None),
    ("students:list", None),
    ("students:courses", "lea"),
    ("reenrolment:student", "lea"),
    ("billing:invoices", None),
]


def test_no_page_scrolls_sideways_at_320_px(live_server, portal):
    with chromium_page(320, 640) as page:
        log_in(page, live_server.url, portal["identifier"])
        wide = {}
        for name, student in PAGES_AT_320:
            page.goto(live_server.url + reverse(name, args=[portal[student]] if student else []))
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 320:
                wide[name] = width
        assert not wide, f"pages plus larges que l'écran : {wide}"
        # The long address of the secretariat wraps inside the page.
        page.goto(live_server.url + reverse("accessibility"))
        expect(page.get_by_role("link", name=LONG_EMAIL).first).to_be_visible()


def test_the_cours_tab_reads_as_cards_on_a_phone(live_server, portal):
    with chromium_page(360, 740) as page:
        log_in(page, live_server.url, portal["identifier"])
        page.goto(live_server.url + reverse("students:courses", args=[portal["lea"]]))
        table = page.locator("table.tutti-cards").first
        assert table.bounding_box()["width"] <= 360
        rows = table.locator("tbody tr")
        expect(rows).to_have_count(2)
        boxes = [rows.nth(i).bounding_box() for i in range(2)]
        # One card under the other, each as wide as the screen allows.
        assert boxes[1]["y"] >= boxes[0]["y"] + boxes[0]["height"]
        assert all(box["width"] <= 360 for box in boxes)
        piano = rows.filter(has_text="Piano Cycle 1")
        teacher = piano.locator("td[data-label='Professeur']")
        expect(teacher).to_have_text("M. Durand")
        # The column's name is written before the value, inside the card.
        label = teacher.evaluate("td => getComputedStyle(td, '::before').content")
        assert label == '"Professeur : "'
        # Each cell's label sits above its value inside the card, not in a column.
        assert teacher.bounding_box()["x"] <= boxes[0]["x"] + 20

    with chromium_page(1280, 800) as page:
        log_in(page, live_server.url, portal["identifier"])
        page.goto(live_server.url + reverse("students:courses", args=[portal["lea"]]))
        expect(page.get_by_role("columnheader", name="Professeur")).to_be_visible()
