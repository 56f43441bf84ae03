"""The Content-Security-Policy in a real browser: nothing refused on the portal nor in Django's admin.

Chromium reports every refused script, style or frame as a ``securitypolicyviolation`` event;
a listener installed before any page script records them, and each page must end with none.
The admin's scripts (autocomplete, calendars, the document preview) must also still run.
"""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from playwright.sync_api import expect

from documents.tests.factories import DocumentFactory, pdf_bytes
from extranet.tests.factories import SiteFactory, StaffUserFactory, civility, current_season, next_season
from families.tests.factories import FamilyFactory, guardian_of
from students.tests.factories import StudentFactory
from tests.browser import chromium_page, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (event) => {
    window.__violations.push(event.violatedDirective + ' ' + (event.blockedURI || 'inline'));
});
"""


@pytest.fixture
def data():
    current_season()
    next_season()
    site = SiteFactory(name="Conservatoire de Malakoff", slug="malakoff")
    site.house_rules.save("reglement.pdf", ContentFile(pdf_bytes("Règlement")))
    family = FamilyFactory(site=site, name="MARTIN")
    guardian = guardian_of(family, first_name="Claire", civility=civility("mme"), is_payer=True)
    student = StudentFactory(family=family, first_name="Léa")
    document = DocumentFactory(family=family, student=student)
    admin = StaffUserFactory(identifier="admin", is_superuser=True)
    admin.set_password("Admin-2026x")
    admin.save()
    return {"identifier": guardian.user.identifier, "student": student.pk, "document": document.pk}


def violations(page) -> list[str]:
    return page.evaluate("window.__violations")


def test_the_portal_pages_run_without_a_refused_script_or_style(live_server, data):
    pages = [
        reverse("home"),
        reverse("family:detail"),
        reverse("students:list"),
        reverse("students:identity", args=[data["student"]]),
        reverse("documents:family"),
        reverse("billing:invoices"),
        reverse("password_change"),
    ]
    with chromium_page(360, 740) as page:
        page.add_init_script(RECORD_VIOLATIONS)
        log_in(page, live_server.url, data["identifier"])
        assert violations(page) == []
        for url in pages:
            page.goto(live_server.url + url)
            assert violations(page) == [], url

        # The listener does hear a refusal: an inline style added to the page is one.
        page.evaluate(
            "() => { const s = document.createElement('style'); s.textContent = 'p {}'; document.head.append(s); }"
        )
        page.wait_for_function("window.__violations.length > 0")
        assert violations(page)[0].startswith("style-src")


def test_the_admin_runs_under_the_policy(live_server, data):
    with chromium_page(1280, 800) as page:
        page.add_init_script(RECORD_VIOLATIONS)
        page.goto(live_server.url + reverse("admin:login"))
        page.get_by_label("Identifiant").fill("admin")
        page.get_by_label("Mot de passe").fill("Admin-2026x")
        page.get_by_role("button", name="Connexion").click()
        expect(page.locator("#site-name")).to_contain_text("Tutti")
        assert violations(page) == []

        # Autocomplete (select2) and the related-object widgets are scripts: they must run.
        page.goto(live_server.url + reverse("admin:students_student_add"))
        expect(page.locator(".select2-container").first).to_be_visible()
        assert violations(page) == []

        # Calendars and clocks of date fields.
        page.goto(live_server.url + reverse("admin:extranet_news_add"))
        expect(page.locator(".datetimeshortcuts").first).to_be_visible()
        assert violations(page) == []

        # The document check page frames the file from the same origin, sandboxed.
        page.goto(live_server.url + reverse("admin:documents_document_change", args=[data["document"]]))
        expect(page.locator(".tutti-preview")).to_be_visible()
        assert violations(page) == []

        for url in (
            reverse("admin:index"),
            reverse("admin:families_family_changelist"),
            reverse("admin:documents_document_changelist"),
            reverse("admin:extranet_season_changelist"),
            reverse("admin:reenrolment_reenrolment_changelist"),
        ):
            page.goto(live_server.url + url)
            assert violations(page) == [], url
