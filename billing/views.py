"""Facturation tab: the family's invoices, their instalments, what is paid and what is due."""

from decimal import Decimal

from django.db.models import DecimalField, Prefetch, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import render

from billing.models import Instalment, Invoice
from extranet.base.portal import family_required

ZERO = Decimal("0.00")


def _family_invoices(family) -> list[Invoice]:
    """Invoices newest first, each instalment with ``paid`` summed from its Payment rows."""
    instalments = Instalment.objects.annotate(
        paid=Coalesce(
            Sum("payments__amount"), Value(ZERO), output_field=DecimalField(max_digits=10, decimal_places=2)
        )
    ).order_by("rank")
    invoices = list(
        Invoice.objects.for_family(family)
        .select_related("season")
        .prefetch_related(Prefetch("instalments", queryset=instalments, to_attr="schedule"))
        .order_by("-issued_at", "-pk")
    )
    for invoice in invoices:
        for instalment in invoice.schedule:
            instalment.due = max(instalment.amount - instalment.paid, ZERO)
        invoice.paid = sum((instalment.paid for instalment in invoice.schedule), ZERO)
        invoice.due = sum((instalment.due for instalment in invoice.schedule), ZERO)
    return invoices


@family_required
def invoice_list(request):
    return render(request, "billing/invoices.html", {"invoices": _family_invoices(request.family)})
