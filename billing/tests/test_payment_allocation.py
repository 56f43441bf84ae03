"""One allocation for every channel: desk, card online and SEPA debits pay the oldest
instalment due first, never above what is open, each payment traceable to its receipt."""

import datetime
from decimal import Decimal
from urllib.parse import urlencode

import pytest

from billing import online, sepa
from billing.models import Payment, Receipt
from billing.payment_errors import PaymentError
from billing.payment_models import DirectDebit, OnlineTransaction, OnlineTransactionLine
from billing.tests.factories import InstalmentFactory, InvoiceFactory
from billing.tests.payment_factories import creditor_site
from billing.tests.test_sepa import COLLECTION, TODAY, ready_to_collect
from families.tests.factories import FamilyFactory, guardian_of

pytestmark = pytest.mark.django_db


def three_instalments(family):
    invoice = InvoiceFactory(family=family, total=Decimal("300.00"))
    return [
        InstalmentFactory(
            invoice=invoice, rank=rank, due_on=datetime.date(2026, month, 15), amount=Decimal("100.00")
        )
        for rank, month in enumerate((10, 11, 12), start=1)
    ]


def paid_on(instalments):
    return [
        sum((p.amount for p in Payment.objects.filter(instalment=i)), Decimal("0.00")) for i in instalments
    ]


def test_an_online_payment_of_one_and_a_half_instalments_pays_the_oldest_then_part_of_the_next():
    family = FamilyFactory()
    guardian_of(family, is_payer=True)
    instalments = three_instalments(family)
    transaction = OnlineTransaction.objects.create(
        site=family.site, family=family, backend="dummy", reference="T-150", amount=Decimal("150.00")
    )
    for instalment, amount in zip(instalments[:2], ("100.00", "50.00"), strict=True):
        OnlineTransactionLine.objects.create(
            transaction=transaction, instalment=instalment, amount=Decimal(amount)
        )

    online.handle_answer(
        site=family.site,
        query_string=urlencode({"transaction_id": "T-150", "ok": "1", "signed": "1", "amount": "150.00"}),
        channel="notify",
    )

    assert paid_on(instalments) == [Decimal("100.00"), Decimal("50.00"), Decimal("0.00")]
    receipt = Receipt.objects.get()
    assert (receipt.amount, receipt.means.code, receipt.reference) == (Decimal("150.00"), "card", "CB T-150")
    assert all(payment.receipt == receipt for payment in Payment.objects.all())


def test_a_collected_direct_debit_is_paid_through_the_shared_allocation(tmp_path):
    site = creditor_site()
    family, _mandate, instalment = ready_to_collect(site)
    sepa.export_direct_debits(site=site, collection_date=COLLECTION, today=TODAY, output_dir=tmp_path)
    debit = DirectDebit.objects.get()

    (payment,) = sepa.record_collection(direct_debit=debit, actor=None, collected_on=COLLECTION)

    debit.refresh_from_db()
    assert debit.state == DirectDebit.State.COLLECTED
    assert (payment.instalment, payment.amount, payment.means.code) == (
        instalment,
        Decimal("150.00"),
        "direct_debit",
    )
    assert payment.receipt.reference == f"SEPA {debit.end_to_end_id}"
    assert paid_on([instalment]) == [Decimal("150.00")]  # counted once: no longer "on its way"
    with pytest.raises(PaymentError, match="ne s'encaisse pas"):
        sepa.record_collection(direct_debit=debit, actor=None)
    assert Payment.objects.count() == 1
    assert family.pk == payment.instalment.invoice.family_id
