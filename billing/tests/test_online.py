"""Card payment online through eopayment's dummy backend: nothing paid until a verified answer;
forged, tampered and replayed answers change nothing and are logged; polling settles the rest."""

import datetime
from decimal import Decimal
from urllib.parse import urlencode

import eopayment
import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from eopayment.common import PaymentResponse

from billing import online
from billing.models import Payment
from billing.payment_errors import PaymentError
from billing.payment_models import OnlineTransaction, PaymentNotification, RefundRequest
from billing.payment_selectors import open_instalments
from billing.tests.factories import PaymentFactory
from billing.tests.payment_factories import instalment_due
from families.tests.factories import FamilyFactory, guardian_of

pytestmark = pytest.mark.django_db

Outcome = PaymentNotification.Outcome


@pytest.fixture
def family():
    family = FamilyFactory()
    guardian_of(family, is_payer=True)
    return family


def start(family, instalments):
    return online.start_payment(
        family=family, instalment_ids=[i.pk for i in instalments], actor=None, email="parent@example.fr"
    )


def answer(transaction, *, signed=True, ok=True, amount=None, channel="notify"):
    fields = {"transaction_id": transaction.reference}
    if ok:
        fields["ok"] = "1"
    if signed:
        fields["signed"] = "1"
    fields["amount"] = amount if amount is not None else f"{transaction.amount:.2f}"
    return online.handle_answer(site=transaction.site, query_string=urlencode(fields), channel=channel)


def test_several_instalments_are_paid_in_one_transaction_once_the_provider_confirms(
    family, django_capture_on_commit_callbacks
):
    october = instalment_due(family, due_on=datetime.date(2026, 10, 15), amount=Decimal("120.00"))
    january = instalment_due(family, due_on=datetime.date(2027, 1, 15), amount=Decimal("80.50"))

    transaction, kind, url = start(family, [october, january])

    assert kind == eopayment.URL and transaction.reference in url
    assert transaction.amount == Decimal("200.50")
    assert not Payment.objects.exists()  # nothing paid on the way to the provider
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = answer(transaction)

    transaction.refresh_from_db()
    assert result.outcome == Outcome.ACCEPTED
    assert transaction.state == OnlineTransaction.State.PAID
    assert sorted(Payment.objects.values_list("amount", "means__code")) == [
        (Decimal("80.50"), "card"),
        (Decimal("120.00"), "card"),
    ]
    assert list(open_instalments(family)) == []
    assert "Reçu de votre paiement en ligne de 200,50 €" in mail.outbox[0].subject


def test_a_forged_return_changes_nothing_and_is_logged(family):
    instalment = instalment_due(family, due_on=datetime.date(2026, 10, 15))
    transaction, _kind, _url = start(family, [instalment])

    result = answer(transaction, signed=False, channel="return")

    transaction.refresh_from_db()
    assert result.outcome == Outcome.FORGED
    assert transaction.state == OnlineTransaction.State.PENDING
    assert not Payment.objects.exists()
    assert PaymentNotification.objects.get().outcome == Outcome.FORGED


def test_a_replayed_notification_pays_once(family, django_capture_on_commit_callbacks):
    instalment = instalment_due(family, due_on=datetime.date(2026, 10, 15))
    transaction, _kind, _url = start(family, [instalment])
    answer(transaction)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        replay = answer(transaction)

    assert replay.outcome == Outcome.DUPLICATE
    assert Payment.objects.count() == 1
    assert mail.outbox == []
    assert list(PaymentNotification.objects.order_by("pk").values_list("outcome", flat=True)) == [
        Outcome.ACCEPTED,
        Outcome.DUPLICATE,
    ]


def test_a_tampered_amount_changes_nothing(family):
    instalment = instalment_due(family, due_on=datetime.date(2026, 10, 15))
    transaction, _kind, _url = start(family, [instalment])

    result = answer(transaction, amount="1.00")

    transaction.refresh_from_db()
    assert result.outcome == Outcome.TAMPERED
    assert transaction.state == OnlineTransaction.State.PENDING
    assert not Payment.objects.exists()


def test_an_answer_for_an_unknown_transaction_is_logged_and_ignored(family):
    instalment = instalment_due(family, due_on=datetime.date(2026, 10, 15))
    transaction, _kind, _url = start(family, [instalment])
    transaction.reference = "not-ours"

    assert answer(transaction).outcome == Outcome.UNKNOWN
    assert not Payment.objects.exists()


def test_a_refused_card_leaves_the_instalment_due(family):
    instalment = instalment_due(family, due_on=datetime.date(2026, 10, 15))
    transaction, _kind, _url = start(family, [instalment])

    result = answer(transaction, ok=False)

    transaction.refresh_from_db()
    assert result.outcome == Outcome.REFUSED_BY_PROVIDER
    assert transaction.state == OnlineTransaction.State.FAILED
    assert [i.pk for i in open_instalments(family)] == [instalment.pk]


def test_an_instalment_paid_meanwhile_turns_the_excess_into_a_refund_request(family):
    instalment = instalment_due(family, due_on=datetime.date(2026, 10, 15))
    transaction, _kind, _url = start(family, [instalment])
    PaymentFactory(instalment=instalment, amount=instalment.amount)

    answer(transaction)

    refund = RefundRequest.objects.get()
    assert refund.amount == instalment.amount
    assert "Trop-perçu" in refund.reason


def test_another_familys_instalment_cannot_be_paid(family):
    other = instalment_due(FamilyFactory(), due_on=datetime.date(2026, 10, 15))

    with pytest.raises(PaymentError):
        start(family, [other])
    assert not OnlineTransaction.objects.exists()


def test_polling_settles_a_payment_whose_notification_never_came(family, monkeypatch, capsys):
    instalment = instalment_due(family, due_on=datetime.date(2026, 10, 15))
    transaction, _kind, _url = start(family, [instalment])
    OnlineTransaction.objects.filter(pk=transaction.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=30)
    )

    def payment_status(self, transaction_id, **kwargs):
        return PaymentResponse(
            result=eopayment.PAID,
            signed=True,
            order_id=transaction_id,
            transaction_id=transaction_id,
            bank_data={},
        )

    monkeypatch.setattr(eopayment.dummy.Payment, "payment_status", payment_status, raising=False)

    call_command("billing_poll_payments")

    transaction.refresh_from_db()
    assert transaction.state == OnlineTransaction.State.PAID
    assert PaymentNotification.objects.get().channel == PaymentNotification.Channel.POLL
    assert "1 transaction vérifiée auprès du prestataire ; 1 payée" in capsys.readouterr().out


def test_a_transaction_the_provider_cannot_be_asked_about_expires_after_the_delay(family):
    instalment = instalment_due(family, due_on=datetime.date(2026, 10, 15))
    transaction, _kind, _url = start(family, [instalment])
    OnlineTransaction.objects.filter(pk=transaction.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=25)
    )

    result = online.poll_pending()

    transaction.refresh_from_db()
    assert result.expired == 1
    assert transaction.state == OnlineTransaction.State.EXPIRED
    assert not Payment.objects.exists()
