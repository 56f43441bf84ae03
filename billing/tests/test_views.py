"""Facturation tab: invoices, instalments with due dates, what is paid and what is still due."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.tests.factories import InstalmentFactory, InvoiceFactory, PaymentFactory
from extranet.tests.portal import logged_in_family
from students.tests.factories import StudentFactory

pytestmark = pytest.mark.django_db


def three_instalments(invoice):
    return [
        InstalmentFactory(invoice=invoice, rank=rank, due_on=due_on, amount=Decimal("150.00"))
        for rank, due_on in enumerate(
            [datetime.date(2025, 10, 15), datetime.date(2026, 1, 15), datetime.date(2026, 4, 15)], start=1
        )
    ]


def text(page):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_no_invoice_yet(client):
    logged_in_family(client)

    assert "Aucune facture pour le moment." in client.get(reverse("billing:invoices")).content.decode()


def test_an_invoice_shows_its_number_date_total_and_schedule(client):
    family, _guardian = logged_in_family(client)
    invoice = InvoiceFactory(
        family=family,
        number="F2025-00012",
        total=Decimal("450.00"),
        issued_at=datetime.datetime(2025, 10, 1, 10, tzinfo=datetime.UTC),
    )
    first, second, _third = three_instalments(invoice)
    PaymentFactory(instalment=first, amount=Decimal("150.00"))
    PaymentFactory(instalment=second, amount=Decimal("50.00"))

    page = text(client.get(reverse("billing:invoices")).content.decode())

    assert "Facture F2025-00012" in page
    assert "Date 01/10/2025" in page
    assert "Total 450,00 €" in page
    assert "Payé 200,00 €" in page
    assert "Reste à payer 250,00 €" in page
    assert "Échéancier en 3 fois" in page
    assert "1 · 15/10/2025 · 150,00 € · payé 150,00 € · Réglée" in page
    assert "2 · 15/01/2026 · 150,00 € · payé 50,00 € · En retard 100,00 €" in page
    assert "3 · 15/04/2026 · 150,00 € · payé 0,00 € · En retard 150,00 €" in page


def test_invoices_are_listed_newest_first_and_credit_notes_are_named(client):
    family, _guardian = logged_in_family(client)
    old = InvoiceFactory(
        family=family, number="F2024-00001", issued_at=datetime.datetime(2024, 10, 1, tzinfo=datetime.UTC)
    )
    InvoiceFactory(
        family=family,
        number="A2025-00001",
        kind="credit_note",
        cancels=old,
        issued_at=datetime.datetime(2025, 1, 10, tzinfo=datetime.UTC),
    )

    page = text(client.get(reverse("billing:invoices")).content.decode())

    assert page.index("Avoir A2025-00001") < page.index("Facture F2024-00001")


def test_another_family_invoices_are_not_shown(client):
    logged_in_family(client)
    InvoiceFactory(number="F2025-00999")

    page = client.get(reverse("billing:invoices")).content.decode()

    assert "F2025-00999" not in page
    assert "Aucune facture pour le moment." in page


def count(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("billing:invoices")).status_code == 200
    return len(queries)


def test_the_page_query_count_is_pinned(client, django_assert_num_queries):
    family, _guardian = logged_in_family(client)
    three_instalments(InvoiceFactory(family=family))
    client.get(reverse("billing:invoices"))

    # Session, user, guardian with its family (3); invoices, instalments, their payments, their
    # direct debits with rejects (4); QF attestations (1); the coming season's dossiers with
    # their choices (1); paying (2: mandate, online payments; billing/payment_selectors.py).
    with django_assert_num_queries(11):
        client.get(reverse("billing:invoices"))


def test_the_query_count_does_not_grow_with_pupils_invoices_or_payments(client):
    family, _guardian = logged_in_family(client)
    StudentFactory(family=family)
    three_instalments(InvoiceFactory(family=family))
    client.get(reverse("billing:invoices"))
    with_one = count(client)

    for _ in range(3):
        StudentFactory(family=family)
        for instalment in three_instalments(InvoiceFactory(family=family)):
            PaymentFactory(instalment=instalment)

    assert count(client) == with_one


def test_facturation_offers_the_direct_debit_set_up_and_paying_online(client, settings):
    settings.PAYMENTS_ONLINE_PROVIDERS = {"*": {"backend": "dummy"}}
    family, _guardian = logged_in_family(client)
    three_instalments(InvoiceFactory(family=family))

    html = client.get(reverse("billing:invoices")).content.decode()

    assert reverse("billing:mandate") in html and "Mettre en place le prélèvement" in html
    assert reverse("billing:pay_online") in html and "Payer en ligne" in html
