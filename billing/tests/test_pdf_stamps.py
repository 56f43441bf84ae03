"""The blocks laid out once per process (pdf.Stamp): the site's identity and the legal texts."""

import io

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from pypdf import PdfReader

from billing import pdf
from billing.tests.factories import issued_invoice

pytestmark = pytest.mark.django_db


def issued(legal_mentions=""):
    _, invoice = issued_invoice(
        billing_mode=3, courses={"Emma": ["Piano Emma"]}, legal_mentions=legal_mentions
    )
    return pdf.snapshot_of(invoice)


def laid_out_whole(snapshot) -> bytes:
    """The invoice as WeasyPrint lays it out without stamps."""
    with translation.override("fr"):
        return pdf.html_to_pdf(render_to_string("billing/pdf/invoice.html", {"doc": snapshot}))


def lines_of(content: bytes) -> list[list[str]]:
    return [sorted(page.extract_text().splitlines()) for page in PdfReader(io.BytesIO(content)).pages]


def test_a_stamped_invoice_prints_the_same_lines_on_the_same_pages_as_one_laid_out_whole():
    snapshot = issued()

    _filename, content = pdf.render_invoice(snapshot)

    assert lines_of(content) == lines_of(laid_out_whole(snapshot))
    text = PdfReader(io.BytesIO(content)).pages[0].extract_text()
    for printed in (snapshot.site_name, *snapshot.site_address, "L. 1617-5", "RGPD", "Page 1 / 1"):
        assert printed in text


def test_legal_texts_too_long_for_the_first_page_go_whole_to_a_second_page_numbered_as_before():
    snapshot = issued(
        legal_mentions="\n".join(f"Mention {i} : délibération du conseil municipal." for i in range(60))
    )

    _filename, content = pdf.render_invoice(snapshot)

    # laid out whole, the legal block would be split between the pages: a stamp is not
    whole = laid_out_whole(snapshot)
    assert sorted(sum(lines_of(content), [])) == sorted(sum(lines_of(whole), []))
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]
    assert len(pages) == 2
    assert "Page 1 / 2" in pages[0] and "Page 2 / 2" in pages[1]
    for printed in ("L. 1617-5", "Mention 0 :", "Mention 59 :"):
        assert printed in pages[1]


def test_a_stamp_is_laid_out_once_and_its_slot_keeps_its_height(monkeypatch):
    snapshot = issued()
    pdf._stamp.cache_clear()
    first = pdf.render_invoice(snapshot)
    laid_out = []
    monkeypatch.setattr(
        pdf, "_html", lambda html, original=pdf._html: laid_out.append(html) or original(html)
    )

    again = pdf.render_invoice(snapshot)

    assert again == first
    assert len(laid_out) == 1  # the invoice itself, not its stamps
    stamps = pdf.stamps_for(pdf.INVOICE_STAMPS, {"doc": snapshot})
    assert f'style="{stamps["legal"].slot_style}"' in laid_out[0]
    assert "L. 1617-5" not in laid_out[0]
