"""Handing in, replacing, validating and refusing documents (documents.services)."""

import datetime
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.utils import timezone

from documents.models import Document, DocumentStateChange
from documents.services import DocumentError, refuse_document, upload_document, validate_document
from documents.tests.factories import (
    DocumentFactory,
    document_type,
    elf_bytes,
    pdf_bytes,
    png_bytes,
    seasons_for_today,
    upload,
)
from extranet.tests.factories import StaffUserFactory, payment_means
from families.tests.factories import FamilyFactory, guardian_of
from students.tests.factories import CourseFactory, DisciplineFactory, EnrolmentFactory, StudentFactory

pytestmark = pytest.mark.django_db


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def family():
    return FamilyFactory(payment_means=payment_means("direct_debit"))


@pytest.fixture
def guardian(family):
    return guardian_of(family, email="claire@example.fr")


@pytest.fixture
def completeness_calls(monkeypatch):
    calls = []
    monkeypatch.setattr("reenrolment.services.refresh_completeness", lambda **kwargs: calls.append(kwargs))
    return calls


def hand_in(family, guardian, code="rib", name="rib.pdf", content=None, **kwargs):
    return upload_document(
        family=family,
        document_type=document_type(code),
        uploaded_file=upload(name, content if content is not None else pdf_bytes()),
        actor=guardian.user,
        guardian=guardian,
        **kwargs,
    )


def test_an_upload_is_stored_under_a_generated_name_with_its_fingerprint_and_history(
    family, guardian, settings
):
    document = hand_in(family, guardian, name="Mon RIB (banque).pdf")
    assert document.state == Document.State.SUBMITTED
    assert document.original_name == "Mon RIB (banque).pdf"
    assert "RIB" not in document.file.name and document.file.name.endswith(".pdf")
    assert len(Path(document.file.name).stem) == 32
    assert default_storage.exists(document.file.name)
    assert document.uploaded_by == guardian.user
    assert len(document.sha256) == 64
    assert list(document.history.values_list("old_state", "new_state")) == [("", "submitted")]
    assert stored_files(settings) == [Path(settings.MEDIA_ROOT) / document.file.name]


def test_each_upload_is_acknowledged_by_email_to_the_guardian_who_uploaded(
    family, guardian, django_capture_on_commit_callbacks
):
    guardian_of(family, email="autre@example.fr")
    with django_capture_on_commit_callbacks(execute=True):
        document = hand_in(family, guardian, name="rib.pdf")
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["claire@example.fr"]
    assert email.subject == "Accusé de réception : RIB"
    local = timezone.localtime(document.uploaded_at)
    assert f"Date : {local:%d/%m/%Y}" in email.body
    assert f"Heure : {local:%H:%M}" in email.body
    assert "Document : RIB" in email.body
    assert "Nom du fichier : rib.pdf" in email.body


def test_a_new_upload_replaces_an_unchecked_or_refused_file_which_stays_in_the_history(family, guardian):
    unchecked = DocumentFactory(family=family, document_type=document_type("rib"))
    refused = DocumentFactory(family=family, document_type=document_type("rib"), state=Document.State.REFUSED)
    new = hand_in(family, guardian)
    unchecked.refresh_from_db()
    refused.refresh_from_db()
    assert unchecked.state == refused.state == Document.State.REPLACED
    assert default_storage.exists(unchecked.file.name) and default_storage.exists(refused.file.name)
    assert new.replaces in (unchecked, refused)
    change = unchecked.history.last()
    assert (change.old_state, change.new_state, change.actor) == ("submitted", "replaced", guardian.user)
    assert change.reason == "Remplacé par « rib.pdf »."


def test_a_validated_document_is_kept_when_a_new_one_is_handed_in(family, guardian):
    staff = StaffUserFactory()
    validated = DocumentFactory(
        family=family, document_type=document_type("rib"), state=Document.State.VALIDATED
    )
    new = hand_in(family, guardian)
    validated.refresh_from_db()
    assert validated.state == Document.State.VALIDATED
    assert new.state == Document.State.SUBMITTED

    validate_document(document=new, actor=staff)
    validated.refresh_from_db()
    assert validated.state == Document.State.REPLACED
    assert validated.history.last().reason.startswith("Remplacé par « rib.pdf », validé le")


def test_refusing_the_newer_file_leaves_the_validated_one_in_force(family, guardian):
    validated = DocumentFactory(
        family=family, document_type=document_type("rib"), state=Document.State.VALIDATED
    )
    new = hand_in(family, guardian)
    refuse_document(document=new, actor=StaffUserFactory(), reason="Ce n'est pas un RIB.")
    validated.refresh_from_db()
    assert validated.state == Document.State.VALIDATED


def test_validation_records_who_and_when(family):
    staff = StaffUserFactory()
    document = DocumentFactory(family=family)
    validate_document(document=document, actor=staff)
    document.refresh_from_db()
    assert document.state == Document.State.VALIDATED
    assert document.checked_by == staff and document.checked_at is not None
    assert document.history.last().actor == staff


def test_only_a_submitted_document_can_be_validated_or_refused(family):
    document = DocumentFactory(family=family, state=Document.State.VALIDATED)
    with pytest.raises(DocumentError, match="seul un document « Fourni » peut être validé ou refusé"):
        validate_document(document=document, actor=StaffUserFactory())
    with pytest.raises(DocumentError):
        refuse_document(document=document, actor=StaffUserFactory(), reason="Non")


def test_refusing_needs_a_reason(family):
    document = DocumentFactory(family=family)
    with pytest.raises(DocumentError) as caught:
        refuse_document(document=document, actor=StaffUserFactory(), reason="   ")
    assert caught.value.field == "reason"
    document.refresh_from_db()
    assert document.state == Document.State.SUBMITTED


def test_refusing_emails_every_guardian_of_the_family_the_reason_and_what_to_do(
    family, django_capture_on_commit_callbacks
):
    guardian_of(family, email="mere@example.fr")
    guardian_of(family, email="pere@example.fr")
    student = StudentFactory(family=family, first_name="Léa")
    document = DocumentFactory(family=family, student=student, document_type=document_type("photo-identite"))
    with django_capture_on_commit_callbacks(execute=True):
        refuse_document(document=document, actor=StaffUserFactory(), reason="La photo est floue.")
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert sorted(email.to) == ["mere@example.fr", "pere@example.fr"]
    assert email.subject == "Document refusé : Photo d'identité"
    assert "La photo est floue." in email.body
    assert "importez un nouveau document" in email.body
    assert f"/eleves/{student.pk}/documents/" in email.body
    change = DocumentStateChange.objects.filter(document=document).last()
    assert (change.old_state, change.new_state, change.reason) == (
        "submitted",
        "refused",
        "La photo est floue.",
    )


def test_a_type_the_family_does_not_need_is_refused(guardian):
    family = guardian.families.get()
    family.payment_means = payment_means("cheque")
    family.save()
    with pytest.raises(DocumentError) as caught:
        hand_in(family, guardian, code="rib")
    assert caught.value.field == "document_type"
    assert "qu'aux familles qui paient par prélèvement" in caught.value.message


def test_a_pupil_document_type_cannot_be_handed_in_for_the_family(family, guardian):
    with pytest.raises(DocumentError) as caught:
        hand_in(family, guardian, code="photo-identite", content=png_bytes())
    assert caught.value.field == "document_type"


def test_a_pupil_of_another_family_is_refused(family, guardian, settings):
    other = StudentFactory()
    with pytest.raises(DocumentError):
        hand_in(family, guardian, code="photo-identite", content=png_bytes(), student=other)
    assert Document.objects.count() == 0
    assert stored_files(settings) == []


def test_a_refused_file_stores_nothing_and_keeps_the_previous_document(family, guardian, settings):
    previous = DocumentFactory(family=family, document_type=document_type("rib"))
    files_before = stored_files(settings)
    with pytest.raises(DocumentError) as caught:
        hand_in(family, guardian, content=elf_bytes())
    assert caught.value.field == "file"
    previous.refresh_from_db()
    assert previous.state == Document.State.SUBMITTED
    assert Document.objects.count() == 1
    assert stored_files(settings) == files_before


def test_the_family_quota_is_enforced(family, guardian, settings):
    settings.DOCUMENT_FAMILY_QUOTA_BYTES = 2000
    DocumentFactory(family=family, content=pdf_bytes() + b"%" * 1500)
    with pytest.raises(DocumentError) as caught:
        hand_in(family, guardian)
    assert caught.value.field == "file"
    assert "a atteint la place réservée à ses documents" in caught.value.message
    assert Document.objects.count() == 1


def test_a_failure_after_the_file_is_written_removes_it_and_changes_nothing(
    family, guardian, settings, monkeypatch
):
    StudentFactory(family=family)
    previous = DocumentFactory(family=family, document_type=document_type("rib"))
    files_before = stored_files(settings)

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("reenrolment.services.refresh_completeness", broken)
    with pytest.raises(RuntimeError):
        hand_in(family, guardian)
    previous.refresh_from_db()
    assert previous.state == Document.State.SUBMITTED
    assert Document.objects.count() == 1
    assert stored_files(settings) == files_before


def test_completeness_is_refreshed_for_the_pupil_after_each_change(family, guardian, completeness_calls):
    student = StudentFactory(family=family)
    document = hand_in(family, guardian, code="photo-identite", content=png_bytes(), student=student)
    assert [call["student"] for call in completeness_calls] == [student]
    assert completeness_calls[0]["at"] == document.uploaded_at
    validate_document(document=document, actor=StaffUserFactory())
    refuse_document(
        document=hand_in(family, guardian, code="photo-identite", content=png_bytes(), student=student),
        actor=StaffUserFactory(),
        reason="Floue",
    )
    assert [call["student"] for call in completeness_calls] == [student] * 4


def test_a_family_document_refreshes_every_pupil_of_the_family(family, guardian, completeness_calls):
    first, second = StudentFactory(family=family), StudentFactory(family=family)
    StudentFactory()  # another family's pupil
    hand_in(family, guardian)
    assert {call["student"] for call in completeness_calls} == {first, second}


class TestMedicalCertificateDate:
    @pytest.fixture
    def dancer(self, family):
        current, following = seasons_for_today()
        student = StudentFactory(family=family)
        course = CourseFactory(
            season=current, discipline=DisciplineFactory(slug="danse", name="Danse", is_dance=True)
        )
        EnrolmentFactory(student=student, course=course)
        return student, following

    def hand_in_certificate(self, family, guardian, student, date, today=None):
        return hand_in(
            family,
            guardian,
            code="certificat-medical-danse",
            student=student,
            document_date=date,
            today=today,
        )

    def test_a_certificate_dated_from_1_july_is_accepted_and_its_date_kept(self, family, guardian, dancer):
        student, following = dancer
        july_first = datetime.date(following.starts_on.year, 7, 1)
        document = self.hand_in_certificate(family, guardian, student, july_first, today=july_first)
        assert document.document_date == july_first

    def test_an_earlier_certificate_is_refused_with_the_date_it_must_bear(self, family, guardian, dancer):
        student, following = dancer
        year = following.starts_on.year
        with pytest.raises(DocumentError) as caught:
            self.hand_in_certificate(family, guardian, student, datetime.date(year, 6, 30))
        assert caught.value.field == "document_date"
        assert caught.value.message == (
            f"« Certificat médical (danse) » doit être daté du 1er juillet {year} ou après : celui du "
            f"30 juin {year} n'est plus valable pour la saison {following.label}. Demandez un document plus récent."
        )
        assert Document.objects.count() == 0

    def test_a_certificate_dated_in_the_future_is_refused(self, family, guardian, dancer):
        student, _ = dancer
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        with pytest.raises(DocumentError, match="ne peut pas être après aujourd'hui"):
            self.hand_in_certificate(family, guardian, student, tomorrow)

    def test_a_certificate_without_its_date_is_refused(self, family, guardian, dancer):
        student, _ = dancer
        with pytest.raises(DocumentError, match="Indiquez la date écrite sur le document"):
            self.hand_in_certificate(family, guardian, student, None)

    def test_a_pupil_who_does_not_dance_cannot_hand_in_the_certificate(self, family, guardian):
        student = StudentFactory(family=family)
        with pytest.raises(DocumentError, match="que pour les élèves inscrits en danse"):
            self.hand_in_certificate(family, guardian, student, timezone.localdate())
