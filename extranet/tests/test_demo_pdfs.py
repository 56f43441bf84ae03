"""The demo's own PDFs: each site's règlement intérieur and the blank SEPA mandate (seed_demo)."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from documents.models import DocumentType
from extranet.base.models import Site
from extranet.shell.demo_pdfs import blank_mandate_pdf, house_rules_pdf
from extranet.tests.factories import SiteFactory
from extranet.tests.portal import log_in
from families.models import Guardian

pytestmark = pytest.mark.django_db


def test_the_house_rules_pdf_names_its_site_and_version():
    site = SiteFactory(name="Conservatoire de Malakoff", slug="malakoff", house_rules_version="2026-1")

    filename, content = house_rules_pdf(site)

    assert filename == "reglement-interieur-malakoff-2026-1.pdf"
    assert content.startswith(b"%PDF-") and len(content) < 200_000


def test_the_blank_mandate_carries_the_creditor_identifier():
    site = SiteFactory(slug="malakoff", sepa_creditor_name="Conservatoire de Malakoff")

    filename, content = blank_mandate_pdf(site)

    assert filename == "mandat-sepa-malakoff.pdf"
    assert content.startswith(b"%PDF-") and len(content) < 200_000


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)


def test_seed_demo_gives_every_site_its_house_rules_and_the_mandate_its_blank_form(demo):
    for site in Site.objects.all():
        assert site.house_rules.name.endswith(".pdf")
        with site.house_rules.open("rb") as handle:
            assert handle.read(5) == b"%PDF-"
    assert DocumentType.objects.get(code="mandat-prelevement").blank_form


def test_a_demo_family_reads_the_rules_before_j_accepte_and_downloads_the_blank_mandate(demo, client):
    guardian = Guardian.objects.get(user__identifier="famille.demo")
    log_in(client, guardian)
    emma = guardian.families.get().students.get(first_name="Emma")

    page = client.get(reverse("reenrolment:student", args=[emma.pk])).content.decode()
    rules = page.index("Lire le règlement intérieur (version 2026-1")
    assert rules < page.index('for="id_accept_house_rules">J')
    response = client.get(reverse("reenrolment:house_rules"))
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")

    documents = client.get(reverse("documents:family")).content.decode()
    mandate = DocumentType.objects.get(code="mandat-prelevement")
    assert reverse("documents:blank_form", args=[mandate.pk]) in documents
    blank = client.get(reverse("documents:blank_form", args=[mandate.pk]))
    assert b"".join(blank.streaming_content).startswith(b"%PDF-")
