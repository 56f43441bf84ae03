"""Money documents as PDF: a frozen snapshot in, ``(filename, bytes)`` out.

WeasyPrint renders a French HTML template (``templates/billing/pdf/``) with one local style
sheet; its URL fetcher serves only files under ``static/`` and the sites' logos folder, so a
PDF never makes a network request. Invoices and credit notes are rendered once and stored
(``InvoicePdf``); the receipted invoice and the yearly payment certificate are rendered from
the payments recorded when they are asked for.
"""

from __future__ import annotations

import copy
import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple
from xml.etree import ElementTree

import cssselect2
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from PIL import Image
from weasyprint import CSS, HTML
from weasyprint.formatting_structure.boxes import BlockBox
from weasyprint.pdf.stream import Stream
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from billing.models import BillingSettings, Invoice
from extranet.base.money import euros

STYLE_SHEET = Path(settings.BASE_DIR) / "static" / "css" / "billing_pdf.css"
UA_STYLE_SHEET = Path(settings.BASE_DIR) / "static" / "css" / "billing_pdf_ua.css"
# The WeasyPrint release (requirements.lock) whose private parts this module uses (the
# HTML._ua_stylesheets hook of BillingHTML; the page boxes and the PDF stream of the stamps);
# test_pdf.py fails when another release is installed, so they are checked again.
WEASYPRINT_PINNED = "70.0"
ZERO = Decimal("0.00")


class LocalFilesOnly(ValueError):
    pass


def _allowed_roots() -> list[Path]:
    return [
        Path(settings.BASE_DIR, "static").resolve(),
        Path(settings.MEDIA_ROOT, "billing", "logos").resolve(),
    ]


# A logo drawn at most 50 mm x 18 mm (billing_pdf.css), at 300 dpi: larger uploads are
# resampled once per process, so a 4000-pixel photo is not decoded and embedded in every PDF.
LOGO_MAX_PIXELS = (600, 216)


@lru_cache(maxsize=8)
def _resampled_logo(path: str, modified: float) -> bytes:
    """The logo at ``path`` as a PNG no larger than ``LOGO_MAX_PIXELS`` (``modified`` keys the
    cache, so a replaced logo is read again)."""
    with Image.open(path) as image:
        image.thumbnail(LOGO_MAX_PIXELS)
        if image.mode not in ("RGB", "RGBA", "L", "LA"):
            image = image.convert("RGBA")
        out = io.BytesIO()
        image.save(out, format="PNG")
    return out.getvalue()


class LocalFilesFetcher(URLFetcher):
    """Only ``file:`` URLs under the static folder or the logos folder; anything else fails.

    A logo is served resampled (``_resampled_logo``), from memory after the first PDF."""

    def __init__(self):
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)

    def fetch(self, url, headers=None):
        if not url.startswith("file://"):
            raise LocalFilesOnly(f"refused to fetch {url!r}: PDFs use local files only")
        path = Path(url.removeprefix("file://").split("?")[0]).resolve()
        static, logos = _allowed_roots()
        if path.is_relative_to(logos) and path.is_file():
            body = _resampled_logo(str(path), path.stat().st_mtime)
            # Not a file: URL, or WeasyPrint would embed the file on disk instead of these bytes.
            return URLFetcherResponse(
                f"resampled:{path.name}", body=body, headers={"Content-Type": "image/png"}
            )
        if not path.is_relative_to(static):
            raise LocalFilesOnly(f"refused to fetch {url!r}: outside the static and logos folders")
        return super().fetch(url, headers)


class BillingHTML(HTML):
    """A billing document with a user-agent style sheet of its own (``billing_pdf_ua.css``).

    WeasyPrint matches its whole HTML5 user-agent style sheet (about 300 rules) against every
    element, a quarter of the CPU time of an invoice; the billing templates use a dozen elements.
    WeasyPrint has no public option for it: ``_ua_stylesheets`` is private, hence the pinned
    version (``WEASYPRINT_PINNED``) and the test that fails when the hook is gone."""

    def _ua_stylesheets(self, forms=False):
        return [_renderer().user_agent]


class _Renderer(NamedTuple):
    """What every PDF of a process shares: WeasyPrint's font configuration, the parsed style
    sheets (user agent and ours), the URL fetcher and the decoded images."""

    fonts: FontConfiguration
    user_agent: CSS
    style: CSS
    fetcher: LocalFilesFetcher
    images: dict


@lru_cache(maxsize=1)
def _renderer() -> _Renderer:
    """The process's ``_Renderer``, built once."""
    fonts = FontConfiguration()
    fetcher = LocalFilesFetcher()
    user_agent = CSS(filename=str(UA_STYLE_SHEET), font_config=fonts, url_fetcher=fetcher)
    style = CSS(filename=str(STYLE_SHEET), font_config=fonts, url_fetcher=fetcher)
    return _Renderer(fonts, user_agent, style, fetcher, {})


def _html(html: str) -> BillingHTML:
    """``html`` parsed as XML when it is well formed (the billing templates are written so:
    ``<br/>``, ``<col/>``), else by WeasyPrint's HTML5 parser.

    Both parsers build the same tree of these documents (test_pdf_parse.py compares the PDFs),
    and expat, in C, costs a few hundredths of what tinyhtml5 does, which was a tenth of an
    invoice's CPU time. WeasyPrint has no public way to be given a parsed tree: this sets the
    attributes its ``HTML.__init__`` sets (hence ``WEASYPRINT_PINNED``)."""
    base_url = str(Path(settings.BASE_DIR, "static"))
    fetcher = _renderer().fetcher
    try:
        # Our templates' output: Django escapes every value printed, so no one can add markup,
        # entities or a DTD to it (what defusedxml guards against).
        root = ElementTree.fromstring(html)  # noqa: S314
    except ElementTree.ParseError:
        return BillingHTML(string=html, base_url=base_url, url_fetcher=fetcher)
    document = BillingHTML.__new__(BillingHTML)
    document.base_url = base_url
    document.url_fetcher = fetcher
    document.media_type = "print"
    document.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
    document.etree_element = document.wrapper_element.etree_element
    return document


def html_to_pdf(html: str, stamps: dict[str, Stamp] | None = None) -> bytes:
    """The PDF of ``html``; its empty ``stamp-slot`` blocks are drawn from ``stamps`` (by their
    ``data-stamp`` name)."""
    shared = _renderer()
    document = _html(html).render(stylesheets=[shared.style], font_config=shared.fonts, cache=shared.images)
    if stamps:
        _place_stamps(document, stamps)
    return document.write_pdf()


# ----------------------------------------------------------------------------- stamps

# A PDF point is 0.75 CSS pixel: the scale WeasyPrint paints a page at (write_pdf's zoom 1).
PDF_SCALE = 0.75
# A stamp is laid out as wide and at most as tall as the text of an A4 page less its margins
# (billing_pdf.css, @page); _place_stamps checks that its slot has that width, and a block
# taller than a page is laid out with the document, not stamped.
STAMP_PAGE = CSS(string="@page { size: 180mm 268mm; margin: 0; @bottom-center { content: none } }")
# The graphic states a stamp may use: fill and stroke opacities ("a0.5", "A1"), named by value,
# so the same name means the same state in every document.
OPACITY_STATE_PREFIXES = ("a", "A")


@dataclass(frozen=True)
class Stamp:
    """A block that is the same on every document of a site (the site's identity) or of a site
    and season (the legal mentions and the ways to contest), laid out and drawn once per
    process, then copied into each document that shows it.

    A season's invoices are rendered by the tens of thousands and WeasyPrint's cost grows with
    each line of text it lays out and draws: these blocks were a fifth of an invoice's. The
    document keeps an empty slot of the stamp's height (so pages break and number as before,
    except that a stamp is never split: one that does not fit goes whole to the next page),
    and the stamp's drawing operators, fonts and images are added to the slot's page: the PDF
    holds the same text, in the same fonts, at the same place."""

    width: float
    height: float
    left: float
    top: float
    operators: tuple
    fonts: dict
    states: dict
    images: dict

    @property
    def slot_style(self) -> str:
        """The style of the stamp's slot (not localised: CSS wants a decimal point)."""
        return f"height: {self.height:.4f}px"


@lru_cache(maxsize=64)
def _stamp(fragment: str) -> Stamp | None:
    """``fragment`` (one block of HTML) as a stamp, or None when it cannot be one (more than a
    page, or drawn with patterns, shadings or graphic states a stamp does not copy)."""
    shared = _renderer()
    html = (
        f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"/></head><body>{fragment}</body></html>'
    )
    document = _html(html).render(
        stylesheets=[shared.style, STAMP_PAGE], font_config=shared.fonts, cache=shared.images
    )
    if len(document.pages) != 1:
        return None
    (page,) = document.pages
    block = next(
        box for box in page._page_box.descendants() if isinstance(box, BlockBox) and box.element_tag == "div"
    )
    # Never written out: what the drawing names is copied into each document's own resources.
    resources = {"ExtGState": {}, "XObject": {}, "Pattern": {}, "Shading": {}}
    drawn_images = {}
    stream = Stream(
        document.fonts,
        (0, 0, page.width, page.height),
        resources,
        drawn_images,
        None,
        {},
        None,
        compress=True,
    )
    page.paint(stream, PDF_SCALE)
    if (
        resources["Pattern"]
        or resources["Shading"]
        or set(resources["XObject"]) != set(drawn_images)
        or not all(name.startswith(OPACITY_STATE_PREFIXES) for name in resources["ExtGState"])
    ):
        return None
    return Stamp(
        width=block.border_width(),
        height=block.border_height(),
        left=block.border_box_x(),
        top=block.border_box_y(),
        operators=tuple(stream.stream),
        fonts=dict(document.fonts),
        states=dict(resources["ExtGState"]),
        images=drawn_images,
    )


def stamps_for(templates: dict[str, str], context: dict) -> dict[str, Stamp]:
    """The stamps of ``templates`` (name -> template of one block) rendered with ``context``:
    their HTML is their key, so a site's new address or texts make new stamps."""
    stamps = {}
    for name, template in templates.items():
        stamp = _stamp(render_to_string(template, context))
        if stamp is not None:
            stamps[name] = stamp
    return stamps


def _place_stamps(document, stamps: dict[str, Stamp]) -> None:
    for page in document.pages:
        placed = []
        for box in page._page_box.descendants():
            if (
                isinstance(box, BlockBox)
                and box.element_tag == "div"
                and (name := box.element.get("data-stamp"))
            ):
                stamp = stamps[name]
                if abs(box.border_width() - stamp.width) > 0.01:
                    raise ValueError(
                        f"the {name} stamp is {stamp.width} px wide, its slot {box.border_width()} px"
                    )
                placed.append((stamp, box.border_box_x() - stamp.left, box.border_box_y() - stamp.top))
        if placed:
            # An instance attribute: this page paints its own boxes, then its stamps.
            page.paint = _painter(page.paint, placed)


def _painter(paint, placed):
    def paint_with_stamps(stream, scale=1):
        paint(stream, scale)
        if scale != PDF_SCALE:
            raise ValueError(f"stamps are drawn at the scale {PDF_SCALE}, not {scale}")
        for stamp, dx, dy in placed:
            _add_resources(stream, stamp)
            with stream.stacked():
                stream.transform(e=dx * scale, f=dy * scale)
                stream.stream.extend(stamp.operators)

    return paint_with_stamps


def _add_resources(stream: Stream, stamp: Stamp) -> None:
    """What the stamp's operators name, added to the document: its glyphs to the document's
    fonts (so the embedded subsets hold them), its opacity states and its images."""
    for key, font in stamp.fonts.items():
        own = stream._fonts.get(key)
        if own is None:
            own = stream._fonts[key] = copy.copy(font)
            own.widths, own.to_unicode, own.missing = {}, {}, {}
        own.widths.update(font.widths)
        own.to_unicode.update(font.to_unicode)
    for name, state in stamp.states.items():
        stream._resources["ExtGState"].setdefault(name, state)
    for name, image in stamp.images.items():
        stream._resources["XObject"].setdefault(name, None)  # the image object, added by write_pdf
        if name in stream._images:
            stream._images[name]["dpi_ratios"] |= image["dpi_ratios"]
        else:
            stream._images[name] = {**image, "dpi_ratios": set(image["dpi_ratios"]), "x_object": None}


# ----------------------------------------------------------------------------- the snapshot


@dataclass(frozen=True)
class LineSnapshot:
    student_name: str
    label: str
    detail: str
    amount: str
    is_reduction: bool


@dataclass(frozen=True)
class InstalmentSnapshot:
    rank: int
    due_on: str
    amount: str


@dataclass(frozen=True)
class InvoiceSnapshot:
    """Everything a money document prints, copied from the frozen invoice rows."""

    kind: str
    number: str
    issued_on: str
    season: str
    site_name: str
    site_address: list[str]
    logo_url: str
    family_name: str
    family_reference: str
    payer_name: str
    payer_address: list[str]
    payment_means: str
    billing_mode: int
    quotient_note: str
    lines: list[LineSnapshot]
    total: str
    instalments: list[InstalmentSnapshot]
    cancels_number: str = ""
    reason: str = ""
    refundable: str = ""
    payable_to: str = ""
    payment_instructions: str = ""
    legal_mentions: str = ""
    students: list[str] = field(default_factory=list)

    @property
    def is_credit_note(self) -> bool:
        return self.kind == Invoice.Kind.CREDIT_NOTE

    @property
    def filename(self) -> str:
        word = "avoir" if self.is_credit_note else "facture"
        return f"{word}-{self.number}.pdf"


_UNREAD = object()


def invoices_to_render(queryset):
    """``queryset`` with what ``snapshot_of`` reads joined or prefetched: a renderer working
    through a season's invoices then costs three queries per batch instead of five per PDF."""
    return queryset.select_related("season", "cancels", "family").prefetch_related("lines", "instalments")


def snapshot_of(invoice: Invoice, *, rules: BillingSettings | None | object = _UNREAD) -> InvoiceSnapshot:
    """The frozen document: the invoice's own copies, plus the site's printed texts.

    ``rules`` is the site's ``BillingSettings`` (or None) when the caller already read it;
    lines and instalments come from ``invoices_to_render``'s prefetch when there is one."""
    if rules is _UNREAD:
        rules = BillingSettings.objects.filter(site_id=invoice.site_id).first()
    lines = sorted(invoice.lines.all(), key=lambda line: line.pk)
    logo_url = ""
    if rules is not None and rules.logo:
        path = Path(settings.MEDIA_ROOT, rules.logo.name).resolve()
        if path.is_file():
            logo_url = path.as_uri()
    students = []
    for line in lines:
        if line.student_name and line.student_name not in students:
            students.append(line.student_name)
    return InvoiceSnapshot(
        kind=invoice.kind,
        number=invoice.number,
        issued_on=timezone.localtime(invoice.issued_at).strftime("%d/%m/%Y"),
        season=invoice.season.label,
        site_name=invoice.site_name,
        site_address=invoice.site_address.splitlines(),
        logo_url=logo_url,
        family_name=invoice.family_name or invoice.family.name,
        family_reference=invoice.family_reference,
        payer_name=invoice.payer_name,
        payer_address=invoice.payer_address.splitlines(),
        payment_means=invoice.payment_means_label,
        billing_mode=invoice.billing_mode,
        quotient_note=invoice.quotient_note,
        lines=[
            LineSnapshot(
                student_name=line.student_name,
                label=line.label,
                detail=line.detail,
                amount=euros(line.amount),
                is_reduction=line.kind == "reduction",
            )
            for line in lines
        ],
        total=euros(invoice.total),
        instalments=[
            InstalmentSnapshot(rank=i.rank, due_on=i.due_on.strftime("%d/%m/%Y"), amount=euros(i.amount))
            for i in sorted(invoice.instalments.all(), key=lambda instalment: instalment.rank)
        ],
        cancels_number=invoice.cancels.number if invoice.cancels_id else "",
        reason=invoice.reason,
        refundable=euros(invoice.refundable) if invoice.refundable else "",
        payable_to=rules.payable_to if rules else "",
        payment_instructions=rules.payment_instructions if rules else "",
        legal_mentions=rules.legal_mentions if rules else "",
        students=students,
    )


INVOICE_STAMPS = {
    "issuer": "billing/pdf/_issuer.html",
    "lines_head": "billing/pdf/_lines_head.html",
    "schedule_head": "billing/pdf/_schedule_head.html",
    "instructions": "billing/pdf/_instructions.html",
    "legal": "billing/pdf/_legal.html",
}
CERTIFICATE_STAMPS = {"issuer": "billing/pdf/_issuer.html"}


def render_invoice(snapshot: InvoiceSnapshot) -> tuple[str, bytes]:
    """An invoice or credit note as PDF."""
    with translation.override("fr"):
        stamps = stamps_for(INVOICE_STAMPS, {"doc": snapshot})
        html = render_to_string("billing/pdf/invoice.html", {"doc": snapshot, "stamps": stamps})
    return snapshot.filename, html_to_pdf(html, stamps)


# ----------------------------------------------------------------------------- receipts


@dataclass(frozen=True)
class PaymentSnapshot:
    received_on: str
    means: str
    reference: str
    invoice_number: str
    amount: str


def render_receipted_invoice(
    snapshot: InvoiceSnapshot, *, payments: list[PaymentSnapshot], paid_total: str, settled_on: str
) -> tuple[str, bytes]:
    """The facture acquittée: the invoice as issued, stamped paid, with the payments received."""
    with translation.override("fr"):
        stamps = stamps_for(INVOICE_STAMPS, {"doc": snapshot})
        html = render_to_string(
            "billing/pdf/invoice.html",
            {
                "doc": snapshot,
                "stamps": stamps,
                "receipted": True,
                "payments": payments,
                "paid_total": paid_total,
                "settled_on": settled_on,
            },
        )
    return f"facture-acquittee-{snapshot.number}.pdf", html_to_pdf(html, stamps)


@dataclass(frozen=True)
class CertificateSnapshot:
    year: int
    site_name: str
    site_address: list[str]
    logo_url: str
    payer_name: str
    payer_address: list[str]
    family_name: str
    students: list[str]
    payments: list[PaymentSnapshot]
    total: str
    made_on: str


def render_certificate(snapshot: CertificateSnapshot) -> tuple[str, bytes]:
    """The yearly payment certificate (attestation de paiement), for a works council, the CAF or taxes."""
    with translation.override("fr"):
        stamps = stamps_for(CERTIFICATE_STAMPS, {"doc": snapshot})
        html = render_to_string("billing/pdf/certificate.html", {"doc": snapshot, "stamps": stamps})
    return f"attestation-paiement-{snapshot.year}.pdf", html_to_pdf(html, stamps)


def today_text(day: datetime.date | None = None) -> str:
    return (day or timezone.localdate()).strftime("%d/%m/%Y")
