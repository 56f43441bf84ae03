"""The secretariat's billing admin: invoices frozen, credit notes, desk payments, the accountant's CSV."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import Invoice, Payment, Receipt
from billing.tests.factories import InstalmentFactory, InvoiceFactory, InvoiceLineFactory, PaymentFactory
from extranet.base.models import PaymentMeans

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice():
    invoice = InvoiceFactory(number="MAL-2025-000001", total=Decimal("300.00"), year=2025, sequence=1)
    InvoiceLineFactory(invoice=invoice, label="Piano cycle 1", unit_price=Decimal("300.00"))
    InstalmentFactory(invoice=invoice, rank=1, due_on=datetime.date(2025, 10, 15), amount=Decimal("100.00"))
    InstalmentFactory(invoice=invoice, rank=2, due_on=datetime.date(2026, 1, 15), amount=Decimal("100.00"))
    InstalmentFactory(invoice=invoice, rank=3, due_on=datetime.date(2026, 4, 15), amount=Decimal("100.00"))
    return invoice


def test_the_admin_refuses_to_edit_or_delete_an_invoice(admin_client, invoice):
    change = reverse("admin:billing_invoice_change", args=[invoice.pk])

    admin_client.post(change, {"total": "1.00", "number": "X"})
    deleted = admin_client.post(reverse("admin:billing_invoice_delete", args=[invoice.pk]), {"post": "yes"})

    invoice.refresh_from_db()
    assert invoice.total == Decimal("300.00")
    assert invoice.number == "MAL-2025-000001"
    assert deleted.status_code == 403
    assert Invoice.objects.filter(pk=invoice.pk).exists()
    assert "Annuler par un avoir" in admin_client.get(change).content.decode()


def test_a_credit_note_cancels_the_invoice_with_its_reason(admin_client, invoice):
    response = admin_client.post(
        reverse("admin:billing_invoice_cancel", args=[invoice.pk]), {"reason": "Erreur de tarif"}
    )

    credit_note = Invoice.objects.get(kind=Invoice.Kind.CREDIT_NOTE)
    assert response.status_code == 302
    assert credit_note.cancels == invoice
    assert credit_note.total == Decimal("300.00")
    assert credit_note.reason == "Erreur de tarif"
    assert credit_note.number != invoice.number
    assert sum(i.credited for i in invoice.instalments.all()) == Decimal("300.00")


def test_a_credit_note_needs_a_reason(admin_client, invoice):
    response = admin_client.post(reverse("admin:billing_invoice_cancel", args=[invoice.pk]), {"reason": ""})

    assert response.status_code == 400
    assert "Indiquez le motif de l&#x27;avoir" in response.content.decode()
    assert not Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).exists()


def test_a_desk_payment_goes_to_the_oldest_instalment_first(admin_client, invoice):
    response = admin_client.post(
        reverse("admin:billing_invoice_desk_payment"),
        {
            "family": invoice.family.pk,
            "means": PaymentMeans.objects.get(code="holiday_vouchers").pk,
            "amount": "150,00",
            "received_on": "2025-10-02",
            "reference": "ANCV 123",
        },
    )

    assert response.status_code == 302
    paid = dict(Payment.objects.values_list("instalment__rank", "amount"))
    assert paid == {1: Decimal("100.00"), 2: Decimal("50.00")}
    receipt = Receipt.objects.get()
    assert receipt.recorded_by.is_superuser
    assert receipt.reference == "ANCV 123"


def test_a_desk_payment_above_what_is_due_is_refused_and_the_values_kept(admin_client, invoice):
    response = admin_client.post(
        reverse("admin:billing_invoice_desk_payment"),
        {
            "family": invoice.family.pk,
            "means": PaymentMeans.objects.get(code="cheque").pk,
            "amount": "300,01",
            "received_on": "2025-10-02",
        },
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "dépasse ce que la famille doit encore (300,00 €)" in page
    assert 'value="300,01"' in page
    assert not Payment.objects.exists()


def test_the_accountant_gets_invoices_credit_notes_and_payments_of_the_period(admin_client, invoice):
    PaymentFactory(
        instalment=invoice.instalments.get(rank=1),
        amount=Decimal("100.00"),
        received_on=datetime.date(2025, 10, 10),
    )
    InvoiceFactory(
        family=invoice.family,
        kind="credit_note",
        cancels=invoice,
        number="MAL-2025-000002",
        year=2025,
        sequence=2,
        total=Decimal("40.00"),
    )

    response = admin_client.post(
        reverse("admin:billing_invoice_accounting"),
        {"site": invoice.site.pk, "start": "2025-01-01", "end": "2026-12-31"},
    )

    content = response.content.decode("utf-8")
    assert content.startswith("\ufeffType;Date;Numéro")
    assert ";MAL-2025-000001;" in content
    assert "avoir;" in content and ";-40,00\r\n" in content
    assert "paiement;10/10/2025;;MAL-2025-000001;" in content
