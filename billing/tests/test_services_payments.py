"""record_desk_payment and cancel_invoice: allocation, limits, receipts, partial credit notes."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail

from billing import services
from billing.models import Invoice, Payment
from billing.tests.factories import InstalmentFactory, InvoiceFactory, InvoiceLineFactory, PaymentFactory
from extranet.base.models import PaymentMeans
from extranet.tests.factories import StaffUserFactory
from families.tests.factories import guardian_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice():
    invoice = InvoiceFactory(total=Decimal("300.00"), payer_email="claire@example.fr")
    InvoiceLineFactory(invoice=invoice, label="Piano cycle 1", unit_price=Decimal("200.00"))
    InvoiceLineFactory(invoice=invoice, label="Chœur", unit_price=Decimal("100.00"))
    for rank, month in enumerate((10, 11, 12), start=1):
        InstalmentFactory(
            invoice=invoice, rank=rank, due_on=datetime.date(2025, month, 15), amount=Decimal("100.00")
        )
    return invoice


def pay(invoice, amount, code="cheque", **kwargs):
    return services.record_desk_payment(
        family=invoice.family,
        means=PaymentMeans.objects.get(code=code),
        amount=Decimal(amount),
        received_on=datetime.date(2025, 10, 1),
        actor=StaffUserFactory(),
        **kwargs,
    )


def test_a_payment_fills_the_oldest_instalments_first_and_the_payer_gets_a_receipt(
    invoice, django_capture_on_commit_callbacks
):
    guardian_of(invoice.family, is_payer=True, email="claire@example.fr")
    with django_capture_on_commit_callbacks(execute=True):
        receipt = pay(invoice, "250.00", code="pass_culture")

    assert list(Payment.objects.order_by("instalment__rank").values_list("amount", flat=True)) == [
        Decimal("100.00"),
        Decimal("100.00"),
        Decimal("50.00"),
    ]
    assert all(p.recorded_by == receipt.recorded_by and p.receipt == receipt for p in Payment.objects.all())
    assert mail.outbox[-1].to == ["claire@example.fr"]
    assert "250,00 €" in mail.outbox[-1].subject
    assert "Reste à payer : 50,00 €" in mail.outbox[-1].body


def test_a_payment_above_what_is_due_is_refused_in_french(invoice):
    PaymentFactory(instalment=invoice.instalments.get(rank=1), amount=Decimal("100.00"))

    with pytest.raises(services.BillingError, match=r"dépasse ce que la famille doit encore \(200,00 €\)"):
        pay(invoice, "200.01")
    assert Payment.objects.count() == 1


def test_online_means_are_not_recorded_at_the_desk(invoice):
    with pytest.raises(services.BillingError, match="ne se saisit pas au secrétariat"):
        pay(invoice, "10.00", code="direct_debit")


def test_a_partial_credit_note_cites_the_invoice_and_comes_off_the_last_instalments(invoice):
    choir = invoice.lines.get(label="Chœur")

    credit_note = services.cancel_invoice(
        invoice=invoice,
        reason="Arrêt du chœur",
        actor=StaffUserFactory(),
        lines=[services.CreditLine(choir, Decimal("60.00"))],
    )

    assert credit_note.kind == Invoice.Kind.CREDIT_NOTE and credit_note.cancels == invoice
    assert credit_note.total == Decimal("60.00")
    assert list(invoice.instalments.order_by("rank").values_list("credited", flat=True)) == [
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("60.00"),
    ]
    with pytest.raises(services.BillingError, match="40,00 € au plus"):
        services.cancel_invoice(
            invoice=invoice, reason="Encore", actor=None, lines=[services.CreditLine(choir, Decimal("40.01"))]
        )


def test_cancelling_what_was_already_paid_leaves_it_to_refund(invoice):
    for instalment in invoice.instalments.all():
        PaymentFactory(instalment=instalment, amount=Decimal("100.00"))

    credit_note = services.cancel_invoice(invoice=invoice, reason="Erreur", actor=None)

    assert credit_note.total == Decimal("300.00")
    assert credit_note.refundable == Decimal("300.00")


def test_a_credit_note_is_not_cancelled_again(invoice):
    credit_note = services.cancel_invoice(invoice=invoice, reason="Erreur", actor=None)

    with pytest.raises(services.BillingError, match="Un avoir ne s'annule pas"):
        services.cancel_invoice(invoice=credit_note, reason="x", actor=None)
    with pytest.raises(services.BillingError, match="Il ne reste rien à annuler"):
        services.cancel_invoice(invoice=invoice, reason="Encore", actor=None)
