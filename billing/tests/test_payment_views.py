"""The paying pages: the mandate form with French refusals (values kept), the PDF, revoke,
Payer en ligne, the provider's return, the receipt, and the Facturation include."""

import datetime
import io
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from billing import online
from billing.models import Mandate, Payment
from billing.payment_models import DirectDebit, MandateDetails, OnlineTransaction
from billing.payment_selectors import facturation_payments
from billing.rejects import record_reject
from billing.selectors import family_billing, family_invoices
from billing.sepa import export_direct_debits
from billing.tests.payment_factories import (
    CREDITOR_ICS,
    IBAN_FR,
    IBAN_GB,
    creditor_site,
    direct_debit_family,
    instalment_due,
    mandate_in_force,
    prenotified,
)
from extranet.tests.portal import log_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(client):
    family = direct_debit_family(creditor_site(slug="malakoff"))
    log_in(client, family.memberships.first().guardian)
    return family


def post_mandate(client, **data):
    return client.post(reverse("billing:mandate"), {"holder_name": "Claire Martin", "accept": "on", **data})


def test_a_bad_checksum_is_shown_next_to_the_iban_and_the_typed_values_stay(client, family):
    response = post_mandate(client, iban="FR76 3000 6000 0112 3456 7890 188")

    page = response.content.decode()
    assert response.status_code == 200
    assert "clé de contrôle incorrecte" in page
    assert 'value="FR76 3000 6000 0112 3456 7890 188"' in page
    assert 'value="Claire Martin"' in page
    assert not Mandate.objects.filter(family=family).exists()


def test_a_wrong_length_for_the_country_is_explained(client, family):
    response = post_mandate(client, iban="FR763000600001123456789018")

    assert (
        "Un IBAN de ce pays (FR) compte 27 caractères ; vous en avez saisi 26." in response.content.decode()
    )


def test_the_bic_is_asked_only_when_it_cannot_be_derived(client, family):
    first = client.get(reverse("billing:mandate")).content.decode()
    assert 'type="hidden" name="bic"' in first

    asked = post_mandate(client, iban=IBAN_GB).content.decode()
    assert 'type="hidden" name="bic"' not in asked
    assert "indiquez le BIC" in asked

    done = post_mandate(client, iban=IBAN_GB, bic="NWBKGB2L")
    assert done.status_code == 302
    assert Mandate.objects.get(family=family).bic == "NWBKGB2L"


def test_a_valid_mandate_is_recorded_and_shown_masked(client, family):
    response = post_mandate(client, iban=IBAN_FR)

    assert response["Location"] == reverse("billing:mandate")
    page = client.get(reverse("billing:mandate")).content.decode()
    mandate = Mandate.objects.get(family=family)
    assert mandate.reference in page
    assert "FR76 •••• •••• •••• •••• •••• 189" in page
    assert IBAN_FR not in page
    assert "en attente du mandat signé" in page


def test_the_mandate_pdf_is_prefilled_with_the_creditor_and_the_rum(client, family):
    mandate = mandate_in_force(family)

    response = client.get(reverse("billing:mandate_pdf", args=[mandate.pk]))

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="mandat-sepa-{mandate.reference}.pdf"'
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert mandate.reference in text
    assert CREDITOR_ICS in text
    assert "Conservatoire de Malakoff" in text
    assert "30006000011234567890" not in text.replace(" ", "")


def test_the_family_revokes_its_mandate(client, family):
    mandate = mandate_in_force(family)
    url = reverse("billing:mandate_revoke", args=[mandate.pk])

    refused = client.post(url, {})
    assert refused.status_code == 200 and "Ce champ est obligatoire" in refused.content.decode()
    assert client.post(url, {"confirm": "on"})["Location"] == reverse("billing:mandate")

    mandate.details.refresh_from_db()
    assert mandate.details.state == MandateDetails.State.REVOKED


def test_paying_online_sends_the_family_to_the_provider_then_shows_the_receipt(client, family):
    october = instalment_due(family, due_on=datetime.date(2026, 10, 15), amount=Decimal("100.00"))
    january = instalment_due(family, due_on=datetime.date(2027, 1, 15), amount=Decimal("50.00"))

    page = client.get(reverse("billing:pay_online")).content.decode()
    assert "Facture" in page and "100,00 €" in page and "50,00 €" in page
    response = client.post(reverse("billing:pay_online"), {"instalments": [october.pk, january.pk]})

    transaction = OnlineTransaction.objects.get()
    assert response.status_code == 302 and transaction.reference in response["Location"]
    assert transaction.amount == Decimal("150.00")
    back = client.get(
        reverse("billing:online_return", args=["malakoff"]),
        {"transaction_id": transaction.reference, "ok": "1", "signed": "1", "amount": "150.00"},
    )
    assert back["Location"] == reverse("billing:online_transaction", args=[transaction.pk])
    receipt = client.get(back["Location"]).content.decode()
    assert "Paiement accepté : 150,00 €" in receipt
    assert Payment.objects.count() == 2


def test_paying_nothing_is_refused_with_a_french_message(client, family):
    instalment_due(family, due_on=datetime.date(2026, 10, 15))

    response = client.post(reverse("billing:pay_online"), {})

    assert "Cochez au moins une échéance à payer." in response.content.decode()
    assert not OnlineTransaction.objects.exists()


def test_a_forged_return_in_the_familys_browser_records_nothing(client, family):
    instalment = instalment_due(family, due_on=datetime.date(2026, 10, 15))
    client.post(reverse("billing:pay_online"), {"instalments": [instalment.pk]})
    transaction = OnlineTransaction.objects.get()

    back = client.get(
        reverse("billing:online_return", args=["malakoff"]),
        {"transaction_id": transaction.reference, "ok": "1"},
    )

    assert back["Location"] == reverse("billing:invoices")
    assert not Payment.objects.exists()


def test_the_notification_endpoint_is_csrf_exempt_and_idempotent(family):
    instalment = instalment_due(family, due_on=datetime.date(2026, 10, 15))
    provider = Client(enforce_csrf_checks=True)
    transaction, _kind, _url = online.start_payment(
        family=family, instalment_ids=[instalment.pk], actor=None, email=""
    )
    body = urlencode({"transaction_id": transaction.reference, "ok": "1", "signed": "1", "amount": "150.00"})
    url = reverse("billing:online_notify", args=["malakoff"])

    first = provider.post(url, body, content_type="application/x-www-form-urlencoded")
    second = provider.post(url, body, content_type="application/x-www-form-urlencoded")

    assert (first.status_code, second.status_code) == (200, 200)
    assert Payment.objects.count() == 1


def test_facturation_tells_the_family_what_to_do_after_a_reject_at_a_fixed_cost(family, tmp_path):
    mandate = mandate_in_force(family)
    instalment = instalment_due(family, due_on=datetime.date(2026, 10, 15))
    prenotified(instalment, mandate)
    export_direct_debits(
        site=family.site,
        collection_date=instalment.due_on,
        today=datetime.date(2026, 9, 20),
        output_dir=tmp_path,
    )
    record_reject(direct_debit=DirectDebit.objects.get(), reason="AM04", actor=None)
    online.start_payment(family=family, instalment_ids=[instalment.pk], actor=None, email="")

    invoices = family_invoices(family)  # as Facturation loads them (billing.selectors.family_billing)
    with CaptureQueriesContext(connection) as queries:
        payments = facturation_payments(family, online_enabled=True, invoices=invoices)
        html = render_to_string("billing/payments/_facturation.html", {"payments": payments})

    assert "a été rejeté par votre banque : AM04 – provision insuffisante" in html
    assert "Payer en ligne" in html
    assert "Vos paiements en ligne" in html
    assert "FR76 •••• •••• •••• •••• •••• 189" in html
    assert len(queries.captured_queries) == 2  # the mandate, the online payments


def test_a_presented_debit_counts_as_paid_on_facturation_until_it_is_rejected(family, tmp_path):
    mandate = mandate_in_force(family)
    instalment = instalment_due(family, due_on=datetime.date(2026, 10, 15))
    prenotified(instalment, mandate)
    export_direct_debits(
        site=family.site,
        collection_date=instalment.due_on,
        today=datetime.date(2026, 9, 20),
        output_dir=tmp_path,
    )

    presented = family_billing(family, today=datetime.date(2026, 10, 20)).invoices[0]
    assert presented.paid == instalment.amount and presented.due == Decimal("0.00")

    record_reject(direct_debit=DirectDebit.objects.get(), reason="AM04", actor=None)

    rejected = family_billing(family, today=datetime.date(2026, 10, 20)).invoices[0]
    assert rejected.paid == Decimal("0.00") and rejected.due == instalment.amount
