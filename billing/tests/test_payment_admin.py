"""The secretariat's paying screens: IBAN masked, a full read only with a recorded reason,
a reject recorded from the debit list, the follow-up of late instalments."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse

from billing.payment_models import DirectDebit, IbanDisclosure, InstalmentFollowUp, RefundRequest
from billing.rejects import request_refund
from billing.sepa import export_direct_debits
from billing.tests.factories import InstalmentFactory, InvoiceLineFactory, PaymentFactory
from billing.tests.payment_factories import (
    IBAN_FR,
    creditor_site,
    direct_debit_family,
    instalment_due,
    mandate_in_force,
    prenotified,
)
from extranet.tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

PERMISSIONS = [
    "view_mandate",
    "view_directdebit",
    "add_debitreject",
    "view_instalmentfollowup",
    "view_refundrequest",
    "change_refundrequest",
]


@pytest.fixture
def site():
    return creditor_site(slug="malakoff")


@pytest.fixture
def secretary(client, site):
    user = StaffUserFactory(all_sites=False, managed_sites=[site])
    user.user_permissions.set(Permission.objects.filter(codename__in=PERMISSIONS))
    client.force_login(user)
    return user


def test_the_mandate_page_shows_the_iban_masked_only(client, site, secretary):
    mandate = mandate_in_force(direct_debit_family(site))

    page = client.get(reverse("admin:billing_mandate_change", args=[mandate.pk])).content.decode()

    assert "FR76 •••• •••• •••• •••• •••• 189" in page
    assert IBAN_FR not in page and "FR76 3000" not in page


def test_the_full_iban_is_shown_only_with_a_reason_and_the_reading_is_recorded(client, site, secretary):
    mandate = mandate_in_force(direct_debit_family(site))
    url = reverse("admin:billing_mandate_reveal_iban", args=[mandate.pk])

    without = client.post(url, {"reason": ""}).content.decode()
    assert "FR76 3000" not in without
    assert not IbanDisclosure.objects.exists()

    shown = client.post(url, {"reason": "La banque signale un rejet AC01"})

    assert "FR76 3000 6000 0112 3456 7890 189" in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]
    disclosure = IbanDisclosure.objects.get()
    assert (disclosure.actor, disclosure.mandate, disclosure.reason) == (
        secretary,
        mandate,
        "La banque signale un rejet AC01",
    )


def test_a_reject_is_recorded_from_the_debit_and_the_family_is_emailed(
    client, site, secretary, tmp_path, django_capture_on_commit_callbacks
):
    family = direct_debit_family(site)
    mandate = mandate_in_force(family)
    prenotified(instalment_due(family, due_on=datetime.date(2026, 10, 15)), mandate)
    export_direct_debits(
        site=site,
        collection_date=datetime.date(2026, 10, 15),
        today=datetime.date(2026, 9, 20),
        output_dir=tmp_path,
    )
    debit = DirectDebit.objects.get()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:billing_directdebit_reject", args=[debit.pk]),
            {"reason": "AM04", "returned_on": "2026-10-20", "note": "Relevé du 20/10"},
        )

    assert response.status_code == 302
    debit.refresh_from_db()
    assert debit.state == DirectDebit.State.REJECTED
    assert debit.reject.recorded_by == secretary
    assert "AM04" in mail.outbox[-1].body


def test_the_late_filter_lists_instalments_past_due_and_still_owed(client, site, secretary):
    family = direct_debit_family(site)
    late = instalment_due(family, due_on=datetime.date(2025, 10, 15))
    settled = instalment_due(family, due_on=datetime.date(2025, 10, 15))
    PaymentFactory(instalment=settled, amount=settled.amount)
    instalment_due(family, due_on=datetime.date(2099, 10, 15))

    response = client.get(reverse("admin:billing_instalmentfollowup_changelist"), {"late": "1"})

    assert response.status_code == 200
    assert [row.pk for row in response.context["cl"].result_list] == [late.pk]
    assert InstalmentFollowUp.objects.count() == 3


def test_the_refund_action_issues_billing_s_credit_note_and_settles_the_request(client, site, secretary):
    line = InvoiceLineFactory(
        amount=Decimal("150.00"),
        invoice__total=Decimal("150.00"),
        invoice__site=site,
        invoice__family__site=site,
    )
    PaymentFactory(instalment=InstalmentFactory(invoice=line.invoice), amount=Decimal("150.00"))
    refund = request_refund(invoice=line.invoice, amount=Decimal("30.00"), reason="Trop-perçu", actor=None)

    client.post(
        reverse("admin:billing_refundrequest_changelist"),
        {"action": "settle_by_credit_note", "_selected_action": [refund.pk]},
    )

    refund.refresh_from_db()
    assert refund.state == RefundRequest.State.SETTLED
    assert refund.credit_note.cancels == line.invoice and refund.credit_note.total == Decimal("30.00")


def test_the_follow_up_list_shows_what_is_still_owed_to_the_cent(client, site, secretary):
    family = direct_debit_family(site)
    instalment = instalment_due(family, due_on=datetime.date(2025, 10, 15))
    PaymentFactory(instalment=instalment, amount=Decimal("0.33"))

    response = client.get(reverse("admin:billing_instalmentfollowup_changelist"))

    row = response.context["cl"].result_list[0]
    assert row.outstanding == instalment.amount - Decimal("0.33")
    page = response.content.decode()
    assert "0,33\xa0€" in page or "0,33 €" in page
    assert "000000" not in page
