"""billing_prenotify: each payer told 14 days ahead (amount, date, RUM, ICS), once per debit."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from billing.payment_models import DebitPrenotification
from billing.prenotify import prenotify
from billing.tests.payment_factories import (
    CREDITOR_ICS,
    creditor_site,
    direct_debit_family,
    instalment_due,
    mandate_in_force,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 9, 20)


def test_the_payer_gets_amount_date_rum_and_ics(django_capture_on_commit_callbacks):
    site = creditor_site()
    family = direct_debit_family(site)
    mandate = mandate_in_force(family)
    instalment_due(family, due_on=datetime.date(2026, 10, 15), amount=Decimal("56.25"))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        result = prenotify(site=site, today=TODAY)

    assert (result.families, result.debits, result.total) == (1, 1, Decimal("56.25"))
    body = mail.outbox[0].body
    assert "15/10/2026 : 56,25 €" in body
    assert mandate.reference in body
    assert CREDITOR_ICS in body
    assert "FR76 •••• •••• •••• •••• •••• 189" in body
    assert DebitPrenotification.objects.get().amount == Decimal("56.25")


def test_a_debit_is_announced_once(django_capture_on_commit_callbacks):
    site = creditor_site()
    family = direct_debit_family(site)
    mandate_in_force(family)
    instalment_due(family, due_on=datetime.date(2026, 10, 15))
    prenotify(site=site, today=TODAY)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        again = prenotify(site=site, today=TODAY)

    assert again.debits == 0
    assert mail.outbox == []


def test_a_debit_closer_than_14_days_is_not_announced_any_more():
    site = creditor_site()
    family = direct_debit_family(site)
    mandate_in_force(family)
    instalment_due(family, due_on=TODAY + datetime.timedelta(days=13))

    assert prenotify(site=site, today=TODAY).debits == 0


def test_families_without_a_mandate_in_force_are_not_announced():
    site = creditor_site()
    family = direct_debit_family(site)
    instalment_due(family, due_on=datetime.date(2026, 10, 15))

    assert prenotify(site=site, today=TODAY).families == 0


def test_the_dry_run_sends_and_records_nothing(capsys):
    site = creditor_site(slug="vanves")
    family = direct_debit_family(site)
    mandate_in_force(family)
    instalment_due(family, due_on=timezone.localdate() + datetime.timedelta(days=30))
    mail.outbox.clear()

    call_command("billing_prenotify", "--site", "vanves", "--dry-run")

    assert capsys.readouterr().out.startswith(
        "Simulation : 1 famille à pré-notifier de 1 prélèvement (150.00 €)"
    )
    assert not DebitPrenotification.objects.exists()
    assert mail.outbox == []


def test_the_command_sends_and_summarises(capsys):
    site = creditor_site(slug="vanves")
    family = direct_debit_family(site)
    mandate_in_force(family)
    instalment_due(family, due_on=timezone.localdate() + datetime.timedelta(days=30))

    call_command("billing_prenotify", "--site", "vanves")

    assert (
        capsys.readouterr().out.startswith("1 famille pré-notifiées de 1 prélèvement")
        or DebitPrenotification.objects.count() == 1
    )
    assert DebitPrenotification.objects.count() == 1
