"""Headers on every page and file: CSP without inline code, sandboxed files, no cache for personal pages.

The portal URLs are enumerated from the URL configuration: a new family-facing page is checked
here without being listed.
"""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.core.files.base import ContentFile
from django.urls import reverse

from documents.tests.factories import DocumentFactory, document_type, pdf_bytes
from extranet.tests.factories import StaffUserFactory
from extranet.tests.portal import log_in, seasons
from extranet.tests.portal_urls import FILES, family_urls
from families.tests.factories import FamilyFactory, guardian_of
from students.tests.factories import CourseFactory, StudentFactory
from students.tests.schoolyear_factories import EvaluationFactory, TermFactory

pytestmark = pytest.mark.django_db

# Inline code the CSP refuses: <script> without src, <style>, style="…", onclick="…", javascript: URLs.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=\"|\son[a-z]+=\"|javascript:", re.I)
# Django's change list writes one <style> when a list has no actions: allowed by its hash.
DJANGO_CHANGELIST_STYLE = (
    "<style>\n      #changelist table thead th:first-child {width: inherit}\n    </style>"
)


@pytest.fixture
def portal(client):
    """A logged-in family with a pupil, a document and a blank form to download."""
    seasons()
    family = FamilyFactory()
    family.site.house_rules.save("reglement.pdf", ContentFile(pdf_bytes("Règlement intérieur")))
    guardian = guardian_of(family, is_payer=True)
    student = StudentFactory(family=family)
    document = DocumentFactory(family=family, student=student)
    mandate = document_type("mandat-prelevement")
    mandate.blank_form.save("mandat.pdf", ContentFile(pdf_bytes("Mandat")))
    evaluation = EvaluationFactory(
        term=TermFactory(site=family.site, published_on=datetime.date(2026, 1, 5)),
        course=CourseFactory(pole__site=family.site),
        student=student,
    )
    log_in(client, guardian)
    client.ids = {
        "student_id": student.pk,
        "document_id": document.pk,
        "type_id": mandate.pk,
        "term_id": evaluation.term_id,
    }
    return client


def test_the_family_pages_are_all_found(portal):
    urls = family_urls(portal.ids)

    assert {"home", "family:detail", "students:identity", "documents:consult", "billing:invoices"} <= set(
        urls
    )


def test_every_family_page_and_file_is_private_and_never_stored(portal):
    for name, url in family_urls(portal.ids).items():
        response = portal.get(url)
        assert response.status_code == 200, name
        cache_control = response["Cache-Control"]
        assert "private" in cache_control and "no-store" in cache_control, name
        assert response["Permissions-Policy"].startswith("accelerometer=()"), name


def test_every_family_page_has_the_policy_and_no_inline_code(portal):
    for name, url in family_urls(portal.ids).items():
        response = portal.get(url)
        policy = response["Content-Security-Policy"]
        if name in FILES or "Content-Disposition" in response:  # a file, or the RGPD export
            assert policy.startswith("sandbox;"), name
            assert "default-src 'none'" in policy, name
            continue
        assert "default-src 'self'" in policy, name
        assert "frame-ancestors 'none'" in policy, name
        assert "unsafe-inline" not in policy, name
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html), name
        assert not INLINE_STYLE.search(html), name


def test_public_pages_have_the_policy_and_no_inline_code(client):
    for name in ("login", "password_reset", "accessibility"):
        response = client.get(reverse(name))
        assert "default-src 'self'" in response["Content-Security-Policy"]
        assert not INLINE_SCRIPT.search(response.content.decode()), name
        assert not INLINE_STYLE.search(response.content.decode()), name


def test_no_template_holds_inline_code():
    for path in sorted(Path(settings.BASE_DIR, "templates").rglob("*.html")):
        if "emails" in path.parts:  # emails are not pages: mail clients need inline styles
            continue
        if "pdf" in path.parts or path.stem.endswith("_pdf"):  # WeasyPrint's input, never a browser's
            continue
        text = path.read_text()
        assert not INLINE_SCRIPT.search(text), path
        assert not INLINE_STYLE.search(text), path


def test_the_admin_pages_hold_no_inline_code_but_djangos_hashed_style(client):
    client.force_login(StaffUserFactory(is_superuser=True))
    pages = [reverse("admin:index")]
    for model in admin.site._registry:
        opts = model._meta
        pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    for url in pages:
        response = client.get(url)
        if response.status_code == 403:  # no add page for read-only records
            continue
        html = response.content.decode().replace(DJANGO_CHANGELIST_STYLE, "")
        assert not INLINE_SCRIPT.search(html), url
        assert not INLINE_STYLE.search(html), url
        assert "no-store" in response["Cache-Control"], url
        assert "script-src 'self'" in response["Content-Security-Policy"], url


def test_the_hash_in_the_policy_is_the_one_of_djangos_changelist_style():
    import base64
    import hashlib

    content = DJANGO_CHANGELIST_STYLE.removeprefix("<style>").removesuffix("</style>")
    digest = base64.b64encode(hashlib.sha256(content.encode()).digest()).decode()

    assert f"'sha256-{digest}'" in settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["style-src"]


def test_the_staff_preview_of_a_file_is_sandboxed_and_framed_by_the_admin_only(client):
    document = DocumentFactory()
    client.force_login(StaffUserFactory(is_superuser=True))

    response = client.get(reverse("documents:preview", args=[document.pk]))

    policy = response["Content-Security-Policy"]
    assert policy.startswith("sandbox;")
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'self'" in policy
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "no-store" in response["Cache-Control"]
