"""axe-core on every admin page that has inlines: each field of an inline's row has a name.

Django's tabular inlines name their fields in the column header only (axe found 16 ``label``
and 8 ``select-name`` violations), its date-and-time widget writes "Date :" as plain text, and
the autocomplete's combobox has no name until a value is chosen. The pages are enumerated from
the admin registry, add page and change page, so the next inline cannot slip through.
"""

import pytest

from tests.admin_browser import demo_with_every_admin_row, inline_page_urls, log_in_to_admin
from tests.browser import chromium_page
from tests.test_accessibility_axe import DESKTOP, FAILING_IMPACTS, describe, run_axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_every_admin_page_with_inlines_has_no_wcag_violation(live_server):
    demo_with_every_admin_row()
    pages = inline_page_urls()
    assert len(pages) >= 30, pages
    checked, failures = [], []

    with chromium_page(*DESKTOP) as page:
        log_in_to_admin(page, live_server.url, "admin")
        for what, url in pages:
            response = page.goto(live_server.url + url)
            if response.status == 403 and what.endswith("(ajout)"):
                continue  # this admin never adds (dossiers, invoices…: their services do)
            assert response.status == 200, f"{what} : {response.status}"
            page.wait_for_load_state("networkidle")
            failing = [v for v in run_axe(page) if v["impact"] in FAILING_IMPACTS]
            checked.append(what)
            if failing:
                failures.append(f"axe-core sur « {what} » ({url}) :\n{describe(failing)}")

    assert not failures, "\n".join(failures)
    # The pages with editable rows were really among those checked.
    for what in (
        "families.Family (modification)",
        "families.Guardian (modification)",
        "extranet.Site (modification)",
    ):
        assert what in checked
    assert "students.Student (ajout)" in checked and "reenrolment.ReenrolmentWindow (ajout)" in checked
