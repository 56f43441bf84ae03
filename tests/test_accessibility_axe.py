"""axe-core (WCAG 2.1 A and AA rules) on every page a family sees, in Debian's Chromium.

French public sites must meet RGAA, which builds on WCAG 2.1 AA. axe finds the part of it a
machine can check (contrast, names of fields and buttons, ARIA, landmarks, tables…); the rest
still needs a person. axe-core is vendored in tests/vendor (see its README) and injected into
the page by the test: nothing is downloaded at run time and the portal never serves it.

One test per page and state (tests/pages.py), so a failure names its page.
"""

import json
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser import chromium_page, log_in
from tests.pages import PAGES, make_portal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
# RGAA 4.1 is built on WCAG 2.1 level AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Moderate and minor violations fail too: every one found so far could be fixed in the templates.
FAILING_IMPACTS = {"critical", "serious", "moderate", "minor"}
PHONE = (360, 740)
DESKTOP = (1280, 800)


@pytest.fixture
def portal():
    return make_portal()


ON_DESKTOP_TOO = {
    "connexion",
    "accueil",
    "famille",
    "famille-erreurs",
    "facturation",
    "lea-reinscription",
    "tom-documents",
}
CASES = [pytest.param(*case, PHONE, id=f"{case[0]}-phone") for case in PAGES] + [
    pytest.param(*case, DESKTOP, id=f"{case[0]}-desktop") for case in PAGES if case[0] in ON_DESKTOP_TOO
]


def run_axe(page) -> list[dict]:
    # Evaluated through the DevTools protocol: a <script> tag added to the page would be refused
    # by the portal's Content-Security-Policy (no inline script), as it should be.
    page.evaluate(AXE_JS.read_text() + "\n;true")
    return page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return results.violations.map(v => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                targets: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
                count: v.nodes.length,
            }));
        }""",
        AXE_TAGS,
    )


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"- {v['id']} ({v['impact']}, {v['count']} élément(s)) : {v['help']} → {json.dumps(v['targets'], ensure_ascii=False)}"
        for v in violations
    )


@pytest.mark.parametrize(("name", "logged_in", "reach", "size"), CASES)
def test_the_page_has_no_wcag_violation(live_server, portal, name, logged_in, reach, size):
    with chromium_page(*size) as page:
        if logged_in:
            log_in(page, live_server.url, portal.identifier)
        reach(page, live_server.url, portal)
        violations = run_axe(page)

    failing = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    assert not failing, f"axe-core sur « {name} » ({size[0]} px) :\n{describe(failing)}"


def test_the_house_rules_are_a_pdf_linked_from_the_reenrolment_form(live_server, portal):
    """The house rules are the site's own PDF (outside axe's reach, like every PDF): the
    re-enrolment form links to it with the version, and says it opens in a new tab."""
    with chromium_page(*PHONE) as page:
        log_in(page, live_server.url, portal.identifier)
        page.goto(live_server.url + reverse("reenrolment:student", args=[portal.lea]))
        link = page.get_by_role(
            "link", name="Lire le règlement intérieur (version 2026-1, s'ouvre dans un nouvel onglet)"
        )
        expect(link).to_have_attribute("target", "_blank")
        response = page.request.get(live_server.url + reverse("reenrolment:house_rules"))
        assert response.status == 200
        assert response.headers["content-type"] == "application/pdf"
