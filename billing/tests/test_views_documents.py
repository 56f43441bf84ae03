"""The PDFs of the Facturation tab: read back, byte-identical, family-scoped; receipts; the estimate."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from billing import services
from billing.models import InvoicePdf
from billing.tests.factories import BillingSettingsFactory, enrol, tariff_grid
from extranet.base.models import PaymentMeans
from extranet.tests.factories import StaffUserFactory, current_season, next_season
from extranet.tests.portal import log_in, logged_in_family
from families.tests.factories import FamilyFactory, guardian_of
from reenrolment.tests.factories import ChoiceFactory, NextCourseFactory, ReenrolmentFactory, WindowFactory
from students.tests.factories import StudentFactory

pytestmark = pytest.mark.django_db

AT = timezone.make_aware(datetime.datetime(2025, 9, 20, 10))


def text_of(content: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))


@pytest.fixture
def billed(client, django_capture_on_commit_callbacks):
    """A logged-in family of two pupils, billed in 3 instalments."""
    family, guardian = logged_in_family(client, name="BERTIN", billing_mode=3)
    rules = BillingSettingsFactory(site=family.site, invoice_prefix="MAL")
    tariff_grid(rules.site)
    emma, leo = (
        StudentFactory(family=family, first_name="Emma"),
        StudentFactory(family=family, first_name="Léo"),
    )
    enrol(emma, name="Piano cycle 1")
    enrol(leo, name="Violon cycle 1")
    with django_capture_on_commit_callbacks(execute=True):
        invoice = services.issue_invoice(
            site=family.site, season=current_season(), family=family, actor=StaffUserFactory(), at=AT
        ).invoice
    return family, guardian, invoice


def test_the_pdf_holds_the_number_the_family_each_line_and_the_total(client, billed):
    _family, _guardian, invoice = billed

    response = client.get(reverse("billing:invoice_pdf", args=[invoice.pk]))

    text = text_of(response.content)
    assert "Facture n° MAL-2025-000001" in text
    assert "Famille BERTIN" in text
    assert "Piano cycle 1" in text and "Violon cycle 1" in text
    assert "Réduction 2e enfant (20 %)" in text
    assert "Total à payer 648,00 €" in text
    assert "L. 1617-5" in text  # how to contest a public bill


def test_two_downloads_are_byte_identical_and_private(client, billed):
    _family, _guardian, invoice = billed
    url = reverse("billing:invoice_pdf", args=[invoice.pk])

    first, second = client.get(url), client.get(url)

    assert first.content == second.content == bytes(InvoicePdf.objects.get(invoice=invoice).content)
    assert first["Content-Type"] == "application/pdf"
    assert first["Content-Disposition"] == 'inline; filename="facture-MAL-2025-000001.pdf"'
    assert first["X-Content-Type-Options"] == "nosniff"
    assert first["Cache-Control"] == "private, no-store"


def test_a_pdf_whose_rendering_failed_is_rendered_on_first_download_and_kept(client, billed):
    _family, _guardian, invoice = billed
    InvoicePdf.objects.filter(invoice=invoice).delete()

    first = client.get(reverse("billing:invoice_pdf", args=[invoice.pk]))

    assert InvoicePdf.objects.filter(invoice=invoice).count() == 1
    assert client.get(reverse("billing:invoice_pdf", args=[invoice.pk])).content == first.content


def test_another_family_s_pdf_is_a_404(client, billed):
    _family, _guardian, invoice = billed
    other = FamilyFactory()
    log_in(client, guardian_of(other))

    assert client.get(reverse("billing:invoice_pdf", args=[invoice.pk])).status_code == 404
    assert client.get(reverse("billing:receipted_pdf", args=[invoice.pk])).status_code == 404


def test_a_paid_invoice_gives_a_receipted_invoice_and_a_yearly_certificate(client, billed):
    family, _guardian, invoice = billed
    services.record_desk_payment(
        family=family,
        means=PaymentMeans.objects.get(code="cheque"),
        amount=Decimal("648.00"),
        received_on=datetime.date(2025, 10, 3),
        reference="Chèque n° 1234567",
        actor=StaffUserFactory(),
    )

    page = client.get(reverse("billing:invoices")).content.decode()
    receipted = text_of(client.get(reverse("billing:receipted_pdf", args=[invoice.pk])).content)
    certificate = text_of(client.get(reverse("billing:certificate_pdf", args=[2025])).content)

    assert "Facture acquittée (PDF)" in page and "Attestation de paiement 2025 (PDF)" in page
    assert "Facture acquittée n° MAL-2025-000001" in receipted
    assert "Acquittée le 03/10/2025" in receipted
    assert "Attestation de paiement – année 2025" in certificate
    assert "648,00 €" in certificate and "Chèque n° 1234567" in certificate


def test_an_unpaid_invoice_has_no_receipted_pdf(client, billed):
    _family, _guardian, invoice = billed

    assert client.get(reverse("billing:receipted_pdf", args=[invoice.pk])).status_code == 404
    assert client.get(reverse("billing:certificate_pdf", args=[2025])).status_code == 404


def test_the_tab_shows_the_highest_bracket_rule_and_why(client, billed):
    page = client.get(reverse("billing:invoices")).content.decode()

    assert "Tranche la plus haute du tarif appliquée" in page
    assert "aucune attestation de quotient familial n&#x27;a été fournie" in page


def test_a_submitted_dossier_shows_the_coming_season_s_estimate(client):
    family, _guardian = logged_in_family(client, billing_mode=8)
    BillingSettingsFactory(site=family.site)
    tariff_grid(family.site, season=next_season())
    window = WindowFactory(site=family.site)
    dossier = ReenrolmentFactory(window=window, student=StudentFactory(family=family, first_name="Emma"))
    ChoiceFactory(reenrolment=dossier, course=NextCourseFactory(name="Piano cycle 2", pole__site=family.site))

    page = re.sub(r"\s+", " ", client.get(reverse("billing:invoices")).content.decode())

    assert "Estimation pour la saison 2026/2027" in page
    assert "Ceci est une estimation, pas une facture" in page
    assert "Piano cycle 2" in page
    assert 'Total estimé</span><span class="text-nowrap ms-2">360,00 €' in page
    assert "15/10/2026 : 45,00 €" in page and "15/05/2027 : 45,00 €" in page


def _estimate_setting(client):
    family, _guardian = logged_in_family(client, billing_mode=1)
    BillingSettingsFactory(site=family.site)
    tariff_grid(family.site, season=next_season())
    return family, WindowFactory(site=family.site)


def test_the_estimate_leaves_out_refused_choices_and_names_the_waitlisted_ones(client):
    family, window = _estimate_setting(client)
    dossier = ReenrolmentFactory(window=window, student=StudentFactory(family=family, first_name="Emma"))
    ChoiceFactory(reenrolment=dossier, course=NextCourseFactory(name="Piano cycle 2", pole__site=family.site))
    ChoiceFactory(
        reenrolment=dossier,
        course=NextCourseFactory(name="Violon cycle 1", pole__site=family.site),
        state="waitlisted",
    )
    ChoiceFactory(
        reenrolment=dossier,
        course=NextCourseFactory(name="Chant choral", pole__site=family.site),
        state="refused",
    )

    page = re.sub(r"\s+", " ", client.get(reverse("billing:invoices")).content.decode())

    assert "Piano cycle 2" in page
    assert re.search(r"Non comptés \(liste d.{1,6}attente\) : Emma [A-Z0-9]+ – Violon cycle 1<", page)
    assert "Chant choral" not in page
    assert 'Total estimé</span><span class="text-nowrap ms-2">360,00 €' in page


def test_a_sent_dossier_without_a_course_still_gives_an_estimate_and_a_draft_none(client):
    family, window = _estimate_setting(client)
    draft = ReenrolmentFactory(window=window, student=StudentFactory(family=family), state="draft")
    ChoiceFactory(reenrolment=draft, course=NextCourseFactory(name="Piano cycle 2", pole__site=family.site))

    assert "Estimation pour la saison" not in client.get(reverse("billing:invoices")).content.decode()

    ReenrolmentFactory(window=window, student=StudentFactory(family=family), administrative=True)
    page = re.sub(r"\s+", " ", client.get(reverse("billing:invoices")).content.decode())

    assert "Estimation pour la saison 2026/2027" in page
    assert "Piano cycle 2" not in page
