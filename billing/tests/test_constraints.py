"""Money rules the database enforces: numbering, one active mandate, positive payments."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from billing.models import Mandate
from billing.tests.factories import (
    InstalmentFactory,
    InvoiceFactory,
    InvoiceLineFactory,
    MandateFactory,
    PaymentFactory,
    TariffFactory,
)
from families.tests.factories import FamilyFactory

pytestmark = pytest.mark.django_db


def test_an_invoice_number_is_unique_per_site():
    invoice = InvoiceFactory(number="F2025-00001")
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceFactory(family=FamilyFactory(site=invoice.site), number="F2025-00001")


def test_two_sites_may_use_the_same_invoice_number():
    first = InvoiceFactory(number="F2025-00001")
    second = InvoiceFactory(number="F2025-00001")
    assert first.site != second.site


def test_an_invoice_sequence_is_used_once_per_site_and_year():
    invoice = InvoiceFactory(year=2025, sequence=7)
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceFactory(family=FamilyFactory(site=invoice.site), year=2025, sequence=7, number="other")
    InvoiceFactory(family=FamilyFactory(site=invoice.site), year=2026, sequence=7)


def test_an_invoice_has_each_instalment_rank_once():
    instalment = InstalmentFactory(rank=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        InstalmentFactory(invoice=instalment.invoice, rank=1)


def test_a_family_has_one_mandate_in_force_at_most():
    mandate = MandateFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        MandateFactory(family=mandate.family)
    Mandate.objects.filter(pk=mandate.pk).update(revoked_on=datetime.date(2026, 1, 10))
    MandateFactory(family=mandate.family)
    assert mandate.family.mandates.filter(revoked_on__isnull=True).count() == 1


def test_a_payment_is_positive():
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentFactory(amount=Decimal("0.00"))


def test_a_tariff_bracket_is_ordered_and_its_amount_not_negative():
    with pytest.raises(IntegrityError), transaction.atomic():
        TariffFactory(quotient_min=1000, quotient_max=500)
    with pytest.raises(IntegrityError), transaction.atomic():
        TariffFactory(amount=Decimal("-1.00"))


def test_billing_factories_build_a_paid_invoice():
    line = InvoiceLineFactory()
    instalment = InstalmentFactory(invoice=line.invoice, amount=line.amount)
    payment = PaymentFactory(instalment=instalment)
    assert payment.amount == line.amount == Decimal("450.00")
    assert line.invoice.site == line.invoice.family.site
