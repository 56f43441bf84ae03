"""The site's house rules (reenrolment:house_rules), served only to its families."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from extranet.tests.portal import logged_in_family

pytestmark = pytest.mark.django_db


def test_a_pdf_is_shown_inline(client):
    family, _guardian = logged_in_family(client)
    family.site.house_rules.save("reglement-interieur.pdf", ContentFile(b"%PDF-1.4 regles"), save=True)
    response = client.get(reverse("reenrolment:house_rules"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_another_kind_of_file_is_downloaded_not_shown(client):
    family, _guardian = logged_in_family(client)
    family.site.house_rules.save("reglement.html", ContentFile(b"<script>alert(1)</script>"), save=True)
    response = client.get(reverse("reenrolment:house_rules"))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")


def test_without_a_file_the_page_is_not_found(client):
    logged_in_family(client)
    assert client.get(reverse("reenrolment:house_rules")).status_code == 404


def test_a_file_missing_on_disk_is_not_found(client):
    family, _guardian = logged_in_family(client)
    family.site.house_rules.name = "house-rules/disparu.pdf"
    family.site.save()
    assert client.get(reverse("reenrolment:house_rules")).status_code == 404
