"""The billing templates are parsed as XML (pdf._html): the PDFs are those of the HTML5 parser."""

from xml.etree import ElementTree

import pytest

from billing import pdf
from billing.tests.factories import issued_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice_of_eight_instalments():
    """Three pupils (so reductions, with their detail line), eight instalments, payment texts."""
    rules, invoice = issued_invoice(
        billing_mode=8,
        courses={name: [f"Piano {name}"] for name in ("Emma", "Léo", "Zoé")},
        payment_instructions="Secrétariat : lundi au vendredi.\nParking rue Béranger.",
        legal_mentions="Délibération du 24 juin.",
    )
    return rules, invoice


def html5_only(monkeypatch):
    def not_well_formed(text):
        raise ElementTree.ParseError("the HTML5 parser, for the comparison")

    monkeypatch.setattr(pdf.ElementTree, "fromstring", not_well_formed)


def test_an_invoice_parsed_as_xml_prints_the_bytes_of_the_html5_parser(
    invoice_of_eight_instalments, monkeypatch
):
    _rules, invoice = invoice_of_eight_instalments
    snapshot = pdf.snapshot_of(invoice)
    pdf.render_invoice(snapshot)  # the stamps, parsed once
    parsed_as_xml = []
    fromstring = ElementTree.fromstring
    monkeypatch.setattr(
        pdf.ElementTree, "fromstring", lambda text: parsed_as_xml.append(text) or fromstring(text)
    )
    as_xml = pdf.render_invoice(snapshot)
    assert len(parsed_as_xml) == 1

    html5_only(monkeypatch)

    assert pdf.render_invoice(snapshot) == as_xml


def test_a_receipted_invoice_and_a_certificate_parsed_as_xml_print_the_html5_bytes(
    invoice_of_eight_instalments,
    monkeypatch,
):
    _rules, invoice = invoice_of_eight_instalments
    snapshot = pdf.snapshot_of(invoice)
    payment = pdf.PaymentSnapshot("03/10/2025", "Chèque", "n° 1234567", snapshot.number, "648,00 €")
    certificate = pdf.CertificateSnapshot(
        year=2025,
        site_name=snapshot.site_name,
        site_address=snapshot.site_address,
        logo_url="",
        payer_name=snapshot.payer_name,
        payer_address=snapshot.payer_address,
        family_name=snapshot.family_name,
        students=snapshot.students,
        payments=[payment],
        total="648,00 €",
        made_on="05/01/2026",
    )

    def both():
        return (
            pdf.render_receipted_invoice(
                snapshot, payments=[payment], paid_total="648,00 €", settled_on="03/10/2025"
            ),
            pdf.render_certificate(certificate),
        )

    as_xml = both()
    html5_only(monkeypatch)

    assert both() == as_xml
