"""The QF typed by the secretariat when validating a QF attestation, and the rule shown to families."""

import pytest
from django.urls import reverse

from documents.models import Document
from documents.services import DocumentError, validate_document
from documents.tests.factories import DocumentFactory, document_type
from extranet.base.models import ChangeRecord
from extranet.tests.factories import StaffUserFactory
from extranet.tests.portal import logged_in_family

pytestmark = pytest.mark.django_db


def test_validating_an_attestation_with_its_qf_sets_the_family_s_qf_and_records_who():
    document = DocumentFactory()
    staff = StaffUserFactory()

    validate_document(document=document, actor=staff, family_quotient=850)

    document.family.refresh_from_db()
    assert document.family.family_quotient == 850
    record = ChangeRecord.objects.get(field="family_quotient")
    assert (record.actor, record.new_value) == (staff, "850")


def test_a_qf_is_typed_only_on_a_qf_attestation():
    document = DocumentFactory(document_type=document_type("rib"))

    with pytest.raises(DocumentError, match="qu'en validant une attestation de quotient familial"):
        validate_document(document=document, actor=StaffUserFactory(), family_quotient=850)
    document.refresh_from_db()
    assert document.state == Document.State.SUBMITTED


def test_the_admin_validates_with_the_typed_qf_and_refuses_a_wrong_one(admin_client):
    document = DocumentFactory()
    url = reverse("admin:documents_document_validate", args=[document.pk])

    admin_client.post(url, {"family_quotient": "douze"})
    document.refresh_from_db()
    assert document.state == Document.State.SUBMITTED

    admin_client.post(url, {"family_quotient": "620"})
    document.refresh_from_db()
    document.family.refresh_from_db()
    assert document.state == Document.State.VALIDATED
    assert document.family.family_quotient == 620


def test_the_family_documents_page_says_the_highest_bracket_applies_and_why(client):
    family, _guardian = logged_in_family(client)
    DocumentFactory(family=family)

    page = client.get(reverse("documents:family")).content.decode()

    assert "attend sa vérification par le secrétariat" in page
    assert "la tranche la plus haute du tarif s'applique" in page
