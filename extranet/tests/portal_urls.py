"""Every family-facing page of the project, enumerated from the URL configuration.

Tests that must hold on every portal page (headers, the household switch…) walk these, so a
new page is checked without being listed anywhere.
"""

import re

from django.urls import reverse

from tests.test_url_coverage import project_patterns

PUBLIC = {
    "root",
    "login",
    "accessibility",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
}
POST_ONLY = {"logout", "switch_household", "students:calendar_renew"}
# Reached through a secret address, without a login (a phone's calendar subscribes to it).
SECRET_LINKS = {"students:calendar_feed"}
# Called by the card payment provider (the browser's return, the server's notification): verified
# by the provider's signature, never by a login (billing/tests/test_online.py).
PROVIDER_CALLBACKS = {"billing:online_return", "billing:online_notify"}
# One billing object each (an invoice, a year of payments, a mandate, a card payment), fetched
# through the family scope: billing/tests/test_access.py and test_payment_access.py check that
# another family's id answers 404, and tests/test_url_coverage.py that each has such a test.
OWN_OBJECT_PAGES = {
    "billing:invoice_pdf",
    "billing:receipted_pdf",
    "billing:certificate_pdf",
    "billing:mandate_pdf",
    "billing:mandate_revoke",
    "billing:online_transaction",
}
STAFF_ONLY = {"documents:preview", "documents:staff_blank_form"}
# Answers that are files (served with a Content-Disposition), not pages.
FILES = {
    "reenrolment:house_rules",
    "documents:consult",
    "documents:blank_form",
    "documents:preview",
    "documents:staff_blank_form",
    "family_data_export",
    "students:bulletin",
}
# The teachers' space has its own access tests (students/tests/test_schoolyear_access.py).
TEACHER_PREFIX = "teachers:"


def family_url_names() -> list[tuple[str, list[str]]]:
    """(name, argument names) of every family-facing GET URL."""
    return [
        (name, re.findall(r"<(?:\w+:)?(\w+)>", route))
        for name, route in project_patterns()
        if name
        and name not in PUBLIC | POST_ONLY | STAFF_ONLY | SECRET_LINKS | PROVIDER_CALLBACKS | OWN_OBJECT_PAGES
        and not name.startswith(("admin:", TEACHER_PREFIX))
    ]


def family_urls(ids: dict) -> dict[str, str]:
    """Every family-facing GET URL, its arguments (student_id, document_id, type_id…) from ``ids``."""
    return {name: reverse(name, kwargs={key: ids[key] for key in keys}) for name, keys in family_url_names()}
