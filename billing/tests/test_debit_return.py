"""A direct debit returned after it was collected (R-transaction after settlement, the debtor's
refund right): the payment stays, a reversal entry takes it back exactly, the instalment is due
again, the family is told, the secretariat and the accountant see it."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.template.loader import render_to_string
from django.urls import reverse

from billing import rejects, selectors, sepa, services
from billing.admin import accounting_csv
from billing.models import Payment
from billing.payment_errors import PaymentError
from billing.payment_models import DirectDebit, MandateDetails, PaymentReversal, RefundRequest
from billing.payment_selectors import facturation_payments, open_instalments
from billing.tests.payment_factories import creditor_site
from billing.tests.test_sepa import COLLECTION, TODAY, ready_to_collect
from billing.tests.test_views_documents import text_of
from extranet.base.models import PaymentMeans
from extranet.tests.factories import StaffUserFactory
from extranet.tests.portal import log_in
from families.tests.factories import guardian_of

pytestmark = pytest.mark.django_db

RETURNED_ON = datetime.date(2026, 11, 20)


@pytest.fixture
def collected(tmp_path):
    site = creditor_site(slug="malakoff")
    _family, _mandate, instalment = ready_to_collect(site)
    sepa.export_direct_debits(site=site, collection_date=COLLECTION, today=TODAY, output_dir=tmp_path)
    debit = DirectDebit.objects.get(instalment=instalment)
    sepa.record_collection(direct_debit=debit, actor=None)
    debit.refresh_from_db()
    return debit


def test_a_return_after_collection_reverses_the_payment_exactly_and_the_instalment_is_due_again(
    collected, django_capture_on_commit_callbacks
):
    family = collected.instalment.invoice.family
    payment = Payment.objects.get()
    staff = StaffUserFactory()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        reject = rejects.record_return(
            direct_debit=collected, reason="MD06", returned_on=RETURNED_ON, actor=staff
        )

    collected.refresh_from_db()
    assert collected.state == DirectDebit.State.RETURNED
    reversal = PaymentReversal.objects.get()
    assert reversal.payment == payment and reversal.debit_reject == reject
    assert "MD06" in reversal.reason and reversal.recorded_by == staff
    entry = reversal.entry
    assert (entry.instalment_id, entry.amount, entry.received_on, entry.means_id) == (
        payment.instalment_id,
        -payment.amount,
        RETURNED_ON,
        payment.means_id,
    )
    payment.refresh_from_db()
    assert payment.amount == Decimal("150.00")  # never edited
    assert [(i.pk, i.outstanding) for i in open_instalments(family)] == [
        (collected.instalment_id, Decimal("150.00"))
    ]
    (invoice,) = selectors.family_invoices(family, today=RETURNED_ON)
    assert (invoice.paid, invoice.due) == (Decimal("0.00"), Decimal("150.00"))
    returned_mail = mail.outbox[-1]
    assert "repris par votre banque" in returned_mail.subject
    assert "MD06 – remboursement demandé par le débiteur" in returned_mail.body
    assert "150,00 €" in returned_mail.body
    assert "ne sera pas prélevé de nouveau automatiquement" in returned_mail.body


def test_a_debit_is_returned_once_and_only_once_collected(collected):
    rejects.record_return(direct_debit=collected, reason="AM04", actor=None)

    with pytest.raises(PaymentError, match="Seul un prélèvement encaissé"):
        rejects.record_return(direct_debit=collected, reason="AM04", actor=None)
    with pytest.raises(PaymentError):
        rejects.record_reject(direct_debit=collected, reason="AM04", actor=None)
    assert PaymentReversal.objects.count() == 1
    assert Payment.objects.count() == 2


def test_a_collected_debit_is_returned_not_rejected(collected):
    with pytest.raises(PaymentError, match="retour après encaissement"):
        rejects.record_reject(direct_debit=collected, reason="AM04", actor=None)


def test_after_a_return_for_insufficient_funds_the_next_file_presents_it_again(collected, tmp_path):
    rejects.record_return(direct_debit=collected, reason="AM04", actor=None)
    november = datetime.date(2026, 11, 16)

    again = sepa.export_direct_debits(
        site=collected.export.site, collection_date=november, today=TODAY, output_dir=tmp_path
    )

    assert again.transactions == 1
    second = DirectDebit.objects.presented().get()
    assert (second.instalment_id, second.amount) == (collected.instalment_id, Decimal("150.00"))
    assert second.end_to_end_id.endswith("-2")


def test_a_refund_asked_by_the_debtor_is_not_presented_again(collected, tmp_path):
    rejects.record_return(direct_debit=collected, reason="MD06", actor=None)

    again = sepa.export_direct_debits(
        site=collected.export.site,
        collection_date=datetime.date(2026, 11, 16),
        today=TODAY,
        output_dir=tmp_path,
    )

    assert again.transactions == 0 and "MD06" in again.refusals[0].reason


def test_an_unauthorised_debit_revokes_the_mandate(collected):
    rejects.record_return(direct_debit=collected, reason="MD01", actor=None)

    collected.mandate.details.refresh_from_db()
    assert collected.mandate.details.state == MandateDetails.State.REVOKED


def test_a_pending_refund_of_the_collection_s_overpayment_is_declined(tmp_path):
    site = creditor_site()
    _family, _mandate, instalment = ready_to_collect(site)
    sepa.export_direct_debits(site=site, collection_date=COLLECTION, today=TODAY, output_dir=tmp_path)
    debit = DirectDebit.objects.get()
    # The instalment was cancelled by 50 € meanwhile: 50 € of the debit were not due any more.
    type(instalment).objects.filter(pk=instalment.pk).update(credited=Decimal("50.00"))
    sepa.record_collection(direct_debit=debit, actor=None)
    refund = RefundRequest.objects.get(direct_debit=debit)
    assert refund.amount == Decimal("50.00")

    rejects.record_return(direct_debit=debit, reason="AM04", actor=None)

    refund.refresh_from_db()
    assert refund.state == RefundRequest.State.DECLINED
    assert PaymentReversal.objects.get().entry.amount == Decimal("-100.00")


def test_the_accountant_s_export_shows_the_reversal(collected):
    rejects.record_return(direct_debit=collected, reason="AM04", returned_on=RETURNED_ON, actor=None)

    response = accounting_csv(
        site=collected.export.site, start=datetime.date(2026, 10, 1), end=datetime.date(2026, 11, 30)
    )

    rows = response.content.decode("utf-8-sig").splitlines()
    payments = [row for row in rows if "SEPA" in row]
    assert len(payments) == 2
    assert payments[0].startswith("paiement;15/10/2026") and payments[0].endswith(";150,00")
    assert payments[1].startswith("reprise de paiement;20/11/2026") and payments[1].endswith(";-150,00")
    assert "AM04" in payments[1]


def test_paid_again_after_the_return_the_instalment_is_settled(collected, tmp_path):
    rejects.record_return(direct_debit=collected, reason="AM04", actor=None)
    november = datetime.date(2026, 11, 16)
    sepa.export_direct_debits(
        site=collected.export.site, collection_date=november, today=TODAY, output_dir=tmp_path
    )

    sepa.record_collection(direct_debit=DirectDebit.objects.presented().get(), actor=None)

    assert list(open_instalments(collected.instalment.invoice.family)) == []
    assert sum(Payment.objects.values_list("amount", flat=True)) == Decimal("150.00")


def test_the_secretariat_records_a_return_from_the_debit_list(client, collected):
    user = StaffUserFactory(all_sites=False, managed_sites=[collected.export.site])
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["view_directdebit", "add_debitreject", "view_debitreject"])
    )
    client.force_login(user)
    listing = client.get(reverse("admin:billing_directdebit_changelist")).content.decode()
    url = reverse("admin:billing_directdebit_return", args=[collected.pk])

    response = client.post(url, {"reason": "AM04", "returned_on": "2026-11-20", "note": "Relevé du 20/11"})

    assert url in listing and "Enregistrer un retour" in listing
    assert response.status_code == 302
    collected.refresh_from_db()
    assert collected.state == DirectDebit.State.RETURNED
    assert collected.reject.recorded_by == user and collected.reject.note == "Relevé du 20/11"
    returns = client.get(
        reverse("admin:billing_debitreject_changelist"), {"after_collection": "1"}
    ).content.decode()
    assert collected.end_to_end_id in returns


def test_facturation_tells_the_family_a_collected_debit_came_back(collected):
    family = collected.instalment.invoice.family
    rejects.record_return(direct_debit=collected, reason="AM04", returned_on=RETURNED_ON, actor=None)

    payments = facturation_payments(family, online_enabled=False, invoices=selectors.family_invoices(family))
    html = render_to_string("billing/payments/_facturation.html", {"payments": payments})

    assert [debit.pk for debit in payments.rejected_debits] == [collected.pk]
    assert "déjà encaissé, a été retourné par votre banque : AM04 – provision insuffisante" in html
    assert "150,00 €" in html
    assert "l'échéance est de nouveau due" in html


def test_a_collection_returned_the_next_year_is_in_neither_year_s_payment_certificate(client, collected):
    """A works council, the CAF or the tax office reads the certificate as money paid: a December
    collection the bank took back in January was not paid, and January did not pay back."""
    family = collected.instalment.invoice.family
    collected_in = Payment.objects.get().received_on.year
    log_in(client, guardian_of(family))
    assert client.get(reverse("billing:certificate_pdf", args=[collected_in])).status_code == 200
    assert (
        f"Attestation de paiement {collected_in} (PDF)"
        in client.get(reverse("billing:invoices")).content.decode()
    )

    rejects.record_return(
        direct_debit=collected, reason="MD06", returned_on=datetime.date(collected_in + 1, 1, 12), actor=None
    )

    page = client.get(reverse("billing:invoices")).content.decode()
    assert "Attestation de paiement" not in page
    assert "a été retourné par votre banque" in page  # the tab still tells what happened
    for year in (collected_in, collected_in + 1):
        assert client.get(reverse("billing:certificate_pdf", args=[year])).status_code == 404


def test_a_certificate_counts_the_payments_kept_beside_one_taken_back(client, collected, tmp_path):
    family = collected.instalment.invoice.family
    rejects.record_return(direct_debit=collected, reason="AM04", returned_on=RETURNED_ON, actor=None)
    services.record_desk_payment(
        family=family,
        means=PaymentMeans.objects.get(code="cheque"),
        amount=Decimal("150.00"),
        received_on=RETURNED_ON,
        reference="Chèque n° 7654321",
        actor=StaffUserFactory(),
    )
    log_in(client, guardian_of(family))

    certificate = text_of(client.get(reverse("billing:certificate_pdf", args=[RETURNED_ON.year])).content)

    assert "Chèque n° 7654321" in certificate
    assert "Retour SEPA" not in certificate and "-150,00" not in certificate and "−150,00" not in certificate
    assert "Total" in certificate and "150,00 €" in certificate
