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
"""

from __future__ import annotations

import datetime
import os
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from sepaxml import SepaDD
from sepaxml.validation import ValidationError as SepaValidationError

from billing import mandates
from billing.iban import mask_iban
from billing.models import Instalment, Invoice, Mandate
from billing.payment_errors import PaymentError
from billing.payment_models import (
    DebitPrenotification,
    DirectDebit,
    DirectDebitExport,
    MandateDetails,
    SequenceType,
)
from billing.payment_selectors import with_outstanding
from extranet.base.models import Site

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
    instalment: Instalment
    mandate: Mandate
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
                invoice__credit_note__isnull=True,
                invoice__family__payment_means__is_direct_debit=True,
                due_on__lte=collection_date,
            )
        )
        .filter(outstanding__gt=0)
        .select_related("invoice__family")
        .order_by("invoice__family__name", "invoice__number", "rank")
    )


def _prenotified(instalment_ids: list[int]) -> dict[tuple[int, int], list[DebitPrenotification]]:
    by_key: dict[tuple[int, int], list[DebitPrenotification]] = defaultdict(list)
    for notice in DebitPrenotification.objects.filter(instalment_id__in=instalment_ids):
        by_key[(notice.instalment_id, notice.mandate_id)].append(notice)
    return by_key


def _plan(site: Site, collection_date: datetime.date) -> tuple[list[_Line], list[Refusal]]:
    candidates = list(candidate_instalments(site, collection_date))
    family_ids = {instalment.invoice.family_id for instalment in candidates}
    active = {
        mandate.family_id: mandate
        for mandate in Mandate.objects.filter(
            family_id__in=family_ids, revoked_on__isnull=True, details__state=MandateDetails.State.ACTIVE
        ).select_related("details")
    }
    ids = [instalment.pk for instalment in candidates]
    notices = _prenotified(ids)
    last_debits: dict[int, DirectDebit] = {}
    for debit in (
        DirectDebit.objects.filter(instalment_id__in=ids)
        .select_related("reject")
        .order_by("instalment_id", "pk")
    ):
        last_debits[debit.instalment_id] = debit
    started = set(
        DirectDebit.objects.presented()
        .filter(mandate__in=list(active.values()))
        .values_list("mandate_id", flat=True)
        .distinct()
    )
    attempts = defaultdict(int)
    for instalment_id in DirectDebit.objects.filter(instalment_id__in=ids).values_list(
        "instalment_id", flat=True
    ):
        attempts[instalment_id] += 1
    latest_notice = collection_date - datetime.timedelta(days=PRENOTIFICATION_DAYS)

    lines: list[_Line] = []
    refusals: list[Refusal] = []
    for instalment in candidates:
        family = instalment.invoice.family
        label = _("facture %(number)s, échéance %(rank)s du %(date)s") % {
            "number": instalment.invoice.number,
            "rank": instalment.rank,
            "date": instalment.due_on.strftime("%d/%m/%Y"),
        }

        def refuse(reason: str, instalment=instalment, family=family, label=label) -> None:
            refusals.append(
                Refusal(family=family.name, instalment=label, amount=instalment.outstanding, reason=reason)
            )

        mandate = active.get(family.pk)
        if mandate is None:
            refuse(_("aucun mandat SEPA en vigueur (mandat absent, non signé ou révoqué)"))
            continue
        last = last_debits.get(instalment.pk)
        if last is not None and last.state == DirectDebit.State.REJECTED and not last.reject.represent:
            refuse(
                _("prélèvement rejeté (%(code)s) à ne pas représenter : la famille paie autrement")
                % {"code": last.reject.reason}
            )
            continue
        in_time = [
            notice
            for notice in notices.get((instalment.pk, mandate.pk), [])
            if timezone.localdate(notice.sent_at) <= latest_notice and notice.amount == instalment.outstanding
        ]
        if not in_time:
            refuse(
                _(
                    "payeur non pré-notifié de ce montant au moins %(days)d jours avant le %(date)s (billing_prenotify)"
                )
                % {"days": PRENOTIFICATION_DAYS, "date": collection_date.strftime("%d/%m/%Y")}
            )
            continue
        if mandate.details.kind == MandateDetails.Kind.ONE_OFF:
            sequence = SequenceType.ONE_OFF
        elif mandate.pk in started:
            sequence = SequenceType.RECURRENT
        else:
            sequence = SequenceType.FIRST
        end_to_end = f"S{site.pk}-{instalment.invoice.number}-{instalment.rank}-{attempts[instalment.pk] + 1}"
        lines.append(
            _Line(
                instalment=instalment,
                mandate=mandate,
                amount=instalment.outstanding,
                sequence_type=sequence,
                end_to_end_id=end_to_end[:35],
            )
        )
    return lines, refusals


def _build_xml(
    site: Site, collection_date: datetime.date, schema: str, lines: list[_Line]
) -> tuple[bytes, str]:
    document = SepaDD(_creditor(site, schema), schema=schema, clean=True)
    for line in lines:
        invoice = line.instalment.invoice
        payment = {
            "name": line.mandate.holder_name,
            "IBAN": mandates.mandate_iban(line.mandate),
            "amount": int((line.amount * 100).to_integral_value()),  # cents, as sepaxml wants them
            "type": line.sequence_type,
            "collection_date": collection_date,
            "mandate_id": line.mandate.reference,
            "mandate_date": line.mandate.signed_on,
            "description": _("%(site)s facture %(number)s échéance %(rank)s")
            % {"site": site.name, "number": invoice.number, "rank": line.instalment.rank},
            "endtoend_id": line.end_to_end_id,
        }
        if line.mandate.bic:
            payment["BIC"] = line.mandate.bic
        document.add_payment(payment)
    try:
        xml = document.export(validate=True)
    except SepaValidationError as error:
        cause = getattr(error.__cause__, "reason", None) or str(error.__cause__ or error)
        raise PaymentError(
            _("Le fichier %(schema)s ne respecte pas son schéma XSD : %(cause)s")
            % {"schema": schema, "cause": cause}
        ) from error
    return xml, document.msg_id


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
                instalment=line.instalment,
                mandate=line.mandate,
                amount=line.amount,
                sequence_type=line.sequence_type,
                collection_date=collection_date,
                end_to_end_id=line.end_to_end_id,
                masked_iban=mask_iban(line.mandate.iban),
            )
            for line in lines
        )
        result.path = Path(output_dir or settings.PAYMENTS_SEPA_DIR) / file_name
        _write(result.path, result.xml)
        result.export = export
    return result
