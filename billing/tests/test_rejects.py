"""Rejects: the instalment is due again, the family is told what to do, the next file re-presents
it or not depending on the reason; refunds go through a refund request settled by a credit note."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail

from billing.models import Invoice
from billing.payment_errors import PaymentError
from billing.payment_models import DebitReject, DirectDebit, MandateDetails, RefundRequest
from billing.payment_selectors import open_instalments
from billing.rejects import record_reject, request_refund, settle_refund
from billing.sepa import export_direct_debits
from billing.tests.factories import InvoiceLineFactory, PaymentFactory
from billing.tests.payment_factories import (
    creditor_site,
    direct_debit_family,
    instalment_due,
    mandate_in_force,
    prenotified,
)
from extranet.tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 9, 20)
OCTOBER = datetime.date(2026, 10, 15)
NOVEMBER = datetime.date(2026, 11, 15)


@pytest.fixture
def presented(tmp_path):
    site = creditor_site()
    family = direct_debit_family(site)
    mandate = mandate_in_force(family)
    instalment = instalment_due(family, due_on=OCTOBER)
    prenotified(instalment, mandate)
    export_direct_debits(site=site, collection_date=OCTOBER, today=TODAY, output_dir=tmp_path)
    return DirectDebit.objects.get(instalment=instalment)


def test_a_presented_debit_covers_the_instalment(presented):
    assert list(open_instalments(presented.instalment.invoice.family)) == []


def test_a_reject_puts_the_instalment_back_to_due_and_emails_the_family(
    presented, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        record_reject(direct_debit=presented, reason="AM04", actor=StaffUserFactory())

    family = presented.instalment.invoice.family
    assert [(i.pk, i.outstanding) for i in open_instalments(family)] == [
        (presented.instalment_id, Decimal("150.00"))
    ]
    presented.refresh_from_db()
    assert presented.state == DirectDebit.State.REJECTED
    rejected_mail = mail.outbox[-1]
    assert "rejeté" in rejected_mail.subject
    assert "AM04 – provision insuffisante" in rejected_mail.body
    assert "présenterons de nouveau" in rejected_mail.body


def test_after_insufficient_funds_the_next_file_presents_it_again(presented, tmp_path):
    record_reject(direct_debit=presented, reason="AM04", actor=None)

    again = export_direct_debits(
        site=presented.export.site, collection_date=NOVEMBER, today=TODAY, output_dir=tmp_path
    )

    assert again.transactions == 1
    second = DirectDebit.objects.presented().get()
    assert second.instalment_id == presented.instalment_id
    assert second.end_to_end_id.endswith("-2")
    assert second.sequence_type == "FRST"  # the first one never went through


def test_a_refund_asked_by_the_debtor_is_not_presented_again(presented, tmp_path):
    record_reject(direct_debit=presented, reason="MD06", actor=None)

    again = export_direct_debits(
        site=presented.export.site, collection_date=NOVEMBER, today=TODAY, output_dir=tmp_path
    )

    assert again.transactions == 0
    assert "MD06" in again.refusals[0].reason


def test_a_closed_account_revokes_the_mandate(presented, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reject = record_reject(direct_debit=presented, reason="AC04", actor=None)

    presented.mandate.details.refresh_from_db()
    assert presented.mandate.details.state == MandateDetails.State.REVOKED
    assert not reject.represent
    assert "le mandat est révoqué" in mail.outbox[-1].body


def test_a_debit_is_rejected_once(presented):
    record_reject(direct_debit=presented, reason="AM04", actor=None)

    with pytest.raises(PaymentError):
        record_reject(direct_debit=presented, reason="AM04", actor=None)
    assert DebitReject.objects.count() == 1


def test_a_refund_is_a_request_bounded_by_what_was_paid_then_settled_by_a_credit_note():
    line = InvoiceLineFactory(amount=Decimal("150.00"), invoice__total=Decimal("150.00"))
    invoice = line.invoice
    instalment = instalment_due(invoice.family, due_on=OCTOBER)
    instalment.invoice = invoice
    instalment.save()
    PaymentFactory(instalment=instalment, amount=Decimal("150.00"))

    with pytest.raises(PaymentError, match="Au plus 150,00 €"):
        request_refund(invoice=invoice, amount=Decimal("200.00"), reason="Trop-perçu", actor=None)
    refund = request_refund(invoice=invoice, amount=Decimal("40.00"), reason="Arrêt du cours", actor=None)

    settled = settle_refund(refund=refund, actor=None)

    credit_note = settled.credit_note
    assert settled.state == RefundRequest.State.SETTLED
    assert credit_note.kind == Invoice.Kind.CREDIT_NOTE and credit_note.cancels == invoice
    assert credit_note.total == Decimal("40.00") and credit_note.refundable == Decimal("40.00")
    with pytest.raises(PaymentError, match="déjà traitée"):
        settle_refund(refund=refund, actor=None)
