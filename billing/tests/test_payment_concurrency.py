"""Paying under the rush (PostgreSQL row locks): two exports at once collect an instalment once;
two notifications of one payment at once pay it once; two tabs setting up a mandate leave one."""

import datetime
import threading
from urllib.parse import urlencode

import pytest
from django.db import connection

from billing import mandates, online
from billing.models import Mandate, Payment
from billing.payment_models import DirectDebit, PaymentNotification
from billing.sepa import export_direct_debits
from billing.tests.payment_factories import (
    IBAN_DE,
    IBAN_FR,
    creditor_site,
    direct_debit_family,
    instalment_due,
    mandate_in_force,
    prenotified,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def run_together(*actions):
    barrier = threading.Barrier(len(actions))
    errors = []

    def run(action):
        barrier.wait()
        try:
            action()
        except Exception as error:  # collected for the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_two_exports_at_the_same_instant_collect_each_instalment_once(tmp_path):
    site = creditor_site()
    for _ in range(3):
        family = direct_debit_family(site)
        mandate = mandate_in_force(family)
        prenotified(instalment_due(family, due_on=datetime.date(2026, 10, 15)), mandate)

    def export():
        export_direct_debits(
            site=site,
            collection_date=datetime.date(2026, 10, 15),
            today=datetime.date(2026, 9, 20),
            output_dir=tmp_path,
        )

    assert run_together(export, export) == []
    assert DirectDebit.objects.count() == 3
    assert len(list(tmp_path.iterdir())) == 1


def test_two_notifications_of_one_payment_at_the_same_instant_pay_once():
    family = direct_debit_family()
    instalment = instalment_due(family, due_on=datetime.date(2026, 10, 15))
    transaction, _kind, _url = online.start_payment(
        family=family, instalment_ids=[instalment.pk], actor=None, email="a@example.fr"
    )
    query = urlencode({"transaction_id": transaction.reference, "ok": "1", "signed": "1", "amount": "150.00"})

    def notify():
        online.handle_answer(site=family.site, query_string=query, channel="notify")

    assert run_together(notify, notify) == []
    assert Payment.objects.count() == 1
    assert sorted(PaymentNotification.objects.values_list("outcome", flat=True)) == ["accepted", "duplicate"]


def test_two_tabs_entering_an_account_at_once_leave_one_mandate_in_force():
    family = direct_debit_family()

    def set_up(iban):
        return lambda: mandates.set_up_mandate(
            family=family, holder_name="Claire Martin", iban=iban, actor=None
        )

    assert run_together(set_up(IBAN_FR), set_up(IBAN_DE)) == []
    assert Mandate.objects.filter(family=family, revoked_on__isnull=True).count() == 1
    assert Mandate.objects.filter(family=family).count() == 2
