"""Every admin list fits a 1280 px desk screen: no sideways scrolling, of the page or of the table.

Django wraps the results table in a box that scrolls sideways on its own, so the page may look
fine while the last columns (the state, the amount due) sit out of sight: both are measured.
The lists are enumerated from the admin registry and opened as Malakoff's secretariat with the
demo's data plus one row of everything (tests.admin_browser).
"""

import pytest

from tests.admin_browser import changelist_urls, demo_with_every_admin_row, log_in_to_admin
from tests.browser import chromium_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WIDTH, HEIGHT = 1280, 800
MEASURE = """() => {
    const results = document.querySelector('#changelist-form .results');
    return {
        page: document.documentElement.scrollWidth,
        viewport: window.innerWidth,
        table: results ? results.scrollWidth : 0,
        box: results ? results.clientWidth : 0,
        rows: document.querySelectorAll('#result_list tbody tr').length,
    };
}"""
# The lists a secretary works in all day: they must have shown rows, or the test proved nothing.
BUSY_LISTS = {
    "families.Family",
    "families.Guardian",
    "students.Student",
    "students.Course",
    "documents.Document",
    "reenrolment.Reenrolment",
    "reenrolment.NextSeasonCourse",
    "billing.Invoice",
    "billing.InstalmentFollowUp",
    "billing.Tariff",
    "extranet.OutboundEmail",
}


def test_every_admin_list_fits_a_1280_px_screen(live_server):
    demo_with_every_admin_row()
    lists = changelist_urls()
    assert len(lists) >= 40
    too_wide, with_rows = [], set()

    with chromium_page(WIDTH, HEIGHT) as page:
        log_in_to_admin(page, live_server.url, "secretariat")
        for label, url in lists:
            response = page.goto(live_server.url + url)
            assert response.status == 200, f"{label} : {response.status}"
            size = page.evaluate(MEASURE)
            if size["rows"]:
                with_rows.add(label)
            if size["page"] > size["viewport"] or size["table"] > size["box"]:
                too_wide.append(
                    f"{label} ({url}) : page {size['page']} px, tableau {size['table']} px dans {size['box']} px"
                )

    assert not too_wide, "Listes plus larges que l'écran de 1280 px :\n" + "\n".join(too_wide)
    assert with_rows >= BUSY_LISTS, BUSY_LISTS - with_rows
