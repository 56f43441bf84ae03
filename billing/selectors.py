"""Reads about billing: the QF in force, what a family is enrolled in, its Facturation tab.

Every function costs a fixed number of queries, whatever the number of pupils or invoices.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import DecimalField, Exists, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import pricing
from billing.models import (
    BillingSettings,
    CourseStop,
    Instalment,
    Invoice,
    InvoiceLine,
    Payment,
    Tariff,
)
from billing.payment_models import DirectDebit
from documents.models import Document, DocumentType
from extranet.base.models import Season, Site
from extranet.base.prepared import PreparedQuery
from families.models import Family
from reenrolment.models import Reenrolment, ReenrolmentChoice
from students.models import CourseCategory, Enrolment, Student

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=10, decimal_places=2)


# ----------------------------------------------------------------------------- the QF rule


def _quotient_documents():
    """The family's QF attestations that count (a replaced one does not)."""
    return Document.objects.filter(
        student__isnull=True,
        document_type__requirement=DocumentType.Requirement.REDUCED_TARIFF,
    ).exclude(state=Document.State.REPLACED)


# Facturation's reads, built and compiled once per process (extranet/base/prepared.py).
_QUOTIENT_STATES = PreparedQuery(
    lambda family_id: _quotient_documents().filter(family_id=family_id).values_list("state", flat=True)
)


def quotient_for(family: Family) -> pricing.QuotientUsed:
    """The QF the tariffs are read with, and why: only a validated attestation counts."""
    return quotient_from_states(family, set(_QUOTIENT_STATES.list(family_id=family.pk)))


def quotient_states_by_family(family_ids: Iterable[int]) -> dict[int, set[str]]:
    """The states of each family's QF attestations (``quotient_from_states``), in one query."""
    states: dict[int, set[str]] = defaultdict(set)
    rows = _quotient_documents().filter(family_id__in=family_ids).values_list("family_id", "state")
    for family_id, state in rows:
        states[family_id].add(state)
    return states


def quotient_from_states(family: Family, states: set[str]) -> pricing.QuotientUsed:
    """``quotient_for``'s rule on the states of the family's QF attestations, already read."""
    if Document.State.VALIDATED in states and family.family_quotient is not None:
        return pricing.QuotientUsed(
            family.family_quotient,
            _("Quotient familial de %(qf)s € retenu (attestation validée par le secrétariat).")
            % {"qf": family.family_quotient},
        )
    if Document.State.SUBMITTED in states:
        why = _("votre attestation de quotient familial attend sa vérification par le secrétariat")
    elif Document.State.REFUSED in states:
        why = _("votre attestation de quotient familial a été refusée ; importez-en une nouvelle")
    else:
        why = _("aucune attestation de quotient familial n'a été fournie")
    return pricing.QuotientUsed(
        None,
        _("Tranche la plus haute du tarif appliquée : %(why)s (Documents fournis).") % {"why": why},
    )


# ----------------------------------------------------------------------------- tariffs and courses


def billing_settings(site: Site) -> BillingSettings | None:
    return BillingSettings.objects.filter(site=site).first()


def tariff_book(site: Site, season: Season) -> pricing.TariffBook:
    return pricing.TariffBook(Tariff.objects.filter(site=site, season=season), billing_settings(site))


def price_for(
    family: Family,
    season: Season,
    *,
    book: pricing.TariffBook,
    courses: Sequence[pricing.CourseToPrice],
    quotient: pricing.QuotientUsed,
) -> pricing.FamilyPrice:
    """``pricing.price_family`` for ``family``'s commune (resident or not) and ``season``'s dates:
    what the estimate and the invoice price alike."""
    return pricing.price_family(
        book=book,
        courses=courses,
        quotient=quotient,
        city=family.city,
        season_start=season.starts_on,
        season_end=season.ends_on,
    )


def _course_to_price(enrolment: Enrolment, season: Season, labels: dict) -> pricing.CourseToPrice:
    """One enrolment as ``price_family`` reads it; one started after the season began counts
    from the day it was created."""
    created_on = timezone.localdate(enrolment.created_at)
    return pricing.CourseToPrice(
        student_id=enrolment.student_id,
        student_name=enrolment.student.full_name,
        birth_date=enrolment.student.birth_date,
        course_name=enrolment.course.name,
        category=enrolment.course.category,
        category_label=str(labels.get(enrolment.course.category, enrolment.course.category)),
        discipline_id=enrolment.course.discipline_id,
        enrolment_id=enrolment.pk,
        starts_on=created_on if created_on > season.starts_on else None,
        stops_on=enrolment.billing_stop.stopped_on if enrolment.has_stop else None,
    )


def enrolled_courses_by_family(
    family_ids: Iterable[int], season: Season
) -> dict[int, list[pricing.CourseToPrice]]:
    """Each family's enrolments of ``season`` that cost something, as ``price_family`` reads them
    (active ones, and those stopped during the season with the day recorded), pupil by pupil, in
    one query (issuing a season, batch by batch)."""
    stops = CourseStop.objects.filter(enrolment=OuterRef("pk"))
    enrolments = (
        Enrolment.objects.filter(student__family_id__in=family_ids, season=season)
        .filter(
            Q(status=Enrolment.Status.ACTIVE) | Q(status=Enrolment.Status.STOPPED, billing_stop__isnull=False)
        )
        .annotate(has_stop=Exists(stops))
        .select_related("student", "course", "billing_stop")
    )
    labels = dict(CourseCategory.choices)
    courses: dict[int, list[pricing.CourseToPrice]] = defaultdict(list)
    order = ("student__family_id", "student__birth_date", "student_id", "course__name", "pk")
    for enrolment in enrolments.order_by(*order):
        courses[enrolment.student.family_id].append(_course_to_price(enrolment, season, labels))
    return courses


# ----------------------------------------------------------------------------- the estimate


@dataclass
class Estimate:
    """What the coming season will cost, from the dossiers sent (never a bill)."""

    season: Season
    price: pricing.FamilyPrice
    quotient: pricing.QuotientUsed
    schedule: list[tuple[datetime.date, Decimal]]
    billing_mode_label: str
    waitlisted: list[str] = field(default_factory=list)
    tariffs_missing: bool = False


def _dossiers_to_estimate(family_id):
    return (
        Reenrolment.objects.filter(
            student__family_id=family_id,
            window__season__is_next=True,
            state__in=[
                Reenrolment.State.SUBMITTED,
                Reenrolment.State.VALIDATED,
                Reenrolment.State.WAITLISTED,
            ],
        )
        .values_list(
            "state",
            "student_id",
            "student__first_name",
            "student__last_name",
            "student__birth_date",
            "choices__state",
            "choices__course__name",
            "choices__course__category",
            "choices__course__discipline_id",
        )
        .order_by("student__birth_date", "student_id", "choices__preference", "choices__pk")
    )


# The dossiers of the coming season with their choices, one row per choice (estimate_for).
_DOSSIERS_TO_ESTIMATE = PreparedQuery(_dossiers_to_estimate)


def estimate_for(family: Family, *, quotient: pricing.QuotientUsed | None = None) -> Estimate | None:
    """Once a dossier for the next season is sent: its courses priced with the current tariffs.

    The dossiers and their choices come in one query (a dossier without a choice, such as an
    administrative one, is a row with no choice); the season, the tariffs and the QF are only
    read once there is something to price. ``quotient`` is the family's QF when the caller
    already has it (``quotient_for``).
    """
    rows = _DOSSIERS_TO_ESTIMATE.list(family_id=family.pk)
    labels = dict(CourseCategory.choices)
    courses, waitlisted, priced, submitted = [], [], False, False
    for (
        state,
        student_id,
        first_name,
        last_name,
        birth_date,
        choice_state,
        name,
        category,
        discipline,
    ) in rows:
        submitted = submitted or state == Reenrolment.State.SUBMITTED
        if choice_state is None or choice_state == ReenrolmentChoice.State.REFUSED:
            continue
        priced = True
        student_name = Student(first_name=first_name, last_name=last_name).full_name
        if choice_state == ReenrolmentChoice.State.WAITLISTED:
            waitlisted.append(f"{student_name} – {name}")
            continue
        courses.append(
            pricing.CourseToPrice(
                student_id=student_id,
                student_name=student_name,
                birth_date=birth_date,
                course_name=name,
                category=category,
                category_label=str(labels.get(category, category)),
                discipline_id=discipline,
            )
        )
    if not priced and not submitted:
        return None
    season = Season.objects.next()
    book = tariff_book(family.site, season)
    quotient = quotient if quotient is not None else quotient_for(family)
    price = price_for(family, season, book=book, courses=courses, quotient=quotient)
    plan = pricing.schedule(
        max(price.total, ZERO),
        season_start=season.starts_on,
        billing_mode=family.billing_mode,
        issued_on=min(timezone.localdate(), season.starts_on),
    )
    return Estimate(
        season=season,
        price=price,
        quotient=quotient,
        schedule=plan,
        billing_mode_label=family.get_billing_mode_display(),
        waitlisted=waitlisted,
        tariffs_missing=not book,
    )


# ----------------------------------------------------------------------------- the Facturation tab


def _presented_debits():
    """What direct debits presented to the bank and not rejected took on each instalment."""
    summed = (
        DirectDebit.objects.presented()
        .filter(instalment=OuterRef("pk"))
        .order_by()
        .values("instalment")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(summed, output_field=MONEY), Value(ZERO), output_field=MONEY)


def _instalments_with_paid():
    """``paid`` counts the Payment rows (desk, card online) and the presented debits: one rule,
    the same as ``billing.payment_selectors.with_outstanding``. A reject turns its debit's state
    to rejected, so the instalment is due again without any row being edited."""
    return Instalment.objects.annotate(
        paid=Coalesce(Sum("payments__amount"), Value(ZERO), output_field=MONEY) + _presented_debits()
    ).order_by("rank")


def _schedule_with_rows():
    """Each instalment with its payments (``payment_list``) and direct debits (``debit_list``,
    rejects joined): what Facturation lists, and what ``paid_of`` adds up."""
    return Instalment.objects.order_by("rank").prefetch_related(
        Prefetch(
            "payments",
            # The reversal joined both ways: a payment taken back, or the entry that takes it back.
            queryset=Payment.objects.select_related("means", "reversal", "reversal_entry").order_by(),
            to_attr="payment_list",
        ),
        Prefetch(
            "direct_debits",
            queryset=DirectDebit.objects.select_related("reject").order_by(),
            to_attr="debit_list",
        ),
    )


def kept(payment: Payment) -> bool:
    """Whether the payment stays paid, as a payment certificate counts it: neither taken back by the
    bank afterwards (a direct debit returned in January reverses a December collection) nor the
    negative entry that takes one back. The pair cancels out, so neither year's certificate shows
    it: the December one would count money the family did not keep, the January one a negative
    payment. ``payment`` comes from ``_schedule_with_rows`` (its reversal joined)."""
    return not hasattr(payment, "reversal") and not hasattr(payment, "reversal_entry")


KEPT_PAYMENTS = Q(reversal__isnull=True, reversal_entry__isnull=True)


def paid_of(instalment: Instalment) -> Decimal:
    """``_instalments_with_paid``'s rule on the rows ``_schedule_with_rows`` loaded: the payments
    and the debits still presented (a rejected one no longer counts)."""
    return sum((payment.amount for payment in instalment.payment_list), ZERO) + sum(
        (debit.amount for debit in instalment.debit_list if debit.state == DirectDebit.State.PRESENTED), ZERO
    )


_FAMILY_INVOICES = PreparedQuery(
    lambda family_id: (
        Invoice.objects.for_family(family_id)
        .select_related("season")
        .prefetch_related(Prefetch("instalments", queryset=_schedule_with_rows(), to_attr="schedule"))
        .order_by("-issued_at", "-pk")
    )
)


def family_invoices(family: Family, *, today: datetime.date | None = None) -> list[Invoice]:
    """Invoices and credit notes newest first, each instalment with ``paid``, ``due`` and ``late``,
    and its payments and direct debits: four queries at most (one without an invoice)."""
    today = today or timezone.localdate()
    invoices = _FAMILY_INVOICES.list(family_id=family.pk)
    by_pk = {invoice.pk: invoice for invoice in invoices}
    for invoice in invoices:
        if invoice.cancels_id in by_pk:  # a credit note cancels an invoice of the same family
            invoice.cancels = by_pk[invoice.cancels_id]
        for instalment in invoice.schedule:
            instalment.paid = paid_of(instalment)
        annotate_invoice(invoice, today=today)
    return invoices


def annotate_invoice(invoice: Invoice, *, today: datetime.date) -> None:
    """``paid``, ``due``, ``credited`` on the invoice and each of its instalments (``schedule``)."""
    next_marked = False
    for instalment in invoice.schedule:
        instalment.paid = pricing.money(instalment.paid)  # SQLite sums come back with 12 decimals
        instalment.due = max(instalment.amount - instalment.credited - instalment.paid, ZERO)
        instalment.late = bool(instalment.due) and instalment.due_on < today
        instalment.next_due = False
        if instalment.due and not instalment.late and not next_marked:
            instalment.next_due = next_marked = True
    invoice.paid = sum((instalment.paid for instalment in invoice.schedule), ZERO)
    invoice.credited = sum((instalment.credited for instalment in invoice.schedule), ZERO)
    invoice.due = sum((instalment.due for instalment in invoice.schedule), ZERO)
    invoice.late = any(instalment.late for instalment in invoice.schedule)


@dataclass
class FamilyBilling:
    invoices: list[Invoice]
    payments: list[Payment]
    quotient: pricing.QuotientUsed
    estimate: Estimate | None
    certificate_years: list[int]
    next_due: Instalment | None = None
    late_total: Decimal = ZERO
    due_total: Decimal = ZERO


def family_billing(family: Family, *, today: datetime.date | None = None) -> FamilyBilling:
    """Everything the Facturation tab shows but the paying part, in a fixed number of queries:
    the invoices (with their schedules, payments and debits: ``family_invoices``), the QF, the
    dossiers of the coming season (``estimate_for``)."""
    today = today or timezone.localdate()
    invoices = family_invoices(family, today=today)
    payments = sorted(
        (payment for invoice in invoices for i in invoice.schedule for payment in i.payment_list),
        key=lambda payment: (payment.received_on, payment.pk),
        reverse=True,
    )
    instalments = [i for invoice in invoices if not invoice.is_credit_note for i in invoice.schedule]
    upcoming = sorted((i for i in instalments if i.due and not i.late), key=lambda i: (i.due_on, i.pk))
    years = sorted({payment.received_on.year for payment in payments if kept(payment)}, reverse=True)
    quotient = quotient_for(family)
    return FamilyBilling(
        invoices=invoices,
        payments=payments,
        quotient=quotient,
        estimate=estimate_for(family, quotient=quotient),
        certificate_years=years,
        next_due=upcoming[0] if upcoming else None,
        late_total=sum((i.due for i in instalments if i.late), ZERO),
        due_total=sum((i.due for i in instalments), ZERO),
    )


def invoice_with_schedule(queryset, pk: int, *, today: datetime.date | None = None) -> Invoice | None:
    invoice = (
        queryset.filter(pk=pk)
        .select_related("season", "cancels", "site", "family")
        .prefetch_related(
            Prefetch("instalments", queryset=_instalments_with_paid(), to_attr="schedule"),
            Prefetch("lines", queryset=InvoiceLine.objects.order_by("pk"), to_attr="line_list"),
        )
        .first()
    )
    if invoice is not None:
        annotate_invoice(invoice, today=today or timezone.localdate())
    return invoice


def late_instalments(site: Site, *, today: datetime.date) -> list[Instalment]:
    """Instalments of ``site`` past their date with something still due, oldest first."""
    instalments = (
        _instalments_with_paid()
        .filter(invoice__site=site, invoice__kind=Invoice.Kind.INVOICE, due_on__lt=today)
        .select_related("invoice__family", "invoice__season")
        .order_by("invoice__family_id", "due_on", "pk")
    )
    late = []
    for instalment in instalments:
        instalment.paid = pricing.money(instalment.paid)
        instalment.due = instalment.amount - instalment.credited - instalment.paid
        if instalment.due > 0:
            late.append(instalment)
    return late
