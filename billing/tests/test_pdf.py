"""The PDF renderer: one page for a full invoice, the logo resampled once, local files only."""

import io

import pytest
import weasyprint
from django.core.files.base import ContentFile
from PIL import Image
from pypdf import PdfReader

from billing import pdf
from billing.tests.factories import issued_invoice

pytestmark = pytest.mark.django_db


def photo(width: int, height: int) -> bytes:
    """A noisy photograph-like image, which compresses badly (the worst case for a logo)."""
    image = Image.effect_noise((width, height), 90).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def invoice_of_eight_instalments(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    rules, invoice = issued_invoice(
        billing_mode=8,
        courses={name: [f"Piano {name}", f"Formation musicale {name}"] for name in ("Emma", "Léo", "Zoé")},
    )
    return rules, invoice


def test_an_invoice_of_three_pupils_and_eight_instalments_fits_on_one_page(invoice_of_eight_instalments):
    _rules, invoice = invoice_of_eight_instalments

    _filename, content = pdf.render_invoice(pdf.snapshot_of(invoice))

    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Page 1 / 1" in text
    assert "Échéancier : 8 échéances" in text
    assert "L. 1617-5" in text


def test_a_large_logo_is_printed_resampled_not_embedded_whole(invoice_of_eight_instalments):
    rules, invoice = invoice_of_eight_instalments
    upload = photo(2400, 900)
    rules.logo.save("logo.png", ContentFile(upload))

    _filename, content = pdf.render_invoice(pdf.snapshot_of(invoice))

    page = PdfReader(io.BytesIO(content)).pages[0]
    (image,) = [
        x.get_object()
        for x in page["/Resources"]["/XObject"].values()
        if x.get_object()["/Subtype"] == "/Image"
    ]
    # 50 mm x 18 mm at 300 dpi at most, proportions kept
    assert (image["/Width"], image["/Height"]) == (576, 216)
    assert len(content) < len(upload) / 4


def test_the_fetcher_refuses_files_outside_the_static_and_logos_folders(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    (tmp_path / "secret.txt").write_text("x")

    with pytest.raises(pdf.LocalFilesOnly):
        pdf.LocalFilesFetcher().fetch((tmp_path / "secret.txt").as_uri())
    with pytest.raises(pdf.LocalFilesOnly):
        pdf.LocalFilesFetcher().fetch("https://example.org/logo.png")


def test_the_small_user_agent_style_sheet_is_still_the_one_weasyprint_applies(
    invoice_of_eight_instalments, monkeypatch
):
    """BillingHTML overrides a private WeasyPrint hook: a new WeasyPrint release must be checked
    (and WEASYPRINT_PINNED raised) before it is used, else invoices silently lose their styles
    or their speed."""
    assert weasyprint.__version__ == pdf.WEASYPRINT_PINNED
    assert "_ua_stylesheets" in vars(weasyprint.HTML)
    _rules, invoice = invoice_of_eight_instalments
    pdf._stamp.cache_clear()
    asked = []
    hook = pdf.BillingHTML._ua_stylesheets
    monkeypatch.setattr(
        pdf.BillingHTML, "_ua_stylesheets", lambda self, forms=False: asked.append(forms) or hook(self)
    )

    _filename, content = pdf.render_invoice(pdf.snapshot_of(invoice))

    # the invoice, and each block laid out once per process (pdf.Stamp)
    assert len(asked) == 1 + len(pdf.INVOICE_STAMPS)
    text = PdfReader(io.BytesIO(content)).pages[0].extract_text()
    # head and title are not printed; a <br> still breaks the line of the addresses
    assert "Facture MAL" not in text.replace("Facture n°", "")
    assert "BERTIN" in text


def test_a_batch_loaded_invoice_prints_the_same_bytes_as_one_loaded_alone(
    invoice_of_eight_instalments, django_assert_num_queries
):
    """billing_render_pdfs loads invoices by batches (pdf.invoices_to_render) with the site's
    settings read once: the stored PDF must not depend on which way the invoice was loaded."""
    rules, invoice = invoice_of_eight_instalments
    alone = pdf.render_invoice(pdf.snapshot_of(type(invoice).objects.get(pk=invoice.pk)))

    (loaded,) = pdf.invoices_to_render(type(invoice).objects.filter(pk=invoice.pk))
    with django_assert_num_queries(0):
        snapshot = pdf.snapshot_of(loaded, rules=rules)
    assert pdf.render_invoice(snapshot) == alone


def test_the_payer_and_the_site_print_one_address_line_under_another(invoice_of_eight_instalments):
    _rules, invoice = invoice_of_eight_instalments
    snapshot = pdf.snapshot_of(invoice)

    _filename, content = pdf.render_invoice(snapshot)

    lines = [line.strip() for line in PdfReader(io.BytesIO(content)).pages[0].extract_text().splitlines()]
    for printed in [snapshot.payer_name, *snapshot.payer_address, snapshot.site_name, *snapshot.site_address]:
        assert printed in lines
