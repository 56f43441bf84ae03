"""Pre-notification: every payer is told, at least 14 days ahead, what will be debited and when.

SEPA Core rulebook: the creditor informs the debtor of the amount and the date of each debit,
with the mandate reference (RUM) and its creditor identifier (ICS), 14 calendar days before.
One email per family lists every debit not yet announced; the export refuses a debit whose
announcement is missing or too recent.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from billing.iban import mask_iban
from billing.models import Instalment, Invoice, Mandate
from billing.payment_models import DebitPrenotification, MandateDetails
from billing.payment_selectors import with_outstanding
from billing.sepa import PRENOTIFICATION_DAYS
from extranet.base.emails import send_email
from extranet.base.models import Site
from families.selectors import family_emails


@dataclass
class PrenotifyResult:
    families: int = 0
    debits: int = 0
    total: Decimal = Decimal("0.00")
    without_email: list[str] = field(default_factory=list)


def instalments_to_announce(site: Site, *, today: datetime.date):
    """Owed instalments of families with a mandate in force, due 14 days from today or later."""
    return (
        with_outstanding(
            Instalment.objects.filter(
                invoice__site=site,
                invoice__kind=Invoice.Kind.INVOICE,
                invoice__family__payment_means__is_direct_debit=True,
                invoice__family__mandates__revoked_on__isnull=True,
                invoice__family__mandates__details__state=MandateDetails.State.ACTIVE,
                due_on__gte=today + datetime.timedelta(days=PRENOTIFICATION_DAYS),
            )
        )
        .filter(outstanding__gt=0)
        .select_related("invoice__family")
        .order_by("invoice__family__name", "due_on", "rank")
    )


def prenotify(
    *, site: Site, dry_run: bool = False, today: datetime.date | None = None, progress=None
) -> PrenotifyResult:
    """Announce every debit not yet announced (same instalment, mandate, date and amount)."""
    today = today or timezone.localdate()
    result = PrenotifyResult()
    by_family: dict[int, list[Instalment]] = defaultdict(list)
    for instalment in instalments_to_announce(site, today=today):
        by_family[instalment.invoice.family_id].append(instalment)
    mandates = {
        mandate.family_id: mandate
        for mandate in Mandate.objects.filter(
            family_id__in=list(by_family), revoked_on__isnull=True, details__state=MandateDetails.State.ACTIVE
        ).select_related("family__site")
    }
    announced = set(
        DebitPrenotification.objects.filter(mandate__in=list(mandates.values())).values_list(
            "instalment_id", "mandate_id", "debit_on", "amount"
        )
    )
    for position, (family_id, instalments) in enumerate(by_family.items(), start=1):
        mandate = mandates[family_id]
        new = [
            instalment
            for instalment in instalments
            if (instalment.pk, mandate.pk, instalment.due_on, instalment.outstanding) not in announced
        ]
        if progress:
            progress(position, len(by_family))
        if not new:
            continue
        emails = family_emails(family_id)
        if not emails:
            result.without_email.append(mandate.family.name)
            continue
        result.families += 1
        result.debits += len(new)
        result.total += sum((instalment.outstanding for instalment in new), Decimal("0.00"))
        if dry_run:
            continue
        with transaction.atomic():
            now = timezone.now()
            notices = DebitPrenotification.objects.bulk_create(
                [
                    DebitPrenotification(
                        instalment=instalment,
                        mandate=mandate,
                        debit_on=instalment.due_on,
                        amount=instalment.outstanding,
                        sent_at=now,
                    )
                    for instalment in new
                ],
                ignore_conflicts=True,
            )
            for notice, instalment in zip(notices, new, strict=True):
                notice.instalment = instalment
            send_email(
                "billing_prenotification",
                to=emails,
                context={
                    "family": mandate.family,
                    "site": site,
                    "mandate": mandate,
                    "masked_iban": mask_iban(mandate.iban),
                    "creditor_identifier": site.sepa_creditor_identifier,
                    "debits": notices,
                    "invoices_url": settings.SITE_URL + reverse("billing:invoices"),
                },
            )
    return result
