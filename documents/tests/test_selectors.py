"""Which documents a family and each pupil must hand in (requirement and validity rules)."""

import datetime

import pytest
from django.utils import timezone

from documents.models import Document, DocumentType
from documents.selectors import (
    family_missing,
    family_overview,
    missing_required_types,
    student_overview,
    todo_items,
)
from documents.tests.factories import DocumentFactory, document_type, image_document, seasons_for_today
from extranet.base import sitewide
from extranet.tests.factories import payment_means
from families.tests.factories import FamilyFactory
from students.models import Enrolment
from students.tests.factories import CourseFactory, DisciplineFactory, EnrolmentFactory, StudentFactory

pytestmark = pytest.mark.django_db


def codes(types) -> set[str]:
    return {t.code for t in types}


def dance_course(season):
    return CourseFactory(
        season=season, discipline=DisciplineFactory(name="Danse classique", slug="danse", is_dance=True)
    )


def test_a_family_paying_by_cheque_has_no_rib_nor_mandate_to_hand_in():
    family = FamilyFactory(payment_means=payment_means("cheque"))
    overview = family_overview(family)
    assert missing_required_types(family=family) == []
    assert "rib" not in codes(overview.upload_types)
    assert "mandat-prelevement" not in codes(overview.upload_types)


def test_a_family_paying_by_direct_debit_must_hand_in_rib_and_mandate():
    family = FamilyFactory(payment_means=payment_means("direct_debit"))
    assert codes(missing_required_types(family=family)) == {"rib", "mandat-prelevement"}


def test_a_submitted_or_validated_document_counts_as_handed_in_but_a_refused_one_does_not():
    family = FamilyFactory(payment_means=payment_means("direct_debit"))
    DocumentFactory(family=family, document_type=document_type("rib"), state=Document.State.SUBMITTED)
    DocumentFactory(
        family=family, document_type=document_type("mandat-prelevement"), state=Document.State.REFUSED
    )
    assert codes(missing_required_types(family=family)) == {"mandat-prelevement"}
    DocumentFactory(
        family=family, document_type=document_type("mandat-prelevement"), state=Document.State.VALIDATED
    )
    assert missing_required_types(family=family) == []


def test_the_qf_attestation_is_listed_to_hand_in_with_the_tariff_note_but_never_blocks():
    family = FamilyFactory()
    overview = family_overview(family)
    row = next(r for r in overview.rows if r.document_type.code == "quotient-familial")
    assert row.document is None
    assert row.state_label == "À fournir"
    assert row.note == "Facultatif : sans ce document, le tarif maximal est appliqué."
    assert row.blocking is False
    assert missing_required_types(family=family) == []


def test_an_optional_document_can_be_handed_in_but_is_never_listed_as_missing():
    family = FamilyFactory()
    overview = family_overview(family)
    assert "modalite-paiement" in codes(overview.upload_types)
    assert "modalite-paiement" not in {r.document_type.code for r in overview.rows}
    DocumentFactory(family=family, document_type=document_type("modalite-paiement"))
    rows = family_overview(family).rows
    assert [r.state_label for r in rows if r.document_type.code == "modalite-paiement"] == ["Fourni"]


def test_every_pupil_must_hand_in_an_id_photo():
    student = StudentFactory()
    assert codes(missing_required_types(family=student.family, student=student)) == {"photo-identite"}
    image_document(family=student.family, student=student)
    assert missing_required_types(family=student.family, student=student) == []


def test_a_pupil_without_dance_has_no_medical_certificate_to_hand_in():
    student = StudentFactory()
    EnrolmentFactory(student=student)
    overview = student_overview(student)
    assert "certificat-medical-danse" not in codes(overview.upload_types)
    assert "certificat-medical-danse" not in codes(overview.missing)


def test_a_pupil_enrolled_in_dance_this_season_needs_the_medical_certificate():
    current, _ = seasons_for_today()
    student = StudentFactory()
    EnrolmentFactory(student=student, course=dance_course(current))
    assert "certificat-medical-danse" in codes(missing_required_types(family=student.family, student=student))


def test_a_stopped_dance_enrolment_does_not_require_the_certificate():
    current, _ = seasons_for_today()
    student = StudentFactory()
    EnrolmentFactory(student=student, course=dance_course(current), status=Enrolment.Status.STOPPED)
    assert "certificat-medical-danse" not in codes(
        missing_required_types(family=student.family, student=student)
    )


def test_a_pupil_choosing_dance_for_next_season_needs_the_medical_certificate():
    from reenrolment.models import Reenrolment, ReenrolmentChoice, ReenrolmentWindow

    current, following = seasons_for_today()
    student = StudentFactory()
    now = timezone.now()
    window = ReenrolmentWindow.objects.create(
        site=student.family.site,
        season=following,
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=10),
    )
    dossier = Reenrolment.objects.create(student=student, window=window, state=Reenrolment.State.SUBMITTED)
    ReenrolmentChoice.objects.create(reenrolment=dossier, course=dance_course(following), kind="wish")
    assert "certificat-medical-danse" in codes(missing_required_types(family=student.family, student=student))

    dossier.state = Reenrolment.State.WITHDRAWN
    dossier.save()
    assert "certificat-medical-danse" not in codes(
        missing_required_types(family=student.family, student=student)
    )


def test_a_certificate_dated_before_1_july_of_the_coming_season_no_longer_counts():
    current, following = seasons_for_today()
    student = StudentFactory()
    EnrolmentFactory(student=student, course=dance_course(current))
    certificate = document_type("certificat-medical-danse")
    old = DocumentFactory(
        family=student.family,
        student=student,
        document_type=certificate,
        state=Document.State.VALIDATED,
        document_date=datetime.date(following.starts_on.year, 6, 30),
    )
    overview = student_overview(student)
    assert "certificat-medical-danse" in codes(overview.missing)
    states = [(r.document_type.code, r.state) for r in overview.rows]
    assert ("certificat-medical-danse", "validated") in states and (
        "certificat-medical-danse",
        "missing",
    ) in states
    missing_row = next(r for r in overview.rows if r.state == "missing" and r.document_type == certificate)
    assert missing_row.note == f"Daté du 1er juillet {following.starts_on.year} ou après."

    old.document_date = datetime.date(following.starts_on.year, 7, 1)
    old.save()
    assert "certificat-medical-danse" not in codes(
        missing_required_types(family=student.family, student=student)
    )


def test_a_certificate_that_cannot_exist_yet_is_announced_but_does_not_block(settings):
    current, following = seasons_for_today()
    student = StudentFactory()
    EnrolmentFactory(student=student, course=dance_course(current))
    may = datetime.date(following.starts_on.year, 5, 15)
    overview = student_overview(student, today=may)
    row = next(r for r in overview.rows if r.document_type.code == "certificat-medical-danse")
    assert row.blocking is False
    assert row.note == f"À fournir à partir du 1er juillet {following.starts_on.year}."
    assert "certificat-medical-danse" not in codes(overview.missing)


def test_a_refused_document_shows_once_with_its_reason_and_still_counts_as_missing():
    student = StudentFactory()
    image_document(
        family=student.family, student=student, state=Document.State.REFUSED, refusal_reason="Photo floue."
    )
    overview = student_overview(student)
    photo_rows = [r for r in overview.rows if r.document_type.code == "photo-identite"]
    assert [(r.state_label, r.document.refusal_reason) for r in photo_rows] == [("Refusé", "Photo floue.")]
    assert codes(overview.missing) == {"photo-identite"}


def test_replaced_documents_leave_the_table_for_the_history():
    family = FamilyFactory()
    old = DocumentFactory(family=family, state=Document.State.REPLACED)
    new = DocumentFactory(family=family)
    overview = family_overview(family)
    assert [r.document for r in overview.rows if r.document] == [new]
    assert overview.replaced == [old]


def test_a_document_of_a_retired_type_stays_visible():
    family = FamilyFactory()
    retired = DocumentType.objects.create(
        code="ancien", name="Ancien formulaire", scope="family", requirement="always", is_active=False
    )
    DocumentFactory(family=family, document_type=retired)
    overview = family_overview(family)
    assert "ancien" in {r.document_type.code for r in overview.rows}
    assert "ancien" not in codes(overview.upload_types)
    assert "ancien" not in codes(overview.missing)


def test_family_documents_and_pupil_documents_stay_apart():
    student = StudentFactory()
    image_document(family=student.family, student=student)
    assert [r.document for r in family_overview(student.family).rows if r.document] == []
    assert len([r.document for r in student_overview(student).rows if r.document]) == 1


def test_todo_items_list_each_missing_document_with_a_link_to_import_it():
    family = FamilyFactory(payment_means=payment_means("direct_debit"))
    léa = StudentFactory(family=family, first_name="Léa")
    StudentFactory(family=family, first_name="Tom")
    image_document(family=family, student=léa)
    items = todo_items(family)
    texts = [item.text for item in items]
    assert "Document à fournir : RIB" in texts
    assert "Document à fournir : Mandat de prélèvement" in texts
    assert any(t.startswith("Document à fournir pour Tom") and t.endswith("Photo d'identité") for t in texts)
    assert not any("Léa" in t for t in texts)
    rib = next(item for item in items if item.text.endswith("RIB"))
    assert rib.url == f"/famille/documents/?type={document_type('rib').pk}#importer"


def test_todo_items_cost_the_same_queries_for_one_pupil_or_five(django_assert_num_queries):
    family = FamilyFactory()
    StudentFactory(family=family)
    # Types, pupils, documents; the seasons only when a pupil dances (the certificate's date rule).
    with django_assert_num_queries(3):
        todo_items(family)
    # The types, the same for every family, are then kept a few seconds (extranet/base/sitewide.py).
    with django_assert_num_queries(2):
        todo_items(family)
    for _ in range(4):
        student = StudentFactory(family=family)
        image_document(family=family, student=student)
    sitewide.forget()
    with django_assert_num_queries(3):
        assert len(family_missing(family).students) == 5
