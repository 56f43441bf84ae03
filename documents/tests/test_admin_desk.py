"""Enregistrer un document reçu au secrétariat: paper scanned at the desk, or a file sent by email."""

import datetime
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from documents.models import Document
from documents.tests.factories import (
    DocumentFactory,
    document_type,
    elf_bytes,
    pdf_bytes,
    png_bytes,
    seasons_for_today,
    upload,
)
from extranet.base.models import OutboundEmail
from extranet.shell.management.commands.setup_secretariat_group import setup_secretariat_group
from extranet.tests.factories import StaffUserFactory, payment_means
from extranet.tests.portal import log_in
from families.tests.factories import FamilyFactory, guardian_of
from students.tests.factories import CourseFactory, DisciplineFactory, EnrolmentFactory, StudentFactory

pytestmark = pytest.mark.django_db

DESK = reverse("admin:documents_document_desk")
QUEUE = reverse("admin:documents_document_changelist")


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def change_page(document: Document) -> str:
    return reverse("admin:documents_document_change", args=[document.pk])


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def family():
    return FamilyFactory(name="DUBOIS", payment_means=payment_means("direct_debit"))


@pytest.fixture
def guardians(family):
    return [guardian_of(family, email="claire@example.fr"), guardian_of(family, email="marc@example.fr")]


@pytest.fixture
def dancer(family):
    """A pupil of the family enrolled in dance next season (the medical certificate applies)."""
    _current, following = seasons_for_today()
    student = StudentFactory(family=family)
    dance = DisciplineFactory(slug="danse", name="Danse", is_dance=True)
    EnrolmentFactory(student=student, course=CourseFactory(season=following, discipline=dance))
    return student, following


@pytest.fixture
def secretary(client):
    """A member of the Secrétariat group, as set up by ``setup_secretariat_group``."""
    group, _count = setup_secretariat_group()
    user = StaffUserFactory(email="accueil@conservatoire.example.fr")
    user.groups.add(group)
    client.force_login(user)
    return user


def post_desk(client, family, code="quotient-familial", *, name="attestation-caf.pdf", content=None, **data):
    payload = {
        "family": family.pk,
        "document_type": document_type(code).pk,
        "file": upload(name, content if content is not None else pdf_bytes()),
        **data,
    }
    return client.post(DESK, {key: value for key, value in payload.items() if value is not None})


def assert_refused(response, settings, field: str, message: str) -> None:
    """The form comes back (400) with ``message`` on ``field``; nothing is stored or sent."""
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert any(message in error for error in errors[field]), errors
    assert escape(message) in response.content.decode()
    assert "Rien n'a été enregistré" in response.content.decode()
    assert Document.objects.count() == 0
    assert stored_files(settings) == []
    assert OutboundEmail.objects.count() == 0


class TestTheButtonAndTheForm:
    def test_the_queue_offers_to_record_a_document_received(self, client, secretary):
        page = client.get(QUEUE).content.decode()
        assert "Ajouter un document reçu" in page
        assert f'href="{DESK}"' in page

    def test_from_one_familys_documents_the_button_records_for_that_family(self, client, secretary, family):
        page = client.get(QUEUE, {"family": family.pk}).content.decode()
        assert f'href="{DESK}?family={family.pk}"' in page
        form_page = client.get(DESK, {"family": family.pk}).content.decode()
        assert f'<option value="{family.pk}" selected>DUBOIS</option>' in form_page

    def test_the_form_asks_for_family_pupil_type_date_file_and_direct_validation(self, client, secretary):
        response = client.get(DESK)
        assert response.status_code == 200
        page = response.content.decode()
        assert "Enregistrer un document reçu au secrétariat" in page
        assert 'enctype="multipart/form-data"' in page
        for name in ("family", "student", "document_type", "document_date", "file", "validate"):
            assert f'name="{name}"' in page
        assert "Valider directement" in page
        # Family and pupil are searched through the admin's autocomplete.
        assert 'data-field-name="family"' in page and 'data-field-name="student"' in page
        assert 'class="admin-autocomplete' in page
        # Active types only, grouped by whom they concern; the date is asked for the dated ones.
        groups = dict(response.context["form"].fields["document_type"].choices[1:])
        assert [name for _pk, name in groups["Documents de la famille"]] == [
            "Attestation Quotient Familial",
            "Mandat de prélèvement",
            "RIB",
            "Formulaire de modalité de paiement",
        ]
        assert "Certificat médical (danse)" in [
            name for _pk, name in groups["Documents d'un élève (choisissez l'élève)"]
        ]
        assert '<optgroup label="Documents de la famille">' in page
        assert "seulement pour : Certificat médical (danse)" in page

    def test_the_autocomplete_finds_the_family_by_name(self, client, secretary, family):
        FamilyFactory(name="MARTIN")
        response = client.get(
            reverse("admin:autocomplete"),
            {"app_label": "documents", "model_name": "document", "field_name": "family", "term": "dub"},
        )
        assert response.status_code == 200
        assert response.json()["results"] == [{"id": str(family.pk), "text": "DUBOIS"}]

    def test_the_form_costs_a_fixed_number_of_queries(
        self, client, secretary, family, django_assert_num_queries
    ):
        StudentFactory.create_batch(3, family=family)
        client.get(DESK)  # the first page of a session also stamps the session
        # Session, user, its own and its groups' permissions, the active document types.
        with django_assert_num_queries(5):
            assert client.get(DESK).status_code == 200
        # Coming from one family's documents: that family, shown as already chosen.
        with django_assert_num_queries(6):
            assert client.get(DESK, {"family": family.pk}).status_code == 200


class TestRecording:
    def test_a_family_document_is_recorded_with_the_staff_member_as_actor(
        self, client, secretary, family, guardians, settings
    ):
        response = post_desk(client, family, name="attestation-caf.pdf")
        document = Document.objects.get()
        assert response.status_code == 302
        assert response["Location"] == change_page(document)
        assert (document.family, document.student, document.document_type.code) == (
            family,
            None,
            "quotient-familial",
        )
        assert (document.state, document.original_name, document.uploaded_by) == (
            Document.State.SUBMITTED,
            "attestation-caf.pdf",
            secretary,
        )
        assert stored_files(settings) == [Path(settings.MEDIA_ROOT) / document.file.name]
        assert list(document.history.values_list("old_state", "new_state", "actor")) == [
            ("", "submitted", secretary.pk)
        ]
        assert texts(response)[0] == (
            "« Attestation Quotient Familial » (fichier « attestation-caf.pdf ») est enregistré pour la "
            "famille DUBOIS ; il attend sa vérification dans la file des documents."
        )
        # The new document waits in the queue like a family upload.
        assert document.pk in [d.pk for d in client.get(QUEUE).context["cl"].result_list]

    def test_a_pupil_document_is_recorded_for_the_pupil(self, client, secretary, family, guardians):
        student = StudentFactory(family=family, first_name="Léa")
        response = post_desk(
            client, family, "formulaire-reinscription", name="fiche-lea.pdf", student=student.pk
        )
        document = Document.objects.get()
        assert response["Location"] == change_page(document)
        assert (document.family, document.student, document.state) == (family, student, "submitted")
        assert "pour Léa DUBOIS (famille DUBOIS)" in texts(response)[0]

    def test_the_family_gets_the_receipt_with_type_date_and_file_name(
        self, client, secretary, family, guardians, django_capture_on_commit_callbacks
    ):
        guardian_of(FamilyFactory(), email="voisin@example.fr")
        with django_capture_on_commit_callbacks(execute=True):
            response = post_desk(client, family, "rib", name="RIB DUBOIS.pdf")
        document = Document.objects.get()
        assert len(mail.outbox) == 1
        email = mail.outbox[0]
        assert sorted(email.to) == ["claire@example.fr", "marc@example.fr"]
        assert email.subject == "Document enregistré par le secrétariat : RIB"
        local = timezone.localtime(document.uploaded_at)
        assert "a enregistré pour vous le document que vous lui avez remis" in email.body
        assert "Document : RIB" in email.body
        assert "Nom du fichier : RIB DUBOIS.pdf" in email.body
        assert f"Date : {local:%d/%m/%Y}" in email.body
        assert "Le secrétariat va le vérifier." in email.body
        assert reverse("documents:family") in email.body
        assert "Accusé de réception envoyé à : claire@example.fr, marc@example.fr." in texts(response)

    def test_valider_directement_validates_it_with_both_steps_in_the_history(
        self, client, secretary, family, guardians, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = post_desk(client, family, "rib", name="rib.pdf", validate="on")
        document = Document.objects.get()
        assert response["Location"] == change_page(document)
        assert (document.state, document.checked_by) == (Document.State.VALIDATED, secretary)
        assert list(document.history.order_by("pk").values_list("old_state", "new_state", "actor")) == [
            ("", "submitted", secretary.pk),
            ("submitted", "validated", secretary.pk),
        ]
        assert texts(response)[0] == (
            "« RIB » (fichier « rib.pdf ») est enregistré et validé pour la famille DUBOIS."
        )
        assert "Le secrétariat l'a vérifié et validé" in mail.outbox[0].body
        assert "va le vérifier" not in mail.outbox[0].body

    def test_it_replaces_an_unchecked_upload_and_a_validated_one_once_validated(
        self, client, secretary, family, guardians
    ):
        unchecked = DocumentFactory(family=family, document_type=document_type("rib"))
        validated = DocumentFactory(
            family=family, document_type=document_type("rib"), state=Document.State.VALIDATED
        )
        post_desk(client, family, "rib", validate="on")
        new = Document.objects.latest("pk")
        unchecked.refresh_from_db()
        validated.refresh_from_db()
        assert (new.state, new.replaces) == (Document.State.VALIDATED, unchecked)
        assert unchecked.state == validated.state == Document.State.REPLACED

    def test_a_dated_document_needs_its_date_then_keeps_it(
        self, client, secretary, family, guardians, dancer
    ):
        student, _following = dancer
        response = post_desk(client, family, "certificat-medical-danse", student=student.pk)
        assert response.status_code == 400
        assert response.context["form"].errors["document_date"] == [
            "Indiquez la date écrite sur le document « Certificat médical (danse) »."
        ]
        assert Document.objects.count() == 0
        today = timezone.localdate()
        post_desk(
            client, family, "certificat-medical-danse", student=student.pk, document_date=today.isoformat()
        )
        assert Document.objects.get().document_date == today

    def test_a_png_scan_is_accepted_for_a_photo(self, client, secretary, family):
        student = StudentFactory(family=family)
        response = post_desk(
            client, family, "photo-identite", name="photo.png", content=png_bytes(), student=student.pk
        )
        assert response.status_code == 302
        assert Document.objects.get().content_type == "image/png"

    def test_a_family_without_an_email_address_is_recorded_with_a_warning(self, client, secretary, family):
        guardian_of(family, email="")
        response = post_desk(client, family)
        assert response.status_code == 302
        assert Document.objects.count() == 1
        assert OutboundEmail.objects.count() == 0
        assert (
            "Aucun responsable de cette famille n'a d'adresse e-mail : personne n'a reçu d'accusé de réception."
            in texts(response)
        )

    def test_a_failure_while_validating_keeps_nothing(self, client, secretary, family, settings, monkeypatch):
        def broken(**kwargs):
            raise RuntimeError("database went away")

        monkeypatch.setattr("documents.services.validate_document", broken)
        client.raise_request_exception = True
        with pytest.raises(RuntimeError):
            post_desk(client, family, "rib", validate="on")
        assert Document.objects.count() == 0
        assert stored_files(settings) == []
        assert OutboundEmail.objects.count() == 0


class TestRefusals:
    def test_a_pupil_of_another_family_is_refused_on_the_pupil_field(
        self, client, secretary, family, settings
    ):
        stranger = StudentFactory(family=FamilyFactory(name="MARTIN"), first_name="Tom")
        response = post_desk(client, family, "formulaire-reinscription", student=stranger.pk)
        assert_refused(response, settings, "student", "MARTIN Tom n'est pas un élève de la famille DUBOIS.")

    def test_a_pupil_document_without_a_pupil_is_refused_on_the_type(
        self, client, secretary, family, settings
    ):
        response = post_desk(client, family, "formulaire-reinscription")
        assert_refused(
            response,
            settings,
            "document_type",
            "« Formulaire de réinscription pédagogique » se fournit pour un élève : choisissez l'élève concerné.",
        )

    def test_a_family_document_for_a_pupil_is_refused_on_the_type(self, client, secretary, family, settings):
        student = StudentFactory(family=family)
        response = post_desk(client, family, "rib", student=student.pk)
        assert_refused(
            response,
            settings,
            "document_type",
            "« RIB » se fournit pour la famille, pas pour un élève : laissez l'élève vide.",
        )

    def test_a_type_the_family_does_not_need_is_refused(self, client, secretary, settings):
        by_cheque = FamilyFactory(payment_means=payment_means("cheque"))
        response = post_desk(client, by_cheque, "rib")
        assert_refused(
            response,
            settings,
            "document_type",
            "« RIB » n'est demandé qu'aux familles qui paient par prélèvement.",
        )

    def test_a_date_too_old_for_the_rule_is_refused_on_the_date(self, client, secretary, family, dancer):
        student, following = dancer
        too_old = datetime.date(following.starts_on.year, 6, 30)
        response = post_desk(
            client, family, "certificat-medical-danse", student=student.pk, document_date=too_old.isoformat()
        )
        assert response.status_code == 400
        assert "doit être daté du 1er juillet" in response.context["form"].errors["document_date"][0]
        assert Document.objects.count() == 0

    def test_a_renamed_executable_is_refused_on_the_file(self, client, secretary, family, settings):
        response = post_desk(client, family, name="attestation.pdf", content=elf_bytes())
        assert_refused(response, settings, "file", "Le fichier « attestation.pdf » est un programme.")

    def test_a_file_over_the_limit_is_refused_on_the_file(self, client, secretary, family, settings):
        settings.DOCUMENT_MAX_BYTES = 1024 * 1024
        response = post_desk(client, family, name="scan.pdf", content=pdf_bytes() + b"%" * (3 * 512 * 1024))
        assert_refused(
            response, settings, "file", "Le fichier « scan.pdf » pèse 1,5 Mo, au-delà de la limite de 1 Mo."
        )

    def test_the_family_quota_is_enforced(self, client, secretary, family, settings):
        settings.DOCUMENT_FAMILY_QUOTA_BYTES = 2000
        existing = DocumentFactory(family=family, content=pdf_bytes() + b"%" * 1500)
        files_before = stored_files(settings)
        response = post_desk(client, family)
        assert response.status_code == 400
        assert "a atteint la place réservée à ses documents" in response.context["form"].errors["file"][0]
        assert list(Document.objects.all()) == [existing]
        assert stored_files(settings) == files_before

    def test_a_refusal_keeps_what_was_chosen(self, client, secretary, family):
        student = StudentFactory(family=family, first_name="Léa")
        response = post_desk(
            client,
            family,
            "photo-identite",
            name="photo.pdf",
            content=pdf_bytes(),
            student=student.pk,
            validate="on",
        )
        assert response.status_code == 400
        assert (
            "Formats acceptés pour « Photo d'identité » : JPEG, PNG, HEIC"
            in (response.context["form"].errors["file"][0])
        )
        page = response.content.decode()
        assert f'<option value="{family.pk}" selected>DUBOIS</option>' in page
        assert f'<option value="{student.pk}" selected>DUBOIS Léa</option>' in page
        assert f'<option value="{document_type("photo-identite").pk}" selected>' in page
        assert re.search(r'<input type="checkbox" name="validate"[^>]* checked', page)

    def test_missing_fields_are_named(self, client, secretary):
        response = client.post(DESK, {})
        assert response.status_code == 400
        errors = response.context["form"].errors
        assert errors["family"] == ["Choisissez la famille qui a remis le document."]
        assert errors["document_type"] == ["Choisissez le type du document reçu."]
        assert errors["file"] == ["Choisissez le fichier (le scan du document ou la pièce jointe reçue)."]


class TestWhoMayRecord:
    def test_staff_without_the_add_permission_get_403_and_no_button(self, client, family):
        viewer = StaffUserFactory()
        viewer.user_permissions.add(
            *Permission.objects.filter(codename__in=["view_document", "change_document"])
        )
        client.force_login(viewer)
        assert client.get(DESK).status_code == 403
        assert post_desk(client, family).status_code == 403
        assert Document.objects.count() == 0
        assert "Ajouter un document reçu" not in client.get(QUEUE).content.decode()

    def test_staff_who_may_only_add_come_back_to_the_form(self, client, family):
        clerk = StaffUserFactory()
        clerk.user_permissions.add(Permission.objects.get(codename="add_document"))
        client.force_login(clerk)
        response = post_desk(client, family, "rib")
        assert response.status_code == 302
        assert response["Location"] == DESK
        assert Document.objects.get().uploaded_by == clerk

    def test_staff_who_may_only_add_cannot_validate_directly(self, client, family):
        clerk = StaffUserFactory()
        clerk.user_permissions.add(Permission.objects.get(codename="add_document"))
        client.force_login(clerk)
        response = post_desk(client, family, "rib", validate="on")
        assert response.status_code == 400
        assert response.context["form"].errors["validate"] == [
            "Vous pouvez enregistrer ce document, pas le valider : décochez « Valider directement »."
        ]
        assert Document.objects.count() == 0

    def test_a_family_is_sent_to_the_admin_login(self, client, family):
        log_in(client, guardian_of(family))
        for response in (client.get(DESK), post_desk(client, family, "rib")):
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("admin:login") + "?next=")
        assert Document.objects.count() == 0

    def test_the_admins_own_add_page_stays_closed(self, client, secretary):
        assert client.get(reverse("admin:documents_document_add")).status_code == 403
