"""billing_remind: families with a late instalment get the amount, the invoice and how to pay."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from billing.tests.factories import InstalmentFactory, InvoiceFactory, PaymentFactory

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("billing_remind", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def late_invoice():
    invoice = InvoiceFactory(number="MAL-2025-000007", payer_email="claire@example.fr")
    late = InstalmentFactory(
        invoice=invoice, rank=1, due_on=datetime.date(2025, 10, 15), amount=Decimal("150.00")
    )
    PaymentFactory(instalment=late, amount=Decimal("50.00"))
    InstalmentFactory(invoice=invoice, rank=2, due_on=datetime.date(2099, 1, 15), amount=Decimal("150.00"))
    return invoice


def test_a_family_with_a_late_instalment_is_reminded_of_what_is_left(
    late_invoice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        out = run("--site", late_invoice.site.slug)

    assert "1 famille relancées pour 100,00 € en retard" in out
    message = mail.outbox[-1]
    assert message.to == ["claire@example.fr"]
    assert "MAL-2025-000007" in message.body
    assert "100,00 €" in message.body
    assert "Comment payer" in message.body


def test_a_dry_run_sends_nothing(late_invoice):
    out = run("--site", late_invoice.site.slug, "--dry-run")

    assert "1 famille à relancer" in out
    assert mail.outbox == []
