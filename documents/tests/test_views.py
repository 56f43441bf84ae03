"""Documents fournis pages: the table, Importer, and every bad input seen from the family's side."""

import re
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from documents.models import Document
from documents.tests.factories import (
    HTML_WITH_SCRIPT,
    SVG_WITH_SCRIPT,
    DocumentFactory,
    bomb_png_bytes,
    document_type,
    elf_bytes,
    encrypted_pdf_bytes,
    image_document,
    jpeg_bytes,
    pdf_bytes,
    png_bytes,
    seasons_for_today,
    upload,
)
from extranet.tests.factories import payment_means
from extranet.tests.portal import log_in
from families.tests.factories import FamilyFactory, guardian_of
from students.tests.factories import CourseFactory, DisciplineFactory, EnrolmentFactory, StudentFactory

pytestmark = pytest.mark.django_db

FAMILY_URL = reverse("documents:family")


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
def portal(client, guardian):
    log_in(client, guardian)
    return client


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def rows(response) -> list[str]:
    body = response.content.decode().split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.sub(r"<[^>]+>", " ", row) for row in body.split("</tr>") if "<t" in row]


def clean(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()


class TestTable:
    def test_the_table_has_the_guides_columns(self, portal):
        page = text(portal.get(FAMILY_URL))
        for column in [
            "Nom du document",
            "Nom du fichier",
            "Date",
            "Heure",
            "Taille (Mo)",
            "État",
            "Consulter",
        ]:
            assert (
                f'<th scope="col">{column}</th>' in page
                or f'<th scope="col" class="text-end">{column}</th>' in page
            )

    def test_required_documents_are_listed_to_hand_in(self, portal):
        lines = [clean(row) for row in rows(portal.get(FAMILY_URL))]
        assert any(line.startswith("RIB") and "À fournir" in line for line in lines)
        assert any(line.startswith("Mandat de prélèvement") and "À fournir" in line for line in lines)
        attestation = next(line for line in lines if line.startswith("Attestation Quotient Familial"))
        assert "sans ce document, le tarif maximal est appliqué" in attestation

    def test_a_handed_in_document_shows_name_date_time_size_with_a_comma_and_state(self, portal, family):
        document = DocumentFactory(
            family=family, document_type=document_type("rib"), original_name="rib banque.pdf", size=1_572_864
        )
        local = timezone.localtime(document.uploaded_at)
        line = next(clean(row) for row in rows(portal.get(FAMILY_URL)) if "rib banque.pdf" in row)
        assert line.startswith("RIB rib banque.pdf")
        assert f"{local:%d/%m/%Y} {local:%H:%M} 1,50 Fourni" in line
        assert "Consulter" in line

    def test_a_refused_document_shows_its_reason_and_how_to_replace_it(self, portal, family):
        DocumentFactory(
            family=family,
            document_type=document_type("mandat-prelevement"),
            state=Document.State.REFUSED,
            refusal_reason="Le mandat n'est pas signé.",
        )
        response = portal.get(FAMILY_URL)
        line = next(clean(row) for row in rows(response) if "Refusé" in row)
        assert "Motif : Le mandat n&#x27;est pas signé." in line
        assert "Remplacer ce document" in line

    def test_a_validated_document_is_shown_validated(self, portal, family):
        DocumentFactory(family=family, document_type=document_type("rib"), state=Document.State.VALIDATED)
        assert any("Validé" in row for row in rows(portal.get(FAMILY_URL)))

    def test_the_pupil_tab_lists_the_pupils_documents(self, portal, family):
        student = StudentFactory(family=family, first_name="Léa")
        image_document(family=family, student=student, original_name="lea.png")
        response = portal.get(reverse("documents:student", args=[student.pk]))
        assert response.status_code == 200
        page = text(response)
        assert "Documents fournis" in page and "lea.png" in page
        assert f'aria-current="page" href="/eleves/{student.pk}/documents/"' in page

    def test_the_import_select_offers_only_the_types_that_apply(self, portal, family):
        student = StudentFactory(family=family)
        response = portal.get(reverse("documents:student", args=[student.pk]))
        options = re.findall(r'<option value="(\d+)"', response.content.decode())
        names = {
            document_type(code).pk: code
            for code in ["photo-identite", "formulaire-reinscription", "certificat-medical-danse"]
        }
        assert sorted(names[int(o)] for o in options) == ["formulaire-reinscription", "photo-identite"]
        assert "Date écrite sur le document" not in response.content.decode()

    def test_the_type_in_the_link_is_preselected(self, portal):
        rib = document_type("rib")
        response = portal.get(f"{FAMILY_URL}?type={rib.pk}")
        assert f'<option value="{rib.pk}" selected>' in response.content.decode()


class TestImport:
    def post(self, portal, code="rib", name="rib.pdf", content=None, url=FAMILY_URL, **extra):
        data = {"document_type": document_type(code).pk if code else "", **extra}
        if content is not False:
            data["file"] = upload(name, content if content is not None else pdf_bytes())
        return portal.post(url, data)

    def test_a_good_file_is_imported_and_acknowledged_on_screen_and_by_email(
        self, portal, family, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = self.post(portal, name="mon rib.pdf")
        assert response.status_code == 302
        document = Document.objects.get()
        assert (document.family, document.state, document.original_name) == (
            family,
            "submitted",
            "mon rib.pdf",
        )
        local = timezone.localtime(document.uploaded_at)
        page = text(portal.get(response["Location"]))
        assert (
            f"Document reçu le {local:%d/%m/%Y} à {local:%H:%M} : « RIB », fichier « mon rib.pdf »." in page
        )
        assert mail.outbox[0].to == ["claire@example.fr"]

    def assert_refused(self, response, settings, field, message, code="rib"):
        assert response.status_code == 400
        page = text(response)
        assert message in page.replace("&#x27;", "'").replace("&quot;", '"')
        assert f'id="error_1_id_{field}"' in page
        assert Document.objects.count() == 0
        assert stored_files(settings) == []
        if code:
            assert f'<option value="{document_type(code).pk}" selected>' in page

    def test_a_renamed_executable_is_refused_next_to_the_file_field(self, portal, settings):
        response = self.post(portal, name="rib.pdf", content=elf_bytes())
        self.assert_refused(response, settings, "file", "« rib.pdf » est un programme")

    @pytest.mark.parametrize(
        ("name", "content", "message"),
        [
            ("rib.html", HTML_WITH_SCRIPT, "est une page web (HTML)"),
            ("rib.svg", SVG_WITH_SCRIPT, "est une image SVG"),
            ("vide.pdf", b"", "Le fichier est vide (0 octet)"),
            ("bombe.png", bomb_png_bytes(), "est trop grande (20"),
            ("rib.pdf", encrypted_pdf_bytes(), "est protégé par un mot de passe"),
            ("photo.jpg", jpeg_bytes((400, 300))[:900], "est abîmée ou incomplète"),
        ],
    )
    def test_bad_files_are_refused_with_a_precise_message_and_nothing_stored(
        self, portal, settings, name, content, message
    ):
        self.assert_refused(self.post(portal, name=name, content=content), settings, "file", message)

    def test_a_file_over_the_limit_is_refused(self, portal, settings):
        settings.DOCUMENT_MAX_BYTES = 2048
        response = self.post(portal, content=pdf_bytes() + b"%" * 4096)
        self.assert_refused(response, settings, "file", "au-delà de la limite de")

    def test_a_png_declared_as_pdf_is_accepted_for_a_type_taking_png(self, portal):
        response = self.post(portal, name="scan.pdf", content=png_bytes())
        assert response.status_code == 302
        assert Document.objects.get().content_type == "image/png"

    def test_a_png_declared_as_pdf_is_refused_for_a_pdf_only_type(self, portal, settings):
        rib = document_type("rib")
        rib.accepted_types = ["application/pdf"]
        rib.save()
        response = self.post(portal, name="scan.pdf", content=png_bytes())
        self.assert_refused(response, settings, "file", "Formats acceptés pour « RIB » : PDF.")

    def test_a_name_with_folders_and_control_characters_is_cleaned(self, portal):
        self.post(portal, name="..\\..\\windows\\rib\x1b\x07\u202e.pdf")
        document = Document.objects.get()
        assert document.original_name == "rib.pdf"
        assert "rib" not in Path(document.file.name).name

    def test_a_document_type_that_does_not_exist_is_a_form_error(self, portal, settings):
        response = portal.post(
            FAMILY_URL, {"document_type": "999999", "file": upload("rib.pdf", pdf_bytes())}
        )
        self.assert_refused(
            response,
            settings,
            "document_type",
            "Ce type de document n'existe pas ou ne peut pas être fourni ici",
            code=None,
        )

    def test_a_pupil_document_type_on_the_family_page_is_a_form_error(self, portal, settings):
        response = portal.post(
            FAMILY_URL,
            {"document_type": document_type("photo-identite").pk, "file": upload("p.png", png_bytes())},
        )
        self.assert_refused(
            response, settings, "document_type", "n'existe pas ou ne peut pas être fourni ici", code=None
        )

    def test_a_missing_file_is_a_form_error(self, portal, settings):
        response = self.post(portal, content=False)
        self.assert_refused(response, settings, "file", "Choisissez le fichier à importer.")

    def test_an_upload_for_a_pupil_of_another_family_answers_404(self, portal, settings):
        other = StudentFactory()
        response = self.post(
            portal,
            code="photo-identite",
            name="p.png",
            content=png_bytes(),
            url=reverse("documents:student", args=[other.pk]),
        )
        assert response.status_code == 404
        assert Document.objects.count() == 0
        assert stored_files(settings) == []

    def test_a_refusal_keeps_what_was_already_handed_in(self, portal, family, settings):
        previous = DocumentFactory(family=family, document_type=document_type("rib"))
        files = stored_files(settings)
        self.post(portal, content=HTML_WITH_SCRIPT)
        previous.refresh_from_db()
        assert previous.state == Document.State.SUBMITTED
        assert Document.objects.count() == 1
        assert stored_files(settings) == files

    def test_replacing_a_refused_file_from_the_page(self, portal, family):
        refused = DocumentFactory(
            family=family, document_type=document_type("rib"), state=Document.State.REFUSED
        )
        assert self.post(portal).status_code == 302
        refused.refresh_from_db()
        assert refused.state == Document.State.REPLACED
        page = portal.get(FAMILY_URL).content.decode()
        assert "1 fichier remplacé" in page

    def test_the_medical_certificate_asks_for_its_date_and_refuses_an_earlier_one(
        self, portal, family, settings
    ):
        current, following = seasons_for_today()
        student = StudentFactory(family=family)
        EnrolmentFactory(
            student=student,
            course=CourseFactory(season=current, discipline=DisciplineFactory(slug="danse", is_dance=True)),
        )
        url = reverse("documents:student", args=[student.pk])
        assert "Date écrite sur le document" in portal.get(url).content.decode()
        year = following.starts_on.year
        response = self.post(
            portal,
            code="certificat-medical-danse",
            url=url,
            name="certificat.pdf",
            document_date=f"{year}-06-30",
        )
        self.assert_refused(
            response,
            settings,
            "document_date",
            f"doit être daté du 1er juillet {year} ou après",
            code="certificat-medical-danse",
        )
        assert f'value="{year}-06-30"' in response.content.decode()

        response = self.post(portal, code="certificat-medical-danse", url=url, name="certificat.pdf")
        assert "Indiquez la date écrite sur le document « Certificat médical (danse) »" in text(
            response
        ).replace("&#x27;", "'")

        response = self.post(
            portal,
            code="certificat-medical-danse",
            url=url,
            name="certificat.pdf",
            document_date=timezone.localdate().isoformat(),
        )
        assert response.status_code == 302
        assert Document.objects.get().document_date == timezone.localdate()


class TestQueryCounts:
    def test_the_family_page_costs_the_same_with_one_or_many_documents(
        self, portal, family, django_assert_num_queries
    ):
        DocumentFactory(family=family)
        portal.get(FAMILY_URL)  # the first page after logging in records the session's activity
        # Session, user, the guardian and its family (3); documents (1). The document types, read
        # by the page before, are kept a few seconds (extranet/base/sitewide.py).
        with django_assert_num_queries(4):
            portal.get(FAMILY_URL)
        for code in ["rib", "mandat-prelevement", "modalite-paiement"]:
            DocumentFactory(family=family, document_type=document_type(code), state=Document.State.REFUSED)
            DocumentFactory(family=family, document_type=document_type(code), state=Document.State.REPLACED)
        for _ in range(3):
            StudentFactory(family=family)
        portal.get(FAMILY_URL)
        with django_assert_num_queries(4):
            portal.get(FAMILY_URL)

    def test_the_pupil_page_costs_the_same_with_one_or_many_documents_and_pupils(
        self, portal, family, django_assert_num_queries
    ):
        student = StudentFactory(family=family)
        image_document(family=family, student=student)
        url = reverse("documents:student", args=[student.pk])
        portal.get(url)  # the first page after logging in records the session's activity
        # Session, user, the guardian and its family (3); the pupil with whether it dances,
        # documents (2); the seasons only for a pupil who dances (the certificate's date rule). The
        # document types, read by the page before, are kept a few seconds (extranet/base/sitewide.py).
        with django_assert_num_queries(5):
            portal.get(url)
        for _ in range(4):
            image_document(family=family, student=student, state=Document.State.REPLACED)
            image_document(family=family, student=StudentFactory(family=family))
        portal.get(url)
        with django_assert_num_queries(5):
            portal.get(url)
