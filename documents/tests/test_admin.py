"""The secretariat's queue: documents to check, preview, Valider / Refuser, one by one or in bulk."""

import datetime
import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from documents.models import Document, DocumentType
from documents.tests.factories import (
    HTML_WITH_SCRIPT,
    DocumentFactory,
    document_type,
    image_document,
    pdf_bytes,
)
from extranet.tests.factories import SiteFactory, StaffUserFactory
from families.tests.factories import FamilyFactory, guardian_of

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:documents_document_changelist")


@pytest.fixture
def secretary(client):
    user = StaffUserFactory(is_superuser=True)
    client.force_login(user)
    return user


def ago(days: int):
    return timezone.now() - datetime.timedelta(days=days)


def listed(response) -> list[int]:
    return [document.pk for document in response.context["cl"].result_list]


class TestQueue:
    def test_the_queue_shows_documents_waiting_for_a_check_oldest_first(self, client, secretary):
        newer = DocumentFactory(uploaded_at=ago(1))
        older = DocumentFactory(uploaded_at=ago(5))
        DocumentFactory(state=Document.State.VALIDATED, uploaded_at=ago(9))
        DocumentFactory(state=Document.State.REFUSED, uploaded_at=ago(9))
        response = client.get(QUEUE)
        assert response.status_code == 200
        assert listed(response) == [older.pk, newer.pk]

    def test_other_states_can_be_chosen(self, client, secretary):
        validated = DocumentFactory(state=Document.State.VALIDATED)
        DocumentFactory()
        assert listed(client.get(QUEUE, {"state": "validated"})) == [validated.pk]
        assert len(listed(client.get(QUEUE, {"state": "all"}))) == 2

    def test_the_queue_filters_by_site_type_and_family(self, client, secretary):
        malakoff = SiteFactory(slug="malakoff")
        here = DocumentFactory(family=FamilyFactory(site=malakoff))
        photo = image_document(
            family=here.family, student=None, document_type=document_type("photo-identite")
        )
        elsewhere = DocumentFactory()
        assert set(listed(client.get(QUEUE, {"family__site__id__exact": malakoff.pk}))) == {here.pk, photo.pk}
        assert listed(
            client.get(QUEUE, {"document_type__id__exact": document_type("photo-identite").pk})
        ) == [photo.pk]
        assert listed(client.get(QUEUE, {"family": elsewhere.family_id})) == [elsewhere.pk]

    def test_the_queue_searches_by_family_name(self, client, secretary):
        wanted = DocumentFactory(family=FamilyFactory(name="DUBOIS"))
        DocumentFactory(family=FamilyFactory(name="MARTIN"))
        assert listed(client.get(QUEUE, {"q": "dubois"})) == [wanted.pk]

    def test_images_get_a_thumbnail_through_the_staff_view(self, client, secretary):
        photo = image_document(family=FamilyFactory())
        page = client.get(QUEUE).content.decode()
        assert f'<img src="{reverse("documents:preview", args=[photo.pk])}"' in page

    def test_the_queue_costs_the_same_for_few_or_many_documents(
        self, client, secretary, django_assert_max_num_queries
    ):
        for _ in range(3):
            DocumentFactory()
        with django_assert_max_num_queries(12) as captured:
            client.get(QUEUE)
        few = len(captured)
        for _ in range(10):
            image_document(family=FamilyFactory())
        with django_assert_max_num_queries(few):
            client.get(QUEUE)

    def test_nobody_adds_or_deletes_documents_in_the_admin(self, client, secretary):
        document = DocumentFactory()
        assert client.get(reverse("admin:documents_document_add")).status_code == 403
        assert client.get(reverse("admin:documents_document_delete", args=[document.pk])).status_code == 403


class TestChangePage:
    def test_a_pdf_is_previewed_in_a_frame_next_to_valider_and_refuser(self, client, secretary):
        document = DocumentFactory(document_date=datetime.date(2026, 7, 3))
        page = client.get(reverse("admin:documents_document_change", args=[document.pk])).content.decode()
        assert f'<iframe src="{reverse("documents:preview", args=[document.pk])}"' in page
        assert 'value="Valider"' in page
        assert reverse("admin:documents_document_refuse", args=[document.pk]) in page
        assert "03/07/2026" in page

    def test_an_image_is_previewed_as_an_image(self, client, secretary):
        photo = image_document(family=FamilyFactory())
        page = client.get(reverse("admin:documents_document_change", args=[photo.pk])).content.decode()
        assert f'<img src="{reverse("documents:preview", args=[photo.pk])}"' in page

    def test_a_checked_document_has_no_actions_left(self, client, secretary):
        document = DocumentFactory(state=Document.State.VALIDATED)
        page = client.get(reverse("admin:documents_document_change", args=[document.pk])).content.decode()
        assert 'value="Valider"' not in page

    def test_valider_validates_and_goes_to_the_next_document_waiting(self, client, secretary):
        first = DocumentFactory(uploaded_at=ago(3))
        following = DocumentFactory(uploaded_at=ago(2))
        response = client.post(reverse("admin:documents_document_validate", args=[first.pk]))
        first.refresh_from_db()
        assert first.state == Document.State.VALIDATED and first.checked_by == secretary
        assert response["Location"] == reverse("admin:documents_document_change", args=[following.pk])

    def test_valider_twice_says_the_document_was_already_checked(self, client, secretary):
        document = DocumentFactory(state=Document.State.REFUSED)
        response = client.post(reverse("admin:documents_document_validate", args=[document.pk]), follow=True)
        assert "seul un document « Fourni » peut être validé ou refusé" in response.content.decode()
        document.refresh_from_db()
        assert document.state == Document.State.REFUSED

    def test_valider_needs_a_post(self, client, secretary):
        document = DocumentFactory()
        assert client.get(reverse("admin:documents_document_validate", args=[document.pk])).status_code == 405

    def test_refuser_asks_for_a_reason(self, client, secretary):
        document = DocumentFactory()
        url = reverse("admin:documents_document_refuse", args=[document.pk])
        assert client.get(url).status_code == 200
        response = client.post(url, {"reason": "  "})
        assert response.status_code == 400
        assert "Indiquez le motif du refus" in response.content.decode()
        document.refresh_from_db()
        assert document.state == Document.State.SUBMITTED

    def test_refuser_with_a_reason_refuses_and_emails_the_family(
        self, client, secretary, django_capture_on_commit_callbacks
    ):
        document = DocumentFactory()
        guardian_of(document.family, email="parent@example.fr")
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("admin:documents_document_refuse", args=[document.pk]),
                {"reason": "L'attestation date de 2019."},
            )
        assert response.status_code == 302
        document.refresh_from_db()
        assert (document.state, document.refusal_reason) == ("refused", "L'attestation date de 2019.")
        assert mail.outbox[0].to == ["parent@example.fr"]
        assert "L'attestation date de 2019." in mail.outbox[0].body

    def test_staff_who_may_only_view_cannot_validate(self, client):
        viewer = StaffUserFactory()
        viewer.user_permissions.add(Permission.objects.get(codename="view_document"))
        client.force_login(viewer)
        document = DocumentFactory()
        assert (
            client.post(reverse("admin:documents_document_validate", args=[document.pk])).status_code == 403
        )
        assert client.get(reverse("admin:documents_document_refuse", args=[document.pk])).status_code == 403
        document.refresh_from_db()
        assert document.state == Document.State.SUBMITTED


class TestBulkActions:
    def test_validate_the_selection(self, client, secretary):
        documents = [DocumentFactory(), DocumentFactory()]
        already = DocumentFactory(state=Document.State.VALIDATED)
        response = client.post(
            QUEUE + "?state=all",
            {
                "action": "validate_selected",
                "index": 0,
                ACTION_CHECKBOX_NAME: [d.pk for d in [*documents, already]],
            },
            follow=True,
        )
        page = response.content.decode()
        assert "2 documents validés." in page
        assert "seul un document « Fourni » peut être validé ou refusé" in page
        assert set(Document.objects.values_list("state", flat=True)) == {"validated"}

    def test_refuse_the_selection_asks_a_reason_on_an_intermediate_page(self, client, secretary):
        documents = [DocumentFactory(), DocumentFactory()]
        response = client.post(
            QUEUE, {"action": "refuse_selected", "index": 0, ACTION_CHECKBOX_NAME: [d.pk for d in documents]}
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert "2 documents à refuser" in page
        assert re.search(r'<textarea name="reason"', page)
        assert Document.objects.filter(state="submitted").count() == 2

    def test_refuse_the_selection_without_a_reason_stays_on_the_page(self, client, secretary):
        documents = [DocumentFactory()]
        response = client.post(
            QUEUE,
            {
                "action": "refuse_selected",
                "apply": "1",
                "reason": "",
                ACTION_CHECKBOX_NAME: [d.pk for d in documents],
            },
        )
        assert response.status_code == 400
        assert "Indiquez le motif du refus" in response.content.decode()
        assert Document.objects.get().state == "submitted"

    def test_refuse_the_selection_with_a_reason_emails_each_family(
        self, client, secretary, django_capture_on_commit_callbacks
    ):
        first, second = DocumentFactory(), DocumentFactory()
        guardian_of(first.family, email="un@example.fr")
        guardian_of(second.family, email="deux@example.fr")
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                QUEUE,
                {
                    "action": "refuse_selected",
                    "apply": "1",
                    "reason": "Document illisible : scannez-le de nouveau.",
                    ACTION_CHECKBOX_NAME: [first.pk, second.pk],
                },
            )
        assert response.status_code == 302
        assert set(Document.objects.values_list("state", flat=True)) == {"refused"}
        assert sorted(email.to[0] for email in mail.outbox) == ["deux@example.fr", "un@example.fr"]


class TestDocumentTypeAdmin:
    def test_a_type_with_a_blank_form_opens_and_links_the_form_through_the_staff_view(
        self, client, secretary
    ):
        mandate = document_type("mandat-prelevement")
        mandate.blank_form.save("mandat.pdf", ContentFile(pdf_bytes("Mandat")))
        response = client.get(reverse("admin:documents_documenttype_change", args=[mandate.pk]))
        assert response.status_code == 200
        page = response.content.decode()
        assert reverse("documents:staff_blank_form", args=[mandate.pk]) in page
        assert 'type="checkbox" name="accepted_types" value="image/heic"' in page
        assert client.get(reverse("documents:staff_blank_form", args=[mandate.pk])).status_code == 200

    def post_type(self, client, **changes):
        data = {
            "name": "Attestation d'assurance",
            "code": "assurance",
            "scope": "family",
            "requirement": "always",
            "accepted_types": ["application/pdf"],
            "validity": "civil_year",
            "help_text": "L'attestation d'assurance responsabilité civile de l'année.",
            "order": 5,
            "is_active": "on",
            **changes,
        }
        return client.post(reverse("admin:documents_documenttype_add"), data)

    def test_staff_create_a_type_with_its_rules(self, client, secretary):
        assert self.post_type(client).status_code == 302
        created = DocumentType.objects.get(code="assurance")
        assert (created.requirement, created.accepted_types, created.validity) == (
            "always",
            ["application/pdf"],
            "civil_year",
        )

    def test_a_type_needs_at_least_one_file_kind(self, client, secretary):
        response = self.post_type(client, accepted_types=[])
        assert "Cochez au moins un type de fichier." in response.content.decode()

    def test_a_blank_form_that_is_not_a_document_is_refused(self, client, secretary):
        response = self.post_type(client, blank_form=SimpleUploadedFile("mandat.pdf", HTML_WITH_SCRIPT))
        assert "est une page web (HTML)" in response.content.decode()
        assert not DocumentType.objects.filter(code="assurance").exists()
