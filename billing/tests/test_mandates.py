"""Mandate services: RUM, encryption at rest, amendment or new mandate, revoke, activation."""

import pytest
from django.core import mail
from django.db import connection

from billing import crypto, mandates
from billing.models import Mandate
from billing.payment_errors import PaymentError
from billing.payment_models import IbanDisclosure, MandateDetails
from billing.tests.payment_factories import IBAN_DE, IBAN_FR, IBAN_GB, direct_debit_family, mandate_in_force
from documents.models import DocumentType
from documents.services import validate_document
from documents.tests.factories import DocumentFactory
from extranet.base.models import ChangeRecord
from extranet.tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db


def test_a_new_mandate_gets_a_unique_rum_that_never_contains_the_iban(django_capture_on_commit_callbacks):
    family = direct_debit_family()
    with django_capture_on_commit_callbacks(execute=True):
        outcome = mandates.set_up_mandate(
            family=family, holder_name="Claire Martin", iban=IBAN_FR, actor=None
        )

    mandate = outcome.mandate
    assert outcome.created
    assert mandate.reference.startswith("TUTTI-")
    assert len(mandate.reference) <= 35
    assert "30006" not in mandate.reference and "189" not in mandate.reference[-3:]
    assert mandate.details.state == MandateDetails.State.AWAITING_SIGNATURE
    assert mandate.bic == "AGRIFRPPXXX"
    assert len(mail.outbox) == 1
    assert mandate.reference in mail.outbox[0].body
    assert IBAN_FR not in mail.outbox[0].body
    assert "FR76 •••• •••• •••• •••• •••• 189" in mail.outbox[0].body


def test_the_iban_columns_in_the_database_do_not_hold_the_plain_iban():
    family = direct_debit_family()
    mandate = mandates.set_up_mandate(
        family=family, holder_name="Claire Martin", iban=IBAN_FR, actor=None
    ).mandate

    with connection.cursor() as cursor:
        cursor.execute("SELECT iban FROM billing_mandate WHERE id = %s", [mandate.pk])
        (masked,) = cursor.fetchone()
        cursor.execute(
            "SELECT iban_encrypted, iban_fingerprint FROM billing_mandatedetails WHERE mandate_id = %s",
            [mandate.pk],
        )
        encrypted, fingerprint = cursor.fetchone()

    for stored in (masked, encrypted, fingerprint):
        assert IBAN_FR not in stored
        assert "30006000011234567890" not in stored
    assert crypto.decrypt(encrypted) == IBAN_FR


def test_a_bad_iban_is_refused_before_anything_is_written():
    family = direct_debit_family()

    with pytest.raises(PaymentError) as refused:
        mandates.set_up_mandate(
            family=family, holder_name="Claire Martin", iban="FR7630006000011234567890188", actor=None
        )

    assert refused.value.field == "iban"
    assert not Mandate.objects.filter(family=family).exists()


def test_an_iban_whose_bank_is_unknown_asks_for_the_bic():
    family = direct_debit_family()

    with pytest.raises(PaymentError) as refused:
        mandates.set_up_mandate(family=family, holder_name="J. Smith", iban=IBAN_GB, actor=None)

    assert refused.value.field == "bic"
    outcome = mandates.set_up_mandate(
        family=family, holder_name="J. Smith", iban=IBAN_GB, bic="NWBKGB2L", actor=None
    )
    assert outcome.mandate.bic == "NWBKGB2L"


def test_a_new_account_makes_a_new_mandate_and_replaces_the_old_one():
    family = direct_debit_family()
    old = mandate_in_force(family)

    outcome = mandates.set_up_mandate(family=family, holder_name="Claire MARTIN", iban=IBAN_DE, actor=None)

    old.refresh_from_db()
    old.details.refresh_from_db()
    assert outcome.created
    assert outcome.mandate.reference != old.reference
    assert old.revoked_on is not None
    assert old.details.state == MandateDetails.State.REPLACED
    assert outcome.mandate.details.replaces == old
    assert outcome.mandate.details.state == MandateDetails.State.AWAITING_SIGNATURE


def test_a_new_holder_on_the_same_account_amends_the_mandate_in_force():
    family = direct_debit_family()
    mandate = mandate_in_force(family)
    actor = StaffUserFactory()

    outcome = mandates.set_up_mandate(family=family, holder_name="Claire DUPONT", iban=IBAN_FR, actor=actor)

    assert outcome.amended and not outcome.created
    assert outcome.mandate.pk == mandate.pk
    assert outcome.mandate.details.state == MandateDetails.State.ACTIVE
    change = ChangeRecord.objects.get(object_id=mandate.pk, field="holder_name")
    assert (change.old_value, change.new_value, change.actor) == ("Claire MARTIN", "Claire DUPONT", actor)


def test_entering_the_same_account_again_changes_nothing():
    family = direct_debit_family()
    mandate = mandate_in_force(family)

    outcome = mandates.set_up_mandate(
        family=family, holder_name="Claire MARTIN", iban=IBAN_FR.lower(), actor=None
    )

    assert outcome.mandate.pk == mandate.pk
    assert not (outcome.created or outcome.amended)


def test_revoking_stops_the_mandate_and_tells_the_family(django_capture_on_commit_callbacks):
    family = direct_debit_family()
    mandate = mandate_in_force(family)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        mandates.revoke_mandate(mandate=mandate, actor=None, reason="Révoqué par la famille")

    mandate.refresh_from_db()
    assert mandate.revoked_on is not None
    assert mandate.details.state == MandateDetails.State.REVOKED
    assert "révoqué" in mail.outbox[0].subject
    with pytest.raises(PaymentError):
        mandates.revoke_mandate(mandate=mandate, actor=None)


def test_validating_the_signed_mandate_in_documents_activates_it(django_capture_on_commit_callbacks):
    family = direct_debit_family()
    mandate = mandates.set_up_mandate(
        family=family, holder_name="Claire Martin", iban=IBAN_FR, actor=None
    ).mandate
    document = DocumentFactory(
        family=family, document_type=DocumentType.objects.get(code="mandat-prelevement")
    )
    secretary = StaffUserFactory()

    with django_capture_on_commit_callbacks(execute=True):
        validate_document(document=document, actor=secretary)

    mandate.details.refresh_from_db()
    assert mandate.details.state == MandateDetails.State.ACTIVE
    assert mandate.details.signed_document == document
    assert mandate.state_changes.last().actor == secretary
    assert "en vigueur" in mail.outbox[-1].subject


def test_validating_another_document_leaves_the_mandate_awaiting():
    family = direct_debit_family()
    mandate = mandates.set_up_mandate(
        family=family, holder_name="Claire Martin", iban=IBAN_FR, actor=None
    ).mandate
    document = DocumentFactory(family=family, document_type=DocumentType.objects.get(code="rib"))

    validate_document(document=document, actor=StaffUserFactory())

    mandate.details.refresh_from_db()
    assert mandate.details.state == MandateDetails.State.AWAITING_SIGNATURE


def test_a_staff_read_of_the_full_iban_needs_a_reason_and_is_recorded():
    mandate = mandate_in_force(direct_debit_family())
    secretary = StaffUserFactory()

    with pytest.raises(PaymentError):
        mandates.reveal_iban(mandate=mandate, actor=secretary, reason="vu")
    assert (
        mandates.reveal_iban(mandate=mandate, actor=secretary, reason="Appel de la banque, rejet AC01")
        == IBAN_FR
    )

    disclosure = IbanDisclosure.objects.get()
    assert (disclosure.actor, disclosure.reason) == (secretary, "Appel de la banque, rejet AC01")


def test_the_migration_encrypts_a_mandate_recorded_in_clear_before_paying_existed():
    from importlib import import_module

    from django.apps import apps

    from billing.tests.factories import MandateFactory

    old = MandateFactory(iban=IBAN_FR)
    import_module("billing.migrations.0006_encrypt_existing_ibans").encrypt_existing(apps, None)

    old.refresh_from_db()
    assert old.iban == "FR76••••••••••••••••••••189"
    assert old.details.state == MandateDetails.State.ACTIVE
    assert mandates.mandate_iban(old) == IBAN_FR
