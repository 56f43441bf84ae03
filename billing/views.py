"""Facturation tab: invoices and credit notes, schedule, payments, the estimate and receipts.

Every document is fetched through the family scope: another family's id answers 404.
"""

from __future__ import annotations

from decimal import Decimal

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header

from billing import online, payment_selectors, pdf, selectors, services
from billing.models import Invoice, InvoicePdf, Payment
from extranet.base.money import euros
from extranet.base.portal import family_required, scoped_or_404

ZERO = Decimal("0.00")


def pdf_response(filename: str, content: bytes) -> HttpResponse:
    response = HttpResponse(bytes(content), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=False, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@family_required
def invoice_list(request):
    billing = selectors.family_billing(request.family)
    payments = payment_selectors.facturation_payments(
        request.family, online_enabled=online.is_enabled(request.family.site), invoices=billing.invoices
    )
    return render(
        request,
        "billing/invoices.html",
        {"billing": billing, "invoices": billing.invoices, "payments": payments},
    )


@family_required
def invoice_pdf(request, pk: int):
    """The stored PDF, byte for byte; rendered and stored now if its rendering failed earlier."""
    invoice = scoped_or_404(Invoice.objects.for_family(request.family), pk=pk)
    stored = InvoicePdf.objects.filter(invoice=invoice).first() or services.render_and_store_pdf(invoice.pk)
    if stored is None:
        raise Http404
    return pdf_response(stored.filename, stored.content)


def _payment_rows(payments) -> list[pdf.PaymentSnapshot]:
    return [
        pdf.PaymentSnapshot(
            received_on=payment.received_on.strftime("%d/%m/%Y"),
            means=payment.means.label,
            reference=payment.reference,
            invoice_number=payment.instalment.invoice.number,
            amount=euros(payment.amount),
        )
        for payment in payments
    ]


@family_required
def receipted_invoice_pdf(request, pk: int):
    """Facture acquittée: only once nothing is left to pay on the invoice."""
    invoice = selectors.invoice_with_schedule(
        Invoice.objects.for_family(request.family).filter(kind=Invoice.Kind.INVOICE), pk
    )
    if invoice is None or invoice.due > 0 or invoice.paid <= 0:
        raise Http404
    payments = list(
        Payment.objects.filter(instalment__invoice=invoice)
        .select_related("means", "instalment__invoice")
        .order_by("received_on", "pk")
    )
    filename, content = pdf.render_receipted_invoice(
        pdf.snapshot_of(invoice),
        payments=_payment_rows(payments),
        paid_total=euros(invoice.paid),
        settled_on=max(payment.received_on for payment in payments).strftime("%d/%m/%Y"),
    )
    return pdf_response(filename, content)


@family_required
def payment_certificate_pdf(request, year: int):
    """The yearly payment certificate of the family's payer: every payment received that year
    and kept (``selectors.kept``: a payment the bank took back later is in no certificate)."""
    family = request.family
    payments = list(
        Payment.objects.filter(
            selectors.KEPT_PAYMENTS, instalment__invoice__family=family, received_on__year=year
        )
        .select_related("means", "instalment__invoice")
        .order_by("received_on", "pk")
    )
    if not payments:
        raise Http404
    payer = services.payer_of(family)
    invoice = payments[-1].instalment.invoice
    students = sorted(
        set(
            Invoice.objects.filter(pk__in={p.instalment.invoice_id for p in payments})
            .exclude(lines__student_name="")
            .values_list("lines__student_name", flat=True)
        )
    )
    snapshot = pdf.CertificateSnapshot(
        year=year,
        site_name=invoice.site_name,
        site_address=invoice.site_address.splitlines(),
        logo_url="",
        payer_name=payer.name,
        payer_address=payer.address.splitlines(),
        family_name=family.name,
        students=students,
        payments=_payment_rows(payments),
        total=euros(sum((p.amount for p in payments), ZERO)),
        made_on=timezone.localdate().strftime("%d/%m/%Y"),
    )
    filename, content = pdf.render_certificate(snapshot)
    return pdf_response(filename, content)
