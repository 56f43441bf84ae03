"""Reads for paying: what is still due on each instalment, and what Facturation shows about
mandates, debits, rejects and online payments (``templates/billing/payments/_facturation.html``).

An instalment is covered by its Payment rows (desk, card) and by a direct debit presented to
the bank and not rejected: a presented debit is money on its way, not a debt the family can
pay a second time online.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from billing.iban import mask_iban
from billing.models import Instalment, Invoice, Mandate, Payment
from billing.payment_models import DirectDebit, MandateDetails, OnlineTransaction
from billing.selectors import family_invoices
from extranet.base.prepared import PreparedQuery
from families.models import Family

ZERO = Decimal("0.00")
_MONEY = DecimalField(max_digits=10, decimal_places=2)


def _sum_of(queryset: QuerySet, column: str = "amount") -> Subquery:
    summed = queryset.order_by().values("instalment").annotate(total=Sum(column)).values("total")
    return Coalesce(Subquery(summed, output_field=_MONEY), Value(ZERO), output_field=_MONEY)


def with_outstanding(instalments: QuerySet) -> QuerySet:
    """Annotate ``paid`` (payments), ``debited`` (presented debits) and ``outstanding``.

    Billing's own rule (``billing.selectors.annotate_invoice``) is amount - credited - paid;
    a presented debit counts on top of it as money on its way.
    """
    return instalments.annotate(
        paid=_sum_of(Payment.objects.filter(instalment=OuterRef("pk"))),
        debited=_sum_of(DirectDebit.objects.presented().filter(instalment=OuterRef("pk"))),
    ).annotate(
        # Typed as money (on SQLite a computed column still comes back with 12 decimals:
        # display it with the |euros formatter).
        outstanding=ExpressionWrapper(
            F("amount") - F("credited") - F("paid") - F("debited"), output_field=_MONEY
        )
    )


def late(instalments: QuerySet) -> QuerySet:
    """Of instalments annotated by ``with_outstanding``, those past their date with money still
    due: what the secretariat's "en retard" filter lists and the "À traiter" dashboard counts."""
    return instalments.filter(outstanding__gt=0, due_on__lt=timezone.localdate())


def open_instalments(family: Family) -> QuerySet:
    """The family's invoice instalments with money still due, earliest first.

    What a credit note cancelled is in ``credited`` (billing's ``cancel_invoice``), so a
    cancelled invoice owes nothing and a partly cancelled one only the rest.
    """
    return (
        with_outstanding(
            Instalment.objects.filter(invoice__family=family, invoice__kind=Invoice.Kind.INVOICE)
        )
        .filter(outstanding__gt=0)
        .select_related("invoice")
        .order_by("due_on", "invoice__number", "rank")
    )


def payable_online(family: Family) -> list[Instalment]:
    """Open instalments a family may pay by card now: every due one, and any later one."""
    return list(open_instalments(family))


@dataclass
class FacturationPayments:
    mandate: Mandate | None
    masked_iban: str
    payable: list[Instalment]
    rejected_debits: list[DirectDebit] = field(default_factory=list)
    presented_debits: list[DirectDebit] = field(default_factory=list)
    online: list[OnlineTransaction] = field(default_factory=list)
    online_enabled: bool = False

    @property
    def overdue(self) -> list[Instalment]:
        today = timezone.localdate()
        return [instalment for instalment in self.payable if instalment.due_on <= today]


def _reject_of(debit: DirectDebit):
    try:
        return debit.reject
    except ObjectDoesNotExist:
        return None


# Facturation's reads, built and compiled once per process (extranet/base/prepared.py).
_FAMILY_MANDATE = PreparedQuery(
    lambda family_id: (
        Mandate.objects.filter(family_id=family_id, revoked_on__isnull=True)
        .select_related("details")
        .filter(details__state__in=[MandateDetails.State.AWAITING_SIGNATURE, MandateDetails.State.ACTIVE])
        .order_by("-signed_on")[:1]  # Mandate's ordering, as first() read it
    )
)
_FAMILY_ONLINE = PreparedQuery(
    lambda family_id: OnlineTransaction.objects.for_family(family_id).order_by("-created_at")[:10]
)


def facturation_payments(
    family: Family, *, online_enabled: bool, invoices: list[Invoice] | None = None
) -> FacturationPayments:
    """Everything the payments part of Facturation shows.

    ``invoices`` are the family's invoices as ``billing.selectors.family_invoices`` loads them
    (each instalment with its ``due`` and its direct debits): what is still due and the debits
    to tell about are read from them, so this costs two queries (mandate, online payments), one
    without an invoice (a card payment is for instalments of the family's invoices, and an
    invoice is never deleted).
    """
    if invoices is None:
        invoices = family_invoices(family)
    mandate = _FAMILY_MANDATE.first(family_id=family.pk)
    instalments = [i for invoice in invoices if not invoice.is_credit_note for i in invoice.schedule]
    # The rule of open_instalments, on the loaded rows: ``due`` is amount - credited - paid,
    # where paid counts the presented debits.
    payable = sorted(
        (i for i in instalments if i.due > 0), key=lambda i: (i.due_on, i.invoice.number, i.rank)
    )
    still_due = {instalment.pk for instalment in payable}
    today = timezone.localdate()
    debits = sorted(
        (
            debit
            for instalment in instalments
            for debit in instalment.debit_list
            if (debit.state == DirectDebit.State.PRESENTED and debit.collection_date >= today)
            or _reject_of(debit) is not None
        ),
        key=lambda debit: (debit.collection_date, debit.pk),
        reverse=True,
    )[:20]
    online = _FAMILY_ONLINE.list(family_id=family.pk) if invoices else []
    return FacturationPayments(
        mandate=mandate,
        masked_iban=mask_iban(mandate.iban) if mandate else "",
        payable=payable,
        rejected_debits=[
            d
            for d in debits
            if d.state in (DirectDebit.State.REJECTED, DirectDebit.State.RETURNED)
            and d.instalment_id in still_due
        ],
        presented_debits=[d for d in debits if d.state == DirectDebit.State.PRESENTED],
        online=online,
        online_enabled=online_enabled,
    )
