"""The direct-debit file: pain.008 (SEPA Core) built with sepaxml, validated against its XSD.

The one boundary with the bank format. What goes in:
- every instalment of the site due on or before the collection date, still owed, of a family
  paying by direct debit with a mandate in force;
- only if its payer was pre-notified at least 14 days before the collection date (SEPA Core
  rulebook, pre-notification 14 calendar days unless agreed otherwise) of that amount;
- never twice: one ``DirectDebit`` row per instalment and export, and at most one presented
  debit per instalment (database constraints); a second run adds nothing.
Sequence types: OOFF for a one-off mandate, FRST for the first debit of a recurrent mandate
(again after a rejected first one), RCUR afterwards. FNAL is optional since the 2016 rulebook
and is not sent: a mandate simply stops being used, or is revoked.
Families that should be debited but cannot be (no mandate in force, not pre-notified, a reject
that must not be re-presented) are listed, never silently skipped.

Then the money: a presented debit nobody rejected is recorded as collected once the site's
settlement delay is past (``settle_direct_debits``, ``billing_sepa_settle``; 5 TARGET business
days by default, the return period of the debtor's bank), or by hand from the bank statement
(``record_collection``); it becomes a payment. A return after that is ``rejects.record_return``.
"""

from __future__ import annotations

import datetime
import os
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

import sepaxml
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree
from sepaxml import SepaDD
from text_unidecode import unidecode

from billing import crypto, services
from billing.iban import mask_iban
from billing.models import BillingSettings, Instalment, Invoice, Mandate, Payment
from billing.payment_errors import PaymentError
from billing.payment_models import (
    DebitPrenotification,
    DirectDebit,
    DirectDebitExport,
    MandateDetails,
    RefundRequest,
    SequenceType,
)
from billing.payment_selectors import with_outstanding
from extranet.base.models import PaymentMeans, Site
from families.models import Family

DIRECT_DEBIT_MEANS = "direct_debit"  # the PaymentMeans code of SEPA direct debit

SCHEMAS = {"001.08": "pain.008.001.08", "001.02": "pain.008.001.02"}
DEFAULT_VERSION = "001.08"
PRENOTIFICATION_DAYS = 14


@dataclass(frozen=True)
class Refusal:
    """A line that should have been debited and is not, with the French reason."""

    family: str
    instalment: str
    amount: Decimal
    reason: str


@dataclass
class ExportResult:
    site: Site
    collection_date: datetime.date
    schema: str
    export: DirectDebitExport | None = None
    path: Path | None = None
    xml: bytes = b""
    transactions: int = 0
    control_sum: Decimal = Decimal("0.00")
    refusals: list[Refusal] = field(default_factory=list)


@dataclass
class _Line:
    """One debit to present, from plain rows (10,000 of them: no model instances)."""

    instalment_id: int
    invoice_number: str
    rank: int
    mandate_id: int
    mandate_reference: str
    mandate_signed_on: datetime.date
    holder_name: str
    bic: str
    iban_encrypted: str
    masked_iban: str
    amount: Decimal
    sequence_type: str
    end_to_end_id: str


def _creditor(site: Site, schema: str) -> dict:
    missing = [
        label
        for value, label in (
            (site.sepa_creditor_identifier, _("identifiant créancier SEPA (ICS)")),
            (site.sepa_iban, _("IBAN du créancier")),
            (site.sepa_bic if schema == SCHEMAS["001.02"] else "x", _("BIC du créancier")),
        )
        if not value
    ]
    if missing:
        raise PaymentError(
            _("Le site %(site)s n'a pas de %(missing)s : complétez sa fiche avant d'exporter.")
            % {"site": site.slug, "missing": ", ".join(missing)}
        )
    config = {
        "name": site.sepa_creditor_name or site.name,
        "IBAN": "".join(site.sepa_iban.split()).upper(),
        "batch": True,
        "creditor_id": site.sepa_creditor_identifier.strip(),
        "currency": "EUR",
        "instrument": "CORE",
    }
    if site.sepa_bic:
        config["BIC"] = site.sepa_bic.strip().upper()
    return config


def candidate_instalments(site: Site, collection_date: datetime.date):
    """Instalments of families paying by direct debit, due by the date, still owed, not presented."""
    return (
        with_outstanding(
            Instalment.objects.filter(
                invoice__site=site,
                invoice__kind=Invoice.Kind.INVOICE,
                invoice__family__payment_means__is_direct_debit=True,
                due_on__lte=collection_date,
            )
        )
        .filter(outstanding__gt=0)
        .select_related("invoice__family")
        .order_by("invoice__family__name", "invoice__number", "rank")
    )


def _plan(site: Site, collection_date: datetime.date) -> tuple[list[_Line], list[Refusal]]:
    """What to present and what to refuse, in six queries whatever the number of families."""
    candidates = list(
        candidate_instalments(site, collection_date).values(
            "pk",
            "rank",
            "due_on",
            "outstanding",
            "invoice__number",
            "invoice__family_id",
            "invoice__family__name",
        )
    )
    of_site = {
        "family__site": site,
        "revoked_on__isnull": True,
        "details__state": MandateDetails.State.ACTIVE,
    }
    active = {
        row["family_id"]: row
        for row in Mandate.objects.filter(**of_site).values(
            "pk",
            "family_id",
            "reference",
            "holder_name",
            "bic",
            "signed_on",
            "iban",
            "details__kind",
            "details__iban_encrypted",
        )
    }
    debit_scope = {"instalment__invoice__site": site, "instalment__due_on__lte": collection_date}
    attempts: dict[int, int] = defaultdict(int)
    last_reject: dict[int, tuple[str, str, bool]] = {}
    for instalment_id, state, reason, represent in (
        DirectDebit.objects.filter(**debit_scope)
        .order_by("instalment_id", "pk")
        .values_list("instalment_id", "state", "reject__reason", "reject__represent")
    ):
        attempts[instalment_id] += 1
        last_reject[instalment_id] = (state, reason, represent)
    # A mandate whose debit is on its way or went through is started: RCUR from then on.
    started = set(
        DirectDebit.objects.filter(
            mandate__family__site=site,
            state__in=[DirectDebit.State.PRESENTED, DirectDebit.State.COLLECTED],
        )
        .values_list("mandate_id", flat=True)
        .distinct()
    )
    latest_notice = collection_date - datetime.timedelta(days=PRENOTIFICATION_DAYS)
    notified: set[tuple[int, int, Decimal]] = set()
    for instalment_id, mandate_id, amount, sent_at in DebitPrenotification.objects.filter(
        instalment__invoice__site=site, instalment__due_on__lte=collection_date
    ).values_list("instalment_id", "mandate_id", "amount", "sent_at"):
        if timezone.localdate(sent_at) <= latest_notice:
            notified.add((instalment_id, mandate_id, amount))

    no_mandate = _("aucun mandat SEPA en vigueur (mandat absent, non signé ou révoqué)")
    not_notified = _(
        "payeur non pré-notifié de ce montant au moins %(days)d jours avant le %(date)s (billing_prenotify)"
    ) % {"days": PRENOTIFICATION_DAYS, "date": collection_date.strftime("%d/%m/%Y")}
    lines: list[_Line] = []
    refusals: list[Refusal] = []
    for row in candidates:
        instalment_id = row["pk"]

        def refuse(reason: str, row=row) -> None:
            label = _("facture %(number)s, échéance %(rank)s du %(date)s") % {
                "number": row["invoice__number"],
                "rank": row["rank"],
                "date": row["due_on"].strftime("%d/%m/%Y"),
            }
            refusals.append(
                Refusal(
                    family=row["invoice__family__name"],
                    instalment=label,
                    amount=row["outstanding"],
                    reason=reason,
                )
            )

        mandate = active.get(row["invoice__family_id"])
        if mandate is None:
            refuse(no_mandate)
            continue
        state, reason, represent = last_reject.get(instalment_id, (None, None, True))
        if state in (DirectDebit.State.REJECTED, DirectDebit.State.RETURNED) and not represent:
            refuse(
                _("prélèvement rejeté (%(code)s) à ne pas représenter : la famille paie autrement")
                % {"code": reason}
            )
            continue
        if (instalment_id, mandate["pk"], row["outstanding"]) not in notified:
            refuse(not_notified)
            continue
        if mandate["details__kind"] == MandateDetails.Kind.ONE_OFF:
            sequence = SequenceType.ONE_OFF
        elif mandate["pk"] in started:
            sequence = SequenceType.RECURRENT
        else:
            sequence = SequenceType.FIRST
        end_to_end = f"S{site.pk}-{row['invoice__number']}-{row['rank']}-{attempts[instalment_id] + 1}"
        lines.append(
            _Line(
                instalment_id=instalment_id,
                invoice_number=row["invoice__number"],
                rank=row["rank"],
                mandate_id=mandate["pk"],
                mandate_reference=mandate["reference"],
                mandate_signed_on=mandate["signed_on"],
                holder_name=mandate["holder_name"],
                bic=mandate["bic"],
                iban_encrypted=mandate["details__iban_encrypted"],
                masked_iban=mask_iban(mandate["iban"]),
                amount=row["outstanding"],
                sequence_type=sequence,
                end_to_end_id=end_to_end[:35],
            )
        )
    return lines, refusals


def _latin(text: str, length: int) -> str:
    """The SEPA character set is basic Latin: ``Hélène Müller`` becomes ``Helene Muller``."""
    return (text if text.isascii() else unidecode(text))[:length]


def _build_xml(
    site: Site, collection_date: datetime.date, schema: str, lines: list[_Line]
) -> tuple[bytes, str]:
    creditor = _creditor(site, schema)
    creditor["name"] = _latin(creditor["name"], 70)
    # sepaxml's clean=True transliterates every name and text; most are ASCII already, so the
    # same transliteration is done here only where needed (a third of the time on 10,000 debits).
    document = SepaDD(creditor, schema=schema, clean=False)
    description = _("%(site)s facture %(number)s échéance %(rank)s")
    for line in lines:
        payment = {
            "name": _latin(line.holder_name, 70),
            "IBAN": crypto.decrypt(line.iban_encrypted),
            "amount": int((line.amount * 100).to_integral_value()),  # cents, as sepaxml wants them
            "type": line.sequence_type,
            "collection_date": collection_date,
            "mandate_id": line.mandate_reference,
            "mandate_date": line.mandate_signed_on,
            "description": description
            % {"site": site.name, "number": line.invoice_number, "rank": line.rank},
            "endtoend_id": line.end_to_end_id,
        }
        if line.bic:
            payment["BIC"] = line.bic
        document.add_payment(payment)
    xml = document.export(validate=False)
    validate_against_xsd(xml, schema)
    return xml, document.msg_id


@cache
def _xsd(schema: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(Path(sepaxml.__file__).parent / "schemas" / f"{schema}.xsd")))


def validate_against_xsd(xml: bytes, schema: str) -> None:
    """Validate against the XSD that sepaxml ships, with libxml2 (lxml): the same schema as
    sepaxml's own check (xmlschema, pure Python, 20 s for 10,000 debits), in a fraction of a
    second. The tests also run sepaxml's own validation on the files."""
    xsd = _xsd(schema)
    parsed = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    if not xsd.validate(parsed):
        error = xsd.error_log.last_error
        raise PaymentError(
            _("Le fichier %(schema)s ne respecte pas son schéma XSD : %(cause)s")
            % {"schema": schema, "cause": f"ligne {error.line} : {error.message}" if error else "?"}
        )


def _write(path: Path, content: bytes) -> None:
    """Write the file readable by its owner only: it holds full IBANs, for the bank."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)


def export_direct_debits(
    *,
    site: Site,
    collection_date: datetime.date,
    version: str = DEFAULT_VERSION,
    dry_run: bool = False,
    output_dir: Path | None = None,
    today: datetime.date | None = None,
) -> ExportResult:
    """Build, validate and (unless ``dry_run``) write the pain.008 file and record its debits."""
    if version not in SCHEMAS:
        raise PaymentError(
            _("Version pain.008 inconnue : %(version)s (possibles : %(known)s).")
            % {"version": version, "known": ", ".join(SCHEMAS)}
        )
    today = today or timezone.localdate()
    if collection_date <= today:
        raise PaymentError(
            _("La date de prélèvement (%(date)s) doit être postérieure à aujourd'hui.")
            % {"date": collection_date.strftime("%d/%m/%Y")}
        )
    schema = SCHEMAS[version]
    result = ExportResult(site=site, collection_date=collection_date, schema=schema)
    with transaction.atomic():
        # One export at a time per site: the second waits, then finds everything presented.
        Site.objects.select_for_update().filter(pk=site.pk).first()
        lines, result.refusals = _plan(site, collection_date)
        result.transactions = len(lines)
        result.control_sum = sum((line.amount for line in lines), Decimal("0.00"))
        if not lines:
            return result
        result.xml, message_id = _build_xml(site, collection_date, schema, lines)
        if dry_run:
            return result
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        file_name = f"{site.slug}-{collection_date:%Y%m%d}-{stamp}-{message_id[-8:]}.xml"
        export = DirectDebitExport.objects.create(
            site=site,
            collection_date=collection_date,
            schema=schema,
            message_id=message_id[:35],
            transactions=result.transactions,
            control_sum=result.control_sum,
            file_name=file_name,
        )
        DirectDebit.objects.bulk_create(
            DirectDebit(
                export=export,
                instalment_id=line.instalment_id,
                mandate_id=line.mandate_id,
                amount=line.amount,
                sequence_type=line.sequence_type,
                collection_date=collection_date,
                end_to_end_id=line.end_to_end_id,
                masked_iban=line.masked_iban,
            )
            for line in lines
        )
        result.path = Path(output_dir or settings.PAYMENTS_SEPA_DIR) / file_name
        _write(result.path, result.xml)
        result.export = export
    return result


def record_collection(
    *,
    direct_debit: DirectDebit,
    actor,
    collected_on: datetime.date | None = None,
    today: datetime.date | None = None,
) -> list[Payment]:
    """The bank credited a presented debit: it stops being money on its way and becomes a
    payment, allocated like any other (``services.receive_payment``, oldest instalment due
    first), received on the collection date unless told otherwise; what nothing is due for any
    more becomes a refund request. The debit keeps its receipt, so a later return finds what
    to take back."""
    with transaction.atomic():
        debit = (
            DirectDebit.objects.select_for_update(of=("self",))
            .select_related("instalment__invoice")
            .get(pk=direct_debit.pk)
        )
        if debit.state != DirectDebit.State.PRESENTED:
            raise PaymentError(_("Ce prélèvement n'est plus présenté à la banque : il ne s'encaisse pas."))
        collected_on = collected_on or debit.collection_date
        if collected_on < debit.collection_date or debit.collection_date > (today or timezone.localdate()):
            raise PaymentError(
                _("Ce prélèvement n'est pas encore échu : la banque le prélève le %(date)s.")
                % {"date": debit.collection_date.strftime("%d/%m/%Y")}
            )
        family = (
            Family.objects.select_for_update(of=("self",))
            .select_related("site")
            .get(pk=debit.instalment.invoice.family_id)
        )
        debit.state = DirectDebit.State.COLLECTED
        debit.save(update_fields=["state"])
        receipt, payments, left = services.receive_payment(
            family=family,
            means=PaymentMeans.objects.get(code=DIRECT_DEBIT_MEANS),
            amount=debit.amount,
            received_on=collected_on,
            reference=f"SEPA {debit.end_to_end_id}",
            actor=actor,
        )
        debit.receipt = receipt
        debit.save(update_fields=["receipt"])
        if left > 0:
            RefundRequest.objects.create(
                family=family,
                invoice=debit.instalment.invoice,
                direct_debit=debit,
                amount=left,
                reason=_(
                    "Trop-perçu : plus rien n'était dû quand le prélèvement %(reference)s a été encaissé."
                )
                % {"reference": debit.end_to_end_id},
            )
    return payments


# ----------------------------------------------------------------------------- settlement

# TARGET2 closing days besides weekends (the calendar of SEPA settlement): 1 January, Good
# Friday, Easter Monday, 1 May, 25 and 26 December.
_FIXED_CLOSING_DAYS = {(1, 1), (5, 1), (12, 25), (12, 26)}


def _easter(year: int) -> datetime.date:
    """Gregorian Easter Sunday (the anonymous Meeus/Jones/Butcher algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * weekday) // 433
    month = (h + weekday - 7 * m + 90) // 25
    day = (h + weekday - 7 * m + 33 * month + 19) % 32
    return datetime.date(year, month, day)


def is_business_day(day: datetime.date) -> bool:
    """A TARGET business day: banks settle SEPA debits on these days only."""
    if day.weekday() >= 5 or (day.month, day.day) in _FIXED_CLOSING_DAYS:
        return False
    easter = _easter(day.year)
    return day not in (easter - datetime.timedelta(days=2), easter + datetime.timedelta(days=1))


def business_days_after(day: datetime.date, count: int) -> datetime.date:
    """The ``count``-th TARGET business day after ``day``."""
    while count > 0:
        day += datetime.timedelta(days=1)
        if is_business_day(day):
            count -= 1
    return day


DEFAULT_SETTLEMENT_DAYS = 5  # the SEPA Core return period of the debtor's bank: D+5 business days


def settlement_days(site: Site) -> int:
    days = BillingSettings.objects.filter(site=site).values_list("sepa_settlement_days", flat=True).first()
    return DEFAULT_SETTLEMENT_DAYS if days is None else days


@dataclass
class SettleResult:
    site: Site
    delay: int
    collected: list[DirectDebit] = field(default_factory=list)
    total: Decimal = Decimal("0.00")
    waiting: int = 0  # presented, not yet past the delay
    refusals: list[tuple[DirectDebit, str]] = field(default_factory=list)


def settle_direct_debits(
    *,
    site: Site,
    actor=None,
    today: datetime.date | None = None,
    dry_run: bool = False,
    progress=None,
) -> SettleResult:
    """Record as collected every presented debit of ``site`` (never rejected) whose collection
    date is past by the site's settlement delay (``BillingSettings.sepa_settlement_days``
    business days, 5 by default: after them the debtor's bank can no longer return it, only a
    refund can). Each debit is its own transaction (``record_collection``); a second run finds
    them collected and does nothing. A dry run lists them and writes nothing."""
    today = today or timezone.localdate()
    result = SettleResult(site=site, delay=settlement_days(site))
    presented = list(
        DirectDebit.objects.presented()
        .filter(export__site=site, reject__isnull=True)
        .select_related("instalment__invoice")
        .order_by("collection_date", "pk")
    )
    due = [d for d in presented if business_days_after(d.collection_date, result.delay) <= today]
    result.waiting = len(presented) - len(due)
    for done, debit in enumerate(due, start=1):
        if dry_run:
            result.collected.append(debit)
        else:
            try:
                record_collection(direct_debit=debit, actor=actor, today=today)
            except PaymentError as error:  # rejected or collected meanwhile, by hand or another run
                result.refusals.append((debit, error.message))
            else:
                result.collected.append(debit)
        if progress is not None:
            progress(done, len(due))
    result.total = sum((debit.amount for debit in result.collected), Decimal("0.00"))
    return result
