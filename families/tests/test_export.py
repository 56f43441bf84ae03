"""Télécharger mes données: the family's whole file as JSON, and nothing of other families."""

import json

import pytest
from django.urls import reverse

from billing.tests.factories import InstalmentFactory, InvoiceFactory, MandateFactory, PaymentFactory
from documents.tests.factories import DocumentFactory
from extranet.tests.portal import logged_in_family, seasons
from families.tests.factories import FamilyFactory, guardian_of
from reenrolment.tests.factories import ReenrolmentFactory, WindowFactory
from students.tests.factories import (
    EnrolmentFactory,
    RepertoireEntryFactory,
    SchoolRecordFactory,
    StudentFactory,
)

pytestmark = pytest.mark.django_db


def download(client):
    response = client.get(reverse("family_data_export"))
    assert response.status_code == 200
    return response, json.loads(response.content.decode("utf-8"))


def test_the_download_is_a_json_attachment_not_cached(client):
    logged_in_family(client)

    response, _data = download(client)

    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="tutti-famille-')
    assert "no-store" in response["Cache-Control"]


def test_it_holds_the_family_guardians_pupils_and_their_school_life(client):
    current, coming = seasons()
    family, guardian = logged_in_family(client)
    guardian_of(family, first_name="Paul")
    student = StudentFactory(family=family, first_name="Léa")
    SchoolRecordFactory(student=student, season=coming, school_name="Collège Paul Bert")
    EnrolmentFactory(student=student)
    RepertoireEntryFactory(student=student, work="Sonatine")

    _response, data = download(client)

    assert data["family"]["name"] == family.name
    assert data["family"]["billing_mode"] == "En 1 fois – paiement en octobre"
    assert {g["first_name"] for g in data["guardians"]} == {"Claire", "Paul"}
    assert data["requester"]["identifier"] == guardian.user.identifier
    assert "password" not in json.dumps(data)
    (pupil,) = data["students"]
    assert pupil["first_name"] == "Léa"
    assert pupil["schooling"] == [{"season": "2026/2027", "school": "Collège Paul Bert", "level": ""}]
    assert pupil["enrolments"][0]["season"] == "2025/2026"
    assert pupil["repertoire"][0]["work"] == "Sonatine"


def test_it_holds_documents_dossiers_invoices_and_the_change_history(client):
    seasons()
    family, guardian = logged_in_family(client)
    student = StudentFactory(family=family)
    DocumentFactory(family=family, original_name="qf.pdf")
    ReenrolmentFactory(
        student=student, window=WindowFactory(site=family.site), information="Continuer le piano"
    )
    invoice = InvoiceFactory(family=family, number="F2025-00042")
    PaymentFactory(instalment=InstalmentFactory(invoice=invoice, rank=1))
    MandateFactory(family=family)
    client.post(
        reverse("family:detail"),
        {
            "guardian-version": 1,
            "guardian-civility": guardian.civility_id,
            "guardian-last_name": guardian.last_name,
            "guardian-first_name": "Claire",
            "guardian-address": guardian.address,
            "guardian-postal_code": "92240",
            "guardian-city": "Vanves",
            "guardian-email": guardian.email,
            "guardian-mobile": guardian.mobile,
            "family-version": 1,
            "family-billing_mode": 1,
            "family-payment_means": family.payment_means_id,
        },
    )

    _response, data = download(client)

    assert data["documents"][0]["file_name"] == "qf.pdf"
    assert "file" not in data["documents"][0]
    assert data["reenrolments"][0]["information"] == "Continuer le piano"
    assert data["invoices"][0]["number"] == "F2025-00042"
    assert data["invoices"][0]["instalments"][0]["payments"][0]["amount"] == "150.00"
    assert data["sepa_mandates"][0]["iban"] == "FR76 **** 0189"
    assert {"field": "Ville", "before": "Malakoff", "after": "Vanves"}.items() <= data["changes"][0].items()


def test_nothing_of_another_family_is_included(client):
    seasons()
    logged_in_family(client)
    other = FamilyFactory(name="VOISIN")
    guardian_of(other, first_name="Voisine")
    StudentFactory(family=other, first_name="Enfant du voisin")
    DocumentFactory(family=other, original_name="voisin.pdf")
    InvoiceFactory(family=other, number="F2025-09999")

    response, _data = download(client)

    content = response.content.decode()
    for secret in ("VOISIN", "Voisine", "Enfant du voisin", "voisin.pdf", "F2025-09999"):
        assert secret not in content
