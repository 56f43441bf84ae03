"""Who may open Facturation and its PDFs: only a logged-in guardian, only their family's documents."""

import pytest
from django.urls import reverse

from billing.tests.factories import InvoiceFactory
from billing.tests.test_payment_access import PAYMENT_URLS
from extranet.tests.factories import StaffUserFactory
from extranet.tests.portal import logged_in_family

pytestmark = pytest.mark.django_db

COVERED_URLS = {"billing:invoices", "billing:invoice_pdf", "billing:receipted_pdf", "billing:certificate_pdf"}
COVERED_URLS |= PAYMENT_URLS  # paying: billing/tests/test_payment_access.py
ADMIN_URLS = {
    "admin:billing_invoice_cancel",
    "admin:billing_invoice_stop_course",
    "admin:billing_invoice_accounting",
    "admin:billing_invoice_desk_payment",
}
COVERED_URLS |= ADMIN_URLS


def urls(invoice_pk=1):
    return [
        reverse("billing:invoices"),
        reverse("billing:invoice_pdf", args=[invoice_pk]),
        reverse("billing:receipted_pdf", args=[invoice_pk]),
        reverse("billing:certificate_pdf", args=[2025]),
    ]


@pytest.mark.parametrize("index", range(4))
def test_anonymous_visitor_is_sent_to_login(client, index):
    url = urls()[index]

    response = client.get(url)

    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("index", range(4))
def test_staff_without_a_family_is_refused(client, index):
    client.force_login(StaffUserFactory())

    assert client.get(urls()[index]).status_code == 403


def test_another_family_s_documents_are_404(client):
    logged_in_family(client)
    invoice = InvoiceFactory()

    for url in urls(invoice.pk)[1:3]:
        assert client.get(url).status_code == 404


def admin_urls(invoice_pk=1):
    return {
        "admin:billing_invoice_cancel": reverse("admin:billing_invoice_cancel", args=[invoice_pk]),
        "admin:billing_invoice_stop_course": reverse("admin:billing_invoice_stop_course", args=[invoice_pk]),
        "admin:billing_invoice_accounting": reverse("admin:billing_invoice_accounting"),
        "admin:billing_invoice_desk_payment": reverse("admin:billing_invoice_desk_payment"),
    }


@pytest.mark.parametrize("name", sorted(ADMIN_URLS))
def test_the_secretariat_pages_send_an_anonymous_visitor_to_the_admin_login(client, name):
    url = admin_urls()[name]

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('admin:login')}?next=")


@pytest.mark.parametrize("name", sorted(ADMIN_URLS))
def test_the_secretariat_pages_refuse_staff_without_billing_rights(client, name):
    invoice = InvoiceFactory()
    client.force_login(StaffUserFactory())

    assert client.get(admin_urls(invoice.pk)[name]).status_code == 403
