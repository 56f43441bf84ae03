"""Settling presented debits: once the site's delay (business days) is past and nothing was
rejected, each becomes a payment, by the command or from the debit list; never twice."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse

from billing import sepa
from billing.models import Payment
from billing.payment_models import DirectDebit, SequenceType
from billing.payment_selectors import open_instalments
from billing.rejects import record_reject
from billing.tests.factories import BillingSettingsFactory
from billing.tests.payment_factories import creditor_site, instalment_due, prenotified
from billing.tests.test_sepa import COLLECTION, TODAY, ready_to_collect
from extranet.tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

# COLLECTION is Thursday 15 October 2026: five business days later is Thursday 22 October.
FOUR_DAYS_ON = datetime.date(2026, 10, 21)
FIVE_DAYS_ON = datetime.date(2026, 10, 22)


@pytest.fixture
def presented(tmp_path):
    site = creditor_site(slug="malakoff")
    family, mandate, instalment = ready_to_collect(site)
    sepa.export_direct_debits(site=site, collection_date=COLLECTION, today=TODAY, output_dir=tmp_path)
    return DirectDebit.objects.get(instalment=instalment)


def settle(debit, **kwargs):
    return sepa.settle_direct_debits(site=debit.export.site, **kwargs)


def test_business_days_skip_weekends_and_the_target_holidays():
    assert sepa.business_days_after(COLLECTION, 5) == FIVE_DAYS_ON
    # Good Friday 3 April and Easter Monday 6 April 2026; Christmas and Boxing Day.
    assert sepa.business_days_after(datetime.date(2026, 4, 2), 2) == datetime.date(2026, 4, 8)
    assert sepa.business_days_after(datetime.date(2026, 12, 23), 2) == datetime.date(2026, 12, 28)
    assert not sepa.is_business_day(datetime.date(2027, 1, 1))
    assert not sepa.is_business_day(datetime.date(2027, 5, 1))


def test_a_debit_within_the_delay_stays_presented(presented):
    result = settle(presented, today=FOUR_DAYS_ON)

    assert result.collected == [] and result.waiting == 1
    presented.refresh_from_db()
    assert presented.state == DirectDebit.State.PRESENTED
    assert not Payment.objects.exists()


def test_past_the_delay_the_debit_becomes_a_payment_received_on_its_collection_date(presented):
    result = settle(presented, today=FIVE_DAYS_ON)

    assert [debit.pk for debit in result.collected] == [presented.pk]
    assert result.total == Decimal("150.00")
    presented.refresh_from_db()
    assert presented.state == DirectDebit.State.COLLECTED
    payment = Payment.objects.get()
    assert (payment.instalment_id, payment.amount, payment.received_on, payment.means.code) == (
        presented.instalment_id,
        Decimal("150.00"),
        COLLECTION,
        "direct_debit",
    )
    assert payment.receipt == presented.receipt
    assert list(open_instalments(presented.instalment.invoice.family)) == []


def test_settling_twice_gives_nothing_new(presented):
    settle(presented, today=FIVE_DAYS_ON)

    again = settle(presented, today=FIVE_DAYS_ON + datetime.timedelta(days=30))

    assert again.collected == [] and again.waiting == 0 and again.refusals == []
    assert Payment.objects.count() == 1


def test_a_dry_run_lists_what_it_would_collect_and_writes_nothing(presented):
    result = settle(presented, today=FIVE_DAYS_ON, dry_run=True)

    assert [debit.pk for debit in result.collected] == [presented.pk]
    presented.refresh_from_db()
    assert presented.state == DirectDebit.State.PRESENTED and presented.receipt is None
    assert not Payment.objects.exists()


def test_a_rejected_debit_is_never_collected(presented):
    record_reject(direct_debit=presented, reason="AM04", actor=None)

    result = settle(presented, today=FIVE_DAYS_ON)

    assert result.collected == [] and not Payment.objects.exists()


def test_the_site_s_own_delay_is_used(presented):
    BillingSettingsFactory(site=presented.export.site, sepa_settlement_days=2)

    result = settle(presented, today=datetime.date(2026, 10, 19))  # Thursday + 2 business days

    assert result.delay == 2 and len(result.collected) == 1


def test_after_a_collected_first_debit_the_mandate_goes_on_in_rcur(presented, tmp_path):
    settle(presented, today=FIVE_DAYS_ON)
    november = instalment_due(presented.instalment.invoice.family, due_on=datetime.date(2026, 11, 16), rank=2)
    prenotified(november, presented.mandate)

    sepa.export_direct_debits(
        site=presented.export.site,
        collection_date=datetime.date(2026, 11, 16),
        today=datetime.date(2026, 10, 30),
        output_dir=tmp_path,
    )

    assert DirectDebit.objects.get(instalment=november).sequence_type == SequenceType.RECURRENT


def test_the_command_summarises_and_a_second_run_collects_nothing(presented, capsys):
    call_command("billing_sepa_settle", "--site", "malakoff", "--today", "2026-10-22", "--dry-run")
    dry = capsys.readouterr().out
    call_command("billing_sepa_settle", "--site", "malakoff", "--today", "2026-10-22")
    first = capsys.readouterr().out
    call_command("billing_sepa_settle", "--site", "malakoff", "--today", "2026-10-22")
    second = capsys.readouterr().out

    assert "Simulation" in dry and "1 prélèvement à encaisser (150,00 €)" in dry
    assert "1 prélèvement encaissé (150,00 €)" in first
    assert "0 prélèvement encaissé (0,00 €)" in second
    assert Payment.objects.count() == 1


def test_collecting_by_hand_before_the_collection_date_is_refused(presented):
    with pytest.raises(sepa.PaymentError, match="pas encore échu"):
        sepa.record_collection(direct_debit=presented, actor=None, today=datetime.date(2026, 10, 14))
    assert not Payment.objects.exists()


def test_the_secretariat_records_a_collection_from_the_debit_list(client, presented):
    user = StaffUserFactory(all_sites=False, managed_sites=[presented.export.site])
    user.user_permissions.set(Permission.objects.filter(codename__in=["view_directdebit", "add_payment"]))
    client.force_login(user)

    response = client.post(
        reverse("admin:billing_directdebit_changelist"),
        {"action": "record_collection", "_selected_action": [presented.pk]},
        follow=True,
    )

    presented.refresh_from_db()
    assert presented.state == DirectDebit.State.COLLECTED
    assert Payment.objects.get().recorded_by == user
    assert "1 prélèvement enregistré comme encaissé" in response.content.decode()


def test_the_collection_action_needs_the_right_to_record_payments(client, presented):
    user = StaffUserFactory(all_sites=False, managed_sites=[presented.export.site])
    user.user_permissions.set(Permission.objects.filter(codename__in=["view_directdebit"]))
    client.force_login(user)

    page = client.get(reverse("admin:billing_directdebit_changelist")).content.decode()

    assert "record_collection" not in page
