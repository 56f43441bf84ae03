"""Writes about money: issue invoices, cancel them by credit notes, record desk payments and stops.

Like pretix's invoices: the number comes from a counter row locked inside the issuing
transaction (``InvoiceSequence``), so numbers are gapless and unique per site and year even
with several processes issuing at once; an issued document copies the family's and the site's
identity, its lines and the QF used, and is never edited: a credit note cancels it. The PDF is
rendered once, after commit, from the frozen rows (``billing.pdf``) and stored.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, QuerySet, Subquery, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_tasks import task

from billing import pdf, pricing, selectors
from billing.models import (
    BillingSettings,
    CourseStop,
    Instalment,
    Invoice,
    InvoiceLine,
    InvoicePdf,
    InvoiceSequence,
    Payment,
    Receipt,
)
from billing.payment_models import DirectDebit
from extranet.base.audit import FieldChange, record_changes
from extranet.base.background import PDF_QUEUE, enqueue_after_commit
from extranet.base.emails import send_email
from extranet.base.errors import DomainError
from extranet.base.models import PaymentMeans, Season, Site
from extranet.base.money import euros
from families.models import Family, Membership
from students.models import Enrolment

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")
# The means the secretariat takes at the desk (online card and direct debit are issue 11's).
DESK_MEANS = ("cheque", "holiday_vouchers", "pass_culture", "cash", "card_desk")


class BillingError(DomainError):
    """A refused operation; ``message`` is French, ``field`` names the form field it belongs to."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message, field=field)


# ----------------------------------------------------------------------------- numbering


def invoice_prefix(site: Site, rules: BillingSettings | None = None) -> str:
    """The site's number prefix; ``rules`` already read (a whole issuing run) spares a query."""
    if rules is not None:
        prefix = rules.invoice_prefix
    else:
        prefix = BillingSettings.objects.filter(site=site).values_list("invoice_prefix", flat=True).first()
    return prefix or site.slug.replace("-", "")[:3].upper()


def _next_number_sql(connection) -> str:
    meta = InvoiceSequence._meta
    quote = connection.ops.quote_name
    last = quote(meta.get_field("last_number").column)
    site = quote(meta.get_field("site").column)
    year = quote(meta.get_field("year").column)
    # Only the model's own table and column names are formatted in; the values are parameters.
    return (
        f"UPDATE {quote(meta.db_table)} SET {last} = {last} + 1 "  # noqa: S608
        f"WHERE {site} = %s AND {year} = %s RETURNING {last}"
    )


def _next_number(site: Site, year: int) -> int | None:
    """Add one to the counter row of ``site`` and ``year`` and read it back, in one statement
    (None: no row yet). The UPDATE locks the row until the caller's transaction ends, as a
    SELECT ... FOR UPDATE then UPDATE would, in one round trip instead of two; the ORM's
    ``update()`` cannot return the new value, hence the SQL (PostgreSQL and SQLite 3.35+)."""
    connection = transaction.get_connection()
    with connection.cursor() as cursor:
        cursor.execute(_next_number_sql(connection), [site.pk, year])
        row = cursor.fetchone()
    return row[0] if row is not None else None


def take_number(site: Site, *, year: int, prefix: str) -> tuple[int, str]:
    """The next number (``MAL-2026-000123``); call it inside the transaction that uses it."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("take_number must run inside the issuing transaction")
    number = _next_number(site, year)
    if number is None:
        try:
            with transaction.atomic():  # two processes may create the year's row at once: one wins
                InvoiceSequence.objects.create(site=site, year=year, last_number=0)
        except IntegrityError:
            pass
        number = _next_number(site, year)
    return number, f"{prefix}-{year}-{number:06d}"


# ----------------------------------------------------------------------------- frozen identities


@dataclass(frozen=True)
class Payer:
    name: str
    address: str
    email: str


def payer_of(family: Family, memberships: Sequence[Membership] | None = None) -> Payer:
    """The family's payer (else its first guardian), with the family's address; ``memberships``
    (with their guardians) when the caller already read them."""
    if memberships is None:
        memberships = Membership.objects.filter(family=family).select_related("guardian")
    memberships = sorted(
        memberships,
        key=lambda membership: (not membership.is_payer, membership.pk),
    )
    guardian = memberships[0].guardian if memberships else None
    name = guardian.full_name if guardian is not None else family.name
    street = family.address or (guardian.address if guardian else "")
    town = " ".join(part for part in (family.postal_code, family.city) if part)
    if guardian is not None and not family.address:
        town = " ".join(part for part in (guardian.postal_code, guardian.city) if part)
    address = "\n".join(part for part in (street, town) if part)
    email = guardian.email if guardian is not None else ""
    return Payer(name=name, address=address or "—", email=email)


def site_address(site: Site) -> str:
    town = " ".join(part for part in (site.postal_code, site.city) if part)
    lines = [site.address, town]
    if site.contact_phone:
        lines.append(_("Tél. %(phone)s") % {"phone": site.contact_phone})
    if site.contact_email:
        lines.append(site.contact_email)
    return "\n".join(line for line in lines if line) or site.name


# ----------------------------------------------------------------------------- PDFs after commit


def render_and_store_pdf(
    invoice_id: int, *, invoice: Invoice | None = None, **snapshot_options
) -> InvoicePdf | None:
    """Render the frozen invoice once and keep the bytes; a second call returns the stored PDF.

    A rendering failure is logged, never raised: the invoice stays issued, and the PDF is
    rendered on the first download or by ``billing_render_pdfs``. A batch renderer passes the
    ``invoice`` it loaded (``pdf.invoices_to_render``) and the site's settings (``rules``).
    """
    stored = InvoicePdf.objects.filter(invoice_id=invoice_id).first()
    if stored is not None:
        return stored
    try:
        snapshot = pdf.snapshot_of(invoice or Invoice.objects.get(pk=invoice_id), **snapshot_options)
        filename, content = pdf.render_invoice(snapshot)
    except Exception:
        logger.exception(
            "invoice %s: PDF rendering failed; it will be rendered on first download", invoice_id
        )
        return None
    try:
        with transaction.atomic():
            return InvoicePdf.objects.create(
                invoice_id=invoice_id,
                filename=filename,
                content=content,
                sha256=hashlib.sha256(content).hexdigest(),
            )
    except IntegrityError:  # rendered meanwhile by another process: keep the first one
        return InvoicePdf.objects.get(invoice_id=invoice_id)


@task(queue_name=PDF_QUEUE)
def render_invoice_pdf(invoice_id: int) -> bool:
    """The background task: render and store one issued invoice's or credit note's PDF."""
    return render_and_store_pdf(invoice_id) is not None


def _render_after_commit(invoice: Invoice, *, render_pdf: bool) -> None:
    if render_pdf:
        enqueue_after_commit(
            render_invoice_pdf,
            invoice.pk,
            failure=f"invoice {invoice.pk}: PDF could not be queued, the first download will render it",
        )


def _email_document(invoice: Invoice, instalments: Sequence[Instalment] | None = None) -> None:
    if not invoice.payer_email:
        return
    if instalments is None:
        instalments = invoice.instalments.order_by("rank")
    send_email(
        "billing_invoice_issued",
        to=[invoice.payer_email],
        context={
            "invoice": invoice,
            "family": invoice.family,
            "site": invoice.site,
            "is_credit_note": invoice.is_credit_note,
            "total": euros(invoice.total),
            "instalments": [
                {"due_on": date_format(i.due_on, "d/m/Y"), "amount": euros(i.amount)} for i in instalments
            ],
            "url": settings.SITE_URL + reverse("billing:invoices"),
        },
    )


# ----------------------------------------------------------------------------- issuing


@dataclass
class IssueResult:
    """What issuing did for one family (or would do, in a dry run)."""

    family: Family
    invoice: Invoice | None = None
    credit_note: Invoice | None = None
    invoice_total: Decimal = ZERO
    credit_total: Decimal = ZERO
    problems: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.invoice_total or self.credit_total)


@dataclass(frozen=True)
class IssueInputs:
    """What issuing reads about a family: its row (with its payment means), its enrolments to
    bill, the states of its QF attestations, its memberships (the payer) and its season's
    invoice lines (with their invoices, oldest first)."""

    family: Family
    courses: list[pricing.CourseToPrice]
    quotient_states: set[str]
    memberships: list[Membership]
    lines: list[InvoiceLine]

    @property
    def last_document_id(self) -> int | None:
        return max((line.invoice_id for line in self.lines), default=None)


def issue_inputs(
    family_ids: Sequence[int], season: Season, *, families: dict[int, Family] | None = None
) -> dict[int, IssueInputs]:
    """``IssueInputs`` of each family of ``family_ids`` for ``season``, in five queries (four
    when the caller already holds the ``families``, locked).

    ``issue_invoices`` reads them for a batch of families before their transactions, and
    ``issue_invoice`` uses them only if, under the family's lock, the family row was not saved
    (``updated_at``) and no document was issued for it (``last_document_id``) since. Those
    two are read first: a family saved or billed between them and the rest (a course stopped
    and billed at the desk, a QF validated) makes them older than what the lock reads, so
    everything is read again under the lock rather than mix the old with the new."""
    lines: dict[int, list[InvoiceLine]] = defaultdict(list)
    season_lines = InvoiceLine.objects.filter(invoice__family_id__in=family_ids, invoice__season=season)
    for line in season_lines.select_related("invoice").order_by("pk"):
        lines[line.invoice.family_id].append(line)
    if families is None:
        families = Family.objects.select_related("payment_means").in_bulk(family_ids)
    courses = selectors.enrolled_courses_by_family(family_ids, season)
    states = selectors.quotient_states_by_family(family_ids)
    memberships: dict[int, list[Membership]] = defaultdict(list)
    for membership in Membership.objects.filter(family_id__in=family_ids).select_related("guardian"):
        memberships[membership.family_id].append(membership)
    return {
        pk: IssueInputs(
            family=families[pk],
            courses=courses.get(pk, []),
            quotient_states=states.get(pk, set()),
            memberships=memberships.get(pk, []),
            lines=lines.get(pk, []),
        )
        for pk in family_ids
        if pk in families
    }


def _billed_by_key(lines: Sequence[InvoiceLine]) -> tuple[dict, dict, list[Invoice]]:
    """Per billed thing, the amount already invoiced minus credited, and the last line for it;
    and the season's invoices, newest first (every issued document has lines). ``lines``: the
    family's lines of the season with their invoices, oldest first (``IssueInputs.lines``)."""
    billed: dict[tuple[str, int], Decimal] = defaultdict(lambda: ZERO)
    last_line: dict[tuple[str, int], InvoiceLine] = {}
    invoices: dict[int, Invoice] = {}
    for line in lines:
        key = (
            ("course", line.enrolment_id or 0)
            if line.kind == InvoiceLine.Kind.COURSE
            else (
                "reduction",
                line.student_id or 0,
            )
        )
        if line.invoice.goodwill:
            continue  # the secretariat's gift stands: the course still counts as billed in full
        sign = -1 if line.invoice.kind == Invoice.Kind.CREDIT_NOTE else 1
        billed[key] += sign * line.amount
        last_line[key] = line
        if line.invoice.kind == Invoice.Kind.INVOICE:
            invoices.setdefault(line.invoice_id, line.invoice)
    newest_first = sorted(
        invoices.values(), key=lambda invoice: (invoice.issued_at, invoice.pk), reverse=True
    )
    return billed, last_line, newest_first


def _create_document(
    *,
    kind: str,
    family: Family,
    site: Site,
    season: Season,
    lines: Sequence[dict],
    quotient: pricing.QuotientUsed | None,
    actor,
    at: datetime.datetime,
    cancels: Invoice | None = None,
    supplements: Invoice | None = None,
    reason: str = "",
    render_pdf: bool = True,
    prefix: str | None = None,
    goodwill: bool = False,
    memberships: Sequence[Membership] | None = None,
) -> Invoice:
    payer = payer_of(family, memberships)
    total = sum((line["amount"] for line in lines), ZERO)
    year = timezone.localtime(at).year
    sequence, number = take_number(site, year=year, prefix=prefix or invoice_prefix(site))
    means = family.payment_means
    invoice = Invoice.objects.create(
        site=site,
        family=family,
        season=season,
        kind=kind,
        cancels=cancels,
        supplements=supplements,
        reason=reason,
        year=year,
        sequence=sequence,
        number=number,
        issued_at=at,
        billing_mode=family.billing_mode,
        payment_means_label=means.label if means is not None else "",
        payer_name=payer.name,
        payer_address=payer.address,
        payer_email=payer.email,
        site_name=site.name,
        site_address=site_address(site),
        family_name=family.name,
        family_reference=family.external_reference,
        family_quotient=quotient.value
        if quotient is not None
        else (cancels.family_quotient if cancels else None),
        quotient_note=quotient.note if quotient is not None else (cancels.quotient_note if cancels else ""),
        total=total,
        goodwill=goodwill,
        issued_by=actor if getattr(actor, "pk", None) else None,
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            kind=line["kind"],
            enrolment_id=line.get("enrolment_id"),
            student_id=line.get("student_id"),
            student_name=line.get("student_name", ""),
            label=line["label"][:255],
            detail=line.get("detail", "")[:255],
            quantity=1,
            unit_price=line["amount"],
            amount=line["amount"],
        )
        for line in lines
    )
    instalments = []
    if kind == Invoice.Kind.INVOICE:
        plan = pricing.schedule(
            total,
            season_start=season.starts_on,
            billing_mode=family.billing_mode,
            issued_on=timezone.localdate(at),
        )
        instalments = Instalment.objects.bulk_create(
            Instalment(invoice=invoice, rank=rank, due_on=due_on, amount=amount)
            for rank, (due_on, amount) in enumerate(plan, start=1)
        )
    _render_after_commit(invoice, render_pdf=render_pdf)
    _email_document(invoice, instalments)
    return invoice


def _allocate_credit(credit_note: Invoice, invoices: Sequence[Invoice], amount: Decimal) -> Decimal:
    """Take ``amount`` off what is still unpaid, last instalments first; return what is left
    (already paid: to be refunded)."""
    left = amount
    for invoice in invoices:
        instalments = list(Instalment.objects.select_for_update().filter(invoice=invoice).order_by("-rank"))
        paid = _paid_by_instalment(instalments)
        for instalment in instalments:
            if left <= 0:
                return ZERO
            open_amount = instalment.amount - instalment.credited - paid.get(instalment.pk, ZERO)
            take = min(open_amount, left)
            if take > 0:
                Instalment.objects.filter(pk=instalment.pk).update(credited=instalment.credited + take)
                left -= take
    return max(left, ZERO)


def _lock_family(family: Family) -> Family:
    return (
        Family.objects.select_for_update(of=("self",))
        .select_related("site", "payment_means")
        .get(pk=family.pk)
    )


def families_to_lock(season: Season) -> QuerySet:
    """Lock one family (``.get(pk=…)``) and read what tells whether its ``IssueInputs`` read
    before are still true: its row's ``updated_at`` and its newest document of ``season``.
    Built once for a whole run (``IssueBatch``): building the query costs more than running it."""
    newest = Invoice.objects.filter(family=OuterRef("pk"), season=season).order_by("-pk").values("pk")[:1]
    return (
        Family.objects.select_for_update()
        .annotate(last_document_id=Subquery(newest))
        .values_list("updated_at", "last_document_id")
    )


@dataclass
class IssueBatch:
    """What ``issue_invoices`` shares between the families of a batch: the locking query
    (``families_to_lock``) and their ``IssueInputs``, read before their transactions."""

    locking: QuerySet
    inputs: dict[int, IssueInputs]


def _inputs_under_lock(family: Family, season: Season) -> IssueInputs:
    locked = Family.objects.select_for_update(of=("self",)).select_related("payment_means").get(pk=family.pk)
    return issue_inputs([locked.pk], season, families={locked.pk: locked})[locked.pk]


def _paid_by_instalment(instalments) -> dict[int, Decimal]:
    """What was paid on each instalment (locked first: FOR UPDATE cannot go with GROUP BY)."""
    rows = (
        Payment.objects.filter(instalment__in=[i.pk for i in instalments])
        .values("instalment_id")
        .annotate(total=Sum("amount"))
    )
    return {row["instalment_id"]: row["total"] for row in rows}


def issue_invoice(
    *,
    site: Site,
    season: Season,
    family: Family,
    actor,
    at: datetime.datetime | None = None,
    dry_run: bool = False,
    book: pricing.TariffBook | None = None,
    render_pdf: bool = True,
    batch: IssueBatch | None = None,
) -> IssueResult:
    """Bill the family for ``season`` from its enrolments, or for what changed since last time.

    Nothing changed: nothing issued (idempotent). More due (a course added, a reduction lost):
    a supplementary invoice for the difference. Less due (a course stopped): a credit note
    citing the season's last invoice. A course without a tariff stops the family's billing
    with a French message, so nobody is billed half their courses.

    ``batch`` (``issue_invoices``): the family's ``IssueInputs``, read before the transaction,
    are used only if the family was neither saved nor billed since they were read, so
    nothing is ever billed twice; an enrolment or a guardian changed meanwhile is billed by
    the next run, as if this one had run a moment earlier.
    """
    at = at or timezone.now()
    if family.site_id != site.pk:
        raise BillingError(
            _("La famille %(family)s n'est pas du site %(site)s.") % {"family": family, "site": site}
        )
    book = book if book is not None else selectors.tariff_book(site, season)
    with transaction.atomic():
        inputs = batch.inputs.get(family.pk) if batch is not None else None
        if inputs is None:
            inputs = _inputs_under_lock(family, season)
        elif (inputs.family.updated_at, inputs.last_document_id) != batch.locking.get(pk=family.pk):
            inputs = _inputs_under_lock(family, season)  # saved or billed since the batch was read
        family = inputs.family
        family.site = site
        quotient = selectors.quotient_from_states(family, inputs.quotient_states)
        price = selectors.price_for(family, season, book=book, courses=inputs.courses, quotient=quotient)
        result = IssueResult(family=family, problems=list(price.problems))
        if price.problems:
            transaction.set_rollback(True)
            return result
        billed, last_line, season_invoices = _billed_by_key(inputs.lines)
        target = {line.key: line for line in price.lines}
        deltas = []
        for key in sorted(set(target) | set(billed)):
            wanted = target[key].amount if key in target else ZERO
            delta = wanted - billed.get(key, ZERO)
            if not delta:
                continue
            source = target.get(key)
            previous = last_line.get(key)
            deltas.append(
                {
                    "kind": key[0],
                    "enrolment_id": key[1] if key[0] == "course" and key[1] else None,
                    "student_id": source.student_id
                    if source
                    else (previous.student_id if previous else None),
                    "student_name": source.student_name
                    if source
                    else (previous.student_name if previous else ""),
                    "label": source.label if source else (previous.label if previous else ""),
                    "detail": source.detail if source else _("cours arrêté"),
                    "amount": delta,
                }
            )
        # One document for the net difference: an invoice (reductions as negative lines) when
        # more is due, a credit note (what it gives back) when less is; a swap of equal value
        # gives both, each for its side.
        net = sum((line["amount"] for line in deltas), ZERO)
        if net > 0:
            more, less = deltas, []
        elif net < 0:
            more, less = [], [{**line, "amount": -line["amount"]} for line in deltas]
        else:
            more = [line for line in deltas if line["amount"] > 0]
            less = [{**line, "amount": -line["amount"]} for line in deltas if line["amount"] < 0]
        result.invoice_total = sum((line["amount"] for line in more), ZERO)
        result.credit_total = sum((line["amount"] for line in less), ZERO)
        if dry_run or not result.changed:
            transaction.set_rollback(True)
            return result
        if more:
            result.invoice = _create_document(
                kind=Invoice.Kind.INVOICE,
                family=family,
                site=site,
                season=season,
                lines=more,
                quotient=quotient,
                actor=actor,
                at=at,
                supplements=season_invoices[-1] if season_invoices else None,
                render_pdf=render_pdf,
                prefix=invoice_prefix(site, book.settings),
                memberships=inputs.memberships,
            )
        if less:
            result.credit_note = _issue_credit_note(
                invoice=season_invoices[0],
                lines=less,
                reason=_("Changement d'inscription : régularisation de la saison %(season)s.")
                % {"season": season.label},
                actor=actor,
                at=at,
                render_pdf=render_pdf,
                spread_over=season_invoices,
            )
    return result


def _issue_credit_note(
    *,
    invoice: Invoice,
    lines: Sequence[dict],
    reason: str,
    actor,
    at: datetime.datetime,
    render_pdf: bool = True,
    spread_over: Sequence[Invoice] = (),
    goodwill: bool = False,
) -> Invoice:
    credit_note = _create_document(
        kind=Invoice.Kind.CREDIT_NOTE,
        family=invoice.family,
        site=invoice.site,
        season=invoice.season,
        lines=lines,
        quotient=None,
        actor=actor,
        at=at,
        cancels=invoice,
        reason=reason,
        render_pdf=False,
        goodwill=goodwill,
    )
    others = [other for other in spread_over if other.pk != invoice.pk]
    refundable = _allocate_credit(credit_note, [invoice, *others], credit_note.total)
    if refundable:
        Invoice.objects.filter(pk=credit_note.pk).update(refundable=refundable)
        credit_note.refundable = refundable
    _render_after_commit(credit_note, render_pdf=render_pdf)
    return credit_note


# Families whose ``IssueInputs`` are read together, before their own transactions.
ISSUE_BATCH = 200


def issue_invoices(
    *,
    site: Site,
    season: Season,
    actor,
    dry_run: bool = False,
    at: datetime.datetime | None = None,
    progress=None,
    render_pdf: bool = True,
    shard: tuple[int, int] = (0, 1),
) -> list[IssueResult]:
    """``issue_invoice`` for every family of the site with an enrolment in ``season`` or an
    invoice of it. Each family is its own transaction: one family's missing tariff stops only it.

    ``shard`` (K, N) keeps only the families whose id modulo N is K, so N processes can share a
    site (``billing_issue --processes N``); numbers stay gapless, each taken from the locked
    sequence row inside its family's transaction."""
    index, shards = shard
    book = selectors.tariff_book(site, season)
    family_ids = set(
        Enrolment.objects.filter(season=season, course__pole__site=site).values_list(
            "student__family_id", flat=True
        )
    ) | set(Invoice.objects.filter(site=site, season=season).values_list("family_id", flat=True))
    family_ids = {pk for pk in family_ids if pk % shards == index}
    families = list(Family.objects.filter(pk__in=family_ids, site=site).order_by("pk"))
    locking = families_to_lock(season)
    results = []
    for start in range(0, len(families), ISSUE_BATCH):
        chunk = families[start : start + ISSUE_BATCH]
        batch = IssueBatch(locking=locking, inputs=issue_inputs([family.pk for family in chunk], season))
        for family in chunk:
            results.append(
                issue_invoice(
                    site=site,
                    season=season,
                    family=family,
                    actor=actor,
                    at=at,
                    dry_run=dry_run,
                    book=book,
                    render_pdf=render_pdf,
                    batch=batch,
                )
            )
            if progress is not None:
                progress(len(results), len(family_ids))
    return results


# ----------------------------------------------------------------------------- credit notes


@dataclass(frozen=True)
class CreditLine:
    """Part of an invoice line to cancel: ``amount`` None means all that is left of it."""

    line: InvoiceLine
    amount: Decimal | None = None


def _credited_by_line(invoice: Invoice) -> dict[tuple[str, int, str], Decimal]:
    credited: dict[tuple[str, int, str], Decimal] = defaultdict(lambda: ZERO)
    for line in InvoiceLine.objects.filter(invoice__cancels=invoice, invoice__kind=Invoice.Kind.CREDIT_NOTE):
        credited[(line.kind, line.enrolment_id or line.student_id or 0, line.label)] += line.amount
    return credited


def cancel_invoice(
    *,
    invoice: Invoice,
    reason: str,
    actor,
    lines: Sequence[CreditLine] | None = None,
    at: datetime.datetime | None = None,
) -> Invoice:
    """Cancel an invoice wholly (``lines`` None) or in part by a credit note that cites it.

    The credit comes off the instalments still unpaid, last first; what was already paid is
    shown on the credit note as to be refunded.

    A partial credit note is the secretariat's goodwill (``Invoice.goodwill``): the enrolments
    did not change, so the next ``billing_issue`` leaves it standing instead of billing the
    difference again. A whole cancellation voids the invoice (a wrong payer, a wrong QF): the
    next ``billing_issue`` bills what the enrolments make due, with the family's current data.
    """
    reason = (reason or "").strip()
    if not reason:
        raise BillingError(
            _("Indiquez le motif de l'avoir : il est imprimé sur le document."), field="reason"
        )
    at = at or timezone.now()
    with transaction.atomic():
        _lock_family(invoice.family)
        invoice = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("family", "site", "season")
            .get(pk=invoice.pk)
        )
        if invoice.kind != Invoice.Kind.INVOICE:
            raise BillingError(
                _("Un avoir ne s'annule pas : seule une facture peut être annulée par un avoir.")
            )
        credited = _credited_by_line(invoice)
        invoice_lines = {line.pk: line for line in invoice.lines.order_by("pk")}
        chosen = lines if lines is not None else [CreditLine(line) for line in invoice_lines.values()]
        credit_lines = []
        for choice in chosen:
            line = invoice_lines.get(choice.line.pk)
            if line is None:
                raise BillingError(
                    _("Cette ligne n'est pas une ligne de la facture %(number)s.")
                    % {"number": invoice.number}
                )
            key = (line.kind, line.enrolment_id or line.student_id or 0, line.label)
            left = line.amount - credited[key]
            amount = left if choice.amount is None else choice.amount
            if line.kind == InvoiceLine.Kind.REDUCTION:
                # Cancelling a reduction along with its courses: the credit note gives back less.
                if lines is None and left:
                    credit_lines.append(_credit_line_from(line, left))
                continue
            if amount <= 0:
                continue
            if amount > left:
                raise BillingError(
                    _("« %(label)s » : on ne peut annuler que %(left)s au plus (déjà annulé : %(done)s).")
                    % {
                        "label": line.label,
                        "left": euros(left),
                        "done": euros(credited[key]),
                    },
                    field="lines",
                )
            credit_lines.append(_credit_line_from(line, amount))
        total = sum((line["amount"] for line in credit_lines), ZERO)
        if total <= 0:
            raise BillingError(
                _("Il ne reste rien à annuler sur la facture %(number)s.") % {"number": invoice.number}
            )
        season_invoices = list(
            Invoice.objects.filter(family=invoice.family, season=invoice.season, kind=Invoice.Kind.INVOICE)
        )
        credit_note = _issue_credit_note(
            invoice=invoice,
            lines=credit_lines,
            reason=reason,
            actor=actor,
            at=at,
            spread_over=season_invoices,
            goodwill=lines is not None,
        )
        record_changes(
            actor=actor,
            instance=invoice,
            changes=[FieldChange("credit_note", _("avoir"), "", f"{credit_note.number} ({euros(total)})")],
        )
    return credit_note


def _credit_line_from(line: InvoiceLine, amount: Decimal) -> dict:
    return {
        "kind": line.kind,
        "enrolment_id": line.enrolment_id,
        "student_id": line.student_id,
        "student_name": line.student_name,
        "label": line.label,
        "detail": line.detail,
        "amount": amount,
    }


def stop_course(
    *,
    enrolment: Enrolment,
    stopped_on: datetime.date,
    actor,
    reason: str,
    at: datetime.datetime | None = None,
) -> IssueResult:
    """A pupil stops a course during the season: record the day, then bill by the site's rule
    (full year, reduced across the cut-off date, or pro rata of the terms), never by hand."""
    reason = (reason or "").strip()
    with transaction.atomic():
        enrolment = (
            Enrolment.objects.select_for_update(of=("self",))
            .select_related("season", "student__family__site")
            .get(pk=enrolment.pk)
        )
        season = enrolment.season
        if not (season.starts_on <= stopped_on <= season.ends_on):
            raise BillingError(
                _("La date d'arrêt doit être dans la saison %(season)s (du %(start)s au %(end)s).")
                % {
                    "season": season.label,
                    "start": season.starts_on.strftime("%d/%m/%Y"),
                    "end": season.ends_on.strftime("%d/%m/%Y"),
                },
                field="stopped_on",
            )
        if CourseStop.objects.filter(enrolment=enrolment).exists():
            raise BillingError(_("L'arrêt de ce cours est déjà enregistré."))
        old_status = enrolment.get_status_display()
        enrolment.status = Enrolment.Status.STOPPED
        enrolment.save(update_fields=["status"])
        CourseStop.objects.create(
            enrolment=enrolment, stopped_on=stopped_on, reason=reason, recorded_by=actor
        )
        record_changes(
            actor=actor,
            instance=enrolment,
            changes=[FieldChange("status", _("état"), old_status, enrolment.get_status_display())],
        )
        family = enrolment.student.family
        return issue_invoice(site=family.site, season=season, family=family, actor=actor, at=at)


# ----------------------------------------------------------------------------- desk payments


def _open_instalments(family: Family) -> list[tuple[Instalment, Decimal]]:
    """The family's instalments, locked, oldest due first, with what is still open on each:
    the amount less what was credited, paid, or presented to the bank by direct debit."""
    instalments = list(
        Instalment.objects.select_for_update(of=("self",))
        .filter(invoice__family=family, invoice__kind=Invoice.Kind.INVOICE)
        .select_related("invoice")
        .order_by("due_on", "invoice__issued_at", "rank", "pk")
    )
    paid = _paid_by_instalment(instalments)
    debited = {
        row["instalment_id"]: row["total"]
        for row in DirectDebit.objects.presented()
        .filter(instalment__in=[i.pk for i in instalments])
        .values("instalment_id")
        .annotate(total=Sum("amount"))
    }
    return [(i, i.amount - i.credited - paid.get(i.pk, ZERO) - debited.get(i.pk, ZERO)) for i in instalments]


def _open_amount(open_instalments: Sequence[tuple[Instalment, Decimal]]) -> Decimal:
    return sum((left for _instalment, left in open_instalments if left > 0), ZERO)


def receive_payment(
    *,
    family: Family,
    means: PaymentMeans,
    amount: Decimal,
    received_on: datetime.date,
    actor,
    reference: str = "",
    payer_name: str = "",
) -> tuple[Receipt, list[Payment], Decimal]:
    """Money received for the family, whatever the channel (desk, card online, SEPA debit):
    one ``Receipt``, then ``Payment`` rows on the oldest instalment due first, never above what
    is open on each. Returns the receipt, the payments and what was left over (money already
    taken by a bank or a card provider that nothing is due for: the caller refunds it).

    Call it inside the transaction that locked the family."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("receive_payment must run inside the caller's transaction")
    payer = payer_of(family)
    receipt = Receipt.objects.create(
        site=family.site,
        family=family,
        means=means,
        amount=amount,
        received_on=received_on,
        reference=reference.strip()[:100],
        payer_name=(payer_name or "").strip() or payer.name,
        payer_email=payer.email,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    left = amount
    allocated = []
    for instalment, open_amount in _open_instalments(family):
        if left <= 0:
            break
        take = min(open_amount, left)
        if take <= 0:
            continue
        allocated.append(
            Payment.objects.create(
                instalment=instalment,
                means=means,
                amount=take,
                received_on=received_on,
                reference=receipt.reference,
                recorded_by=receipt.recorded_by,
                receipt=receipt,
            )
        )
        left -= take
    return receipt, allocated, left


def record_desk_payment(
    *,
    family: Family,
    means: PaymentMeans,
    amount: Decimal,
    actor,
    received_on: datetime.date | None = None,
    reference: str = "",
    payer_name: str = "",
) -> Receipt:
    """A payment handed in at the desk, allocated to the oldest instalment due first.

    Never more than the family still owes: the secretariat gives back the difference rather
    than keeping a credit nobody can see. The payer gets a receipt by email.
    """
    received_on = received_on or timezone.localdate()
    if means.code not in DESK_MEANS:
        raise BillingError(
            _(
                "« %(means)s » ne se saisit pas au secrétariat : choisissez chèque, chèques vacances, pass Culture, "
                "espèces ou carte bancaire."
            )
            % {"means": means.label},
            field="means",
        )
    if amount is None or amount <= 0:
        raise BillingError(_("Le montant doit être supérieur à 0 €."), field="amount")
    if amount != pricing.money(amount):
        raise BillingError(
            _("Le montant s'écrit avec deux décimales au plus, par exemple 45,50."), field="amount"
        )
    if received_on > timezone.localdate():
        raise BillingError(_("La date de réception ne peut pas être dans le futur."), field="received_on")
    with transaction.atomic():
        family = _lock_family(family)
        due = _open_amount(_open_instalments(family))
        if amount > due:
            raise BillingError(
                _("Le montant (%(amount)s) dépasse ce que la famille doit encore (%(due)s).")
                % {"amount": euros(amount), "due": euros(due)},
                field="amount",
            )
        receipt, allocated, _left = receive_payment(
            family=family,
            means=means,
            amount=amount,
            received_on=received_on,
            reference=reference,
            payer_name=payer_name,
            actor=actor,
        )
        if receipt.payer_email:
            send_email(
                "billing_receipt",
                to=[receipt.payer_email],
                context={
                    "receipt": receipt,
                    "family": family,
                    "site": family.site,
                    "amount": euros(amount),
                    "received_on": date_format(received_on, "d/m/Y"),
                    "lines": [
                        {
                            "invoice": payment.instalment.invoice.number,
                            "due_on": date_format(payment.instalment.due_on, "d/m/Y"),
                            "amount": euros(payment.amount),
                        }
                        for payment in allocated
                    ],
                    "left_due": euros(due - amount),
                    "url": settings.SITE_URL + reverse("billing:invoices"),
                },
            )
    return receipt


# ----------------------------------------------------------------------------- reminders


@dataclass
class Reminder:
    family: Family
    instalments: list[Instalment]
    total: Decimal
    sent_to: list[str]


def remind_late_families(
    *, site: Site, today: datetime.date | None = None, dry_run: bool = False
) -> list[Reminder]:
    """Email each family with late instalments: how much, which invoice, how to pay."""
    today = today or timezone.localdate()
    by_family: dict[int, list[Instalment]] = defaultdict(list)
    for instalment in selectors.late_instalments(site, today=today):
        by_family[instalment.invoice.family_id].append(instalment)
    settings_row = selectors.billing_settings(site)
    reminders = []
    with transaction.atomic():
        for instalments in by_family.values():
            family = instalments[0].invoice.family
            total = sum((i.due for i in instalments), ZERO)
            emails = sorted({i.invoice.payer_email for i in instalments if i.invoice.payer_email})
            reminders.append(Reminder(family=family, instalments=instalments, total=total, sent_to=emails))
            if dry_run or not emails:
                continue
            send_email(
                "billing_reminder",
                to=emails,
                context={
                    "family": family,
                    "site": site,
                    "total": euros(total),
                    "lines": [
                        {
                            "invoice": i.invoice.number,
                            "due_on": date_format(i.due_on, "d/m/Y"),
                            "due": euros(i.due),
                        }
                        for i in instalments
                    ],
                    "payment_instructions": settings_row.payment_instructions if settings_row else "",
                    "payable_to": settings_row.payable_to if settings_row else "",
                    "url": settings.SITE_URL + reverse("billing:invoices"),
                },
            )
        if dry_run:
            transaction.set_rollback(True)
    return reminders
