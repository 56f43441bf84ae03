"""Consulter: files leave only through a checked view, with safe headers, whatever the storage."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import URLResolver, get_resolver, reverse

from documents.models import Document
from documents.tests.factories import DocumentFactory, document_type, image_document, pdf_bytes
from extranet.tests.factories import StaffUserFactory
from extranet.tests.portal import log_in
from families.tests.factories import FamilyFactory, guardian_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def family():
    return FamilyFactory()


@pytest.fixture
def portal(client, family):
    log_in(client, guardian_of(family))
    return client


def content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_family_consults_its_pdf_inline_with_private_headers(portal, family):
    document = DocumentFactory(family=family, original_name="Attestation CAF été.pdf")
    response = portal.get(reverse("documents:consult", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"] == (
        "inline; filename=\"Attestation CAF t.pdf\"; filename*=UTF-8''Attestation%20CAF%20%C3%A9t%C3%A9.pdf"
    )
    assert content(response) == default_storage.open(document.file.name).read()


def test_the_served_type_is_the_sniffed_one(portal, family):
    document = image_document(family=family, original_name="photo.png")
    response = portal.get(reverse("documents:consult", args=[document.pk]))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline;")


def test_a_replaced_document_can_still_be_consulted(portal, family):
    document = DocumentFactory(family=family, state=Document.State.REPLACED)
    assert portal.get(reverse("documents:consult", args=[document.pk])).status_code == 200


def test_another_familys_document_answers_404(portal):
    other = DocumentFactory()
    assert portal.get(reverse("documents:consult", args=[other.pk])).status_code == 404


def test_nginx_mode_hands_the_transfer_to_the_web_server_after_the_check(portal, family, settings):
    settings.DOCUMENT_SERVE_MODE = "nginx"
    settings.DOCUMENT_ACCEL_PREFIX = "/protected/"
    document = DocumentFactory(family=family)
    response = portal.get(reverse("documents:consult", args=[document.pk]))
    assert response["X-Accel-Redirect"] == "/protected/" + document.file.name
    assert response.content == b""
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline;")
    other = DocumentFactory()
    assert not portal.get(reverse("documents:consult", args=[other.pk])).has_header("X-Accel-Redirect")


def test_apache_mode_answers_with_x_sendfile(portal, family, settings):
    settings.DOCUMENT_SERVE_MODE = "apache"
    document = DocumentFactory(family=family)
    response = portal.get(reverse("documents:consult", args=[document.pk]))
    assert response["X-Sendfile"] == default_storage.path(document.file.name)
    assert response.content == b""


class FakeS3Storage:
    """Just what a remote storage offers: no local path, a signed URL."""

    def path(self, name):
        raise NotImplementedError("no local paths")

    def url(self, name):
        return f"https://bucket.s3.example.com/{name}?X-Amz-Expires=60&X-Amz-Signature=abc"


def test_a_remote_storage_gets_a_redirect_to_its_short_lived_url(portal, family, monkeypatch):
    document = DocumentFactory(family=family)
    monkeypatch.setattr("documents.storage.default_storage", FakeS3Storage())
    response = portal.get(reverse("documents:consult", args=[document.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(
        f"https://bucket.s3.example.com/{document.file.name}?X-Amz-Expires=60"
    )
    assert response["Cache-Control"] == "private, no-store"


def test_no_url_pattern_serves_the_media_folder(settings):
    assert settings.MEDIA_URL in (None, "")

    def callbacks(resolver):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                yield from callbacks(pattern)
            else:
                yield pattern.callback

    from django.views import static

    assert static.serve not in set(callbacks(get_resolver()))


def test_a_stored_file_is_not_reachable_by_its_path(portal, family):
    document = DocumentFactory(family=family)
    assert portal.get("/" + document.file.name).status_code == 404
    assert portal.get("/media/" + document.file.name).status_code == 404


class TestStaffPreview:
    def staff(self, client, *perms):
        user = StaffUserFactory()
        user.user_permissions.add(*Permission.objects.filter(codename__in=perms))
        client.force_login(user)
        return user

    def test_staff_with_the_view_permission_see_any_document_same_origin_framable(self, client):
        self.staff(client, "view_document")
        document = DocumentFactory()
        response = client.get(reverse("documents:preview", args=[document.pk]))
        assert response.status_code == 200
        assert response["X-Frame-Options"] == "SAMEORIGIN"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cache-Control"] == "private, no-store"

    def test_staff_without_the_permission_are_refused(self, client):
        self.staff(client)
        assert client.get(reverse("documents:preview", args=[DocumentFactory().pk])).status_code == 403

    def test_a_family_is_refused_the_staff_preview_even_of_its_own_document(self, portal, family):
        document = DocumentFactory(family=family)
        assert portal.get(reverse("documents:preview", args=[document.pk])).status_code == 403


class TestBlankForm:
    def test_a_family_downloads_the_blank_mandate_as_an_attachment(self, portal):
        mandate = document_type("mandat-prelevement")
        mandate.blank_form.save("mandat.pdf", ContentFile(pdf_bytes("Mandat SEPA")))
        response = portal.get(reverse("documents:blank_form", args=[mandate.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith(
            'attachment; filename="Formulaire vierge - Mandat de prlvement.pdf"'
        )
        assert response["X-Content-Type-Options"] == "nosniff"

    def test_a_type_without_blank_form_answers_404(self, portal):
        assert portal.get(reverse("documents:blank_form", args=[document_type("rib").pk])).status_code == 404

    def test_the_family_page_links_to_the_blank_form(self, portal, family):
        from extranet.tests.factories import payment_means

        family.payment_means = payment_means("direct_debit")
        family.save()
        mandate = document_type("mandat-prelevement")
        mandate.blank_form.save("mandat.pdf", ContentFile(pdf_bytes("Mandat SEPA")))
        page = portal.get(reverse("documents:family")).content.decode()
        assert reverse("documents:blank_form", args=[mandate.pk]) in page
