"""Who may open each documents URL: anonymous → login, other family → 404, staff-only → refused."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.urls import reverse

from documents.tests.factories import DocumentFactory, document_type, pdf_bytes, png_bytes, upload
from extranet.tests.factories import StaffUserFactory
from extranet.tests.portal import log_in
from families.tests.factories import FamilyFactory, guardian_of
from students.tests.factories import StudentFactory

COVERED_URLS = {
    "documents:family",
    "documents:student",
    "documents:consult",
    "documents:blank_form",
    "documents:preview",
    "documents:staff_blank_form",
    "admin:documents_document_validate",
    "admin:documents_document_refuse",
    "admin:documents_document_desk",
}

pytestmark = pytest.mark.django_db


@pytest.fixture
def mandate():
    mandate = document_type("mandat-prelevement")
    mandate.blank_form.save("mandat.pdf", ContentFile(pdf_bytes("Mandat")))
    return mandate


@pytest.fixture
def urls(mandate):
    document = DocumentFactory()
    student = StudentFactory(family=document.family)
    return {
        "documents:family": reverse("documents:family"),
        "documents:student": reverse("documents:student", args=[student.pk]),
        "documents:consult": reverse("documents:consult", args=[document.pk]),
        "documents:blank_form": reverse("documents:blank_form", args=[mandate.pk]),
        "documents:preview": reverse("documents:preview", args=[document.pk]),
        "documents:staff_blank_form": reverse("documents:staff_blank_form", args=[mandate.pk]),
        "admin:documents_document_validate": reverse("admin:documents_document_validate", args=[document.pk]),
        "admin:documents_document_refuse": reverse("admin:documents_document_refuse", args=[document.pk]),
        "admin:documents_document_desk": reverse("admin:documents_document_desk"),
    }


@pytest.fixture
def other_family_portal(client):
    log_in(client, guardian_of(FamilyFactory()))
    return client


def test_every_url_of_the_app_is_listed_here():
    from django.urls import get_resolver

    names = {
        f"documents:{name}"
        for name in get_resolver().namespace_dict["documents"][1].reverse_dict
        if isinstance(name, str)
    }
    assert names == {name for name in COVERED_URLS if name.startswith("documents:")}


@pytest.mark.parametrize("name", sorted(COVERED_URLS))
def test_anonymous_visitors_are_sent_to_log_in(client, urls, name):
    response = client.get(urls[name])
    assert response.status_code == 302
    expected = (
        reverse("admin:login")
        if name.startswith("admin:")
        or name
        in {
            "documents:preview",
            "documents:staff_blank_form",
        }
        else reverse("login")
    )
    assert response["Location"].startswith(expected + "?next=")


@pytest.mark.parametrize("name", ["documents:student", "documents:consult"])
def test_another_family_gets_404(other_family_portal, urls, name):
    assert other_family_portal.get(urls[name]).status_code == 404


def test_another_familys_pupil_gets_404_on_upload_too(other_family_portal, urls):
    response = other_family_portal.post(
        urls["documents:student"],
        {"document_type": document_type("photo-identite").pk, "file": upload("p.png", png_bytes())},
    )
    assert response.status_code == 404


def test_an_unknown_document_gets_404(other_family_portal):
    assert other_family_portal.get(reverse("documents:consult", args=[999999])).status_code == 404
    assert other_family_portal.get(reverse("documents:blank_form", args=[999999])).status_code == 404


def test_any_logged_in_family_may_download_a_blank_form(other_family_portal, urls):
    assert other_family_portal.get(urls["documents:blank_form"]).status_code == 200


@pytest.mark.parametrize("name", ["documents:preview", "documents:staff_blank_form"])
def test_staff_only_views_refuse_families(other_family_portal, urls, name):
    assert other_family_portal.get(urls[name]).status_code == 403


@pytest.mark.parametrize(
    "name",
    ["admin:documents_document_validate", "admin:documents_document_refuse", "admin:documents_document_desk"],
)
def test_admin_actions_refuse_families(other_family_portal, urls, name):
    response = other_family_portal.get(urls[name])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("name", ["documents:family", "documents:student", "documents:consult"])
def test_portal_pages_refuse_staff_without_a_family(client, urls, name):
    client.force_login(StaffUserFactory(is_superuser=True))
    assert client.get(urls[name]).status_code == 403


def test_recording_a_document_received_needs_the_add_permission(client, urls):
    viewer = StaffUserFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_document"))
    client.force_login(viewer)
    assert client.get(urls["admin:documents_document_desk"]).status_code == 403
    viewer.user_permissions.add(Permission.objects.get(codename="add_document"))
    assert client.get(urls["admin:documents_document_desk"]).status_code == 200
