"""Builders for the paying tests: a site that is a SEPA creditor, direct-debit families with a
mandate in force, instalments to collect, pre-notifications sent in time."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from billing import mandates
from billing.models import Instalment, Mandate, Payment
from billing.payment_models import DebitPrenotification, MandateDetails
from billing.tests.factories import InstalmentFactory, InvoiceFactory
from extranet.base.models import PaymentMeans
from extranet.tests.factories import SiteFactory
from families.tests.factories import FamilyFactory, guardian_of

IBAN_FR = "FR7630006000011234567890189"
IBAN_DE = "DE89370400440532013000"
IBAN_GB = "GB82WEST12345698765432"  # schwifty knows no BIC for this bank: the BIC is asked
CREDITOR_ICS = "FR72ZZZ123456"


def creditor_site(**kwargs):
    defaults = {
        "sepa_creditor_name": "Conservatoire de Malakoff",
        "sepa_creditor_identifier": CREDITOR_ICS,
        "sepa_iban": "FR7614508059450000000000081",
        "sepa_bic": "CCBPFRPPVER",
    }
    defaults.update(kwargs)
    return SiteFactory(**defaults)


def direct_debit_family(site=None, **kwargs):
    family = FamilyFactory(
        site=site or creditor_site(), payment_means=PaymentMeans.objects.get(code="direct_debit"), **kwargs
    )
    guardian_of(family, is_payer=True)
    return family


def mandate_in_force(family, *, iban: str = IBAN_FR, holder: str = "Claire MARTIN") -> Mandate:
    """A mandate set up through the service, then activated as if its signed copy was validated."""
    outcome = mandates.set_up_mandate(family=family, holder_name=holder, iban=iban, actor=None)
    details = outcome.mandate.details
    details.state = MandateDetails.State.ACTIVE
    details.activated_at = timezone.now()
    details.save(update_fields=["state", "activated_at"])
    return Mandate.objects.select_related("details").get(pk=outcome.mandate.pk)


def instalment_due(
    family, *, due_on: datetime.date, amount: Decimal = Decimal("150.00"), rank: int = 1
) -> Instalment:
    invoice = InvoiceFactory(family=family, total=amount)
    return InstalmentFactory(invoice=invoice, rank=rank, due_on=due_on, amount=amount)


def prenotified(instalment: Instalment, mandate: Mandate, *, days_before: int = 20, amount=None):
    return DebitPrenotification.objects.create(
        instalment=instalment,
        mandate=mandate,
        debit_on=instalment.due_on,
        amount=amount if amount is not None else instalment.amount,
        sent_at=timezone.make_aware(
            datetime.datetime.combine(
                instalment.due_on - datetime.timedelta(days=days_before), datetime.time(9)
            )
        ),
    )


def populate_payments(family, instalment, actor) -> None:
    """One of every paying record for ``family`` (the site-scoping tests need them on each site).

    ``family`` already has a plain ``MandateFactory`` mandate; it gets its details here.
    """
    from billing import crypto
    from billing.payment_models import (
        DebitReject,
        DirectDebit,
        DirectDebitExport,
        IbanDisclosure,
        MandateStateChange,
        OnlineTransaction,
        OnlineTransactionLine,
        PaymentNotification,
        PaymentReversal,
        RefundRequest,
    )

    mandate = Mandate.objects.get(family=family, revoked_on__isnull=True)
    MandateDetails.objects.create(
        mandate=mandate,
        state=MandateDetails.State.ACTIVE,
        iban_encrypted=crypto.encrypt(IBAN_FR),
        iban_fingerprint=crypto.fingerprint(IBAN_FR),
    )
    MandateStateChange.objects.create(mandate=mandate, new_state=MandateDetails.State.ACTIVE)
    IbanDisclosure.objects.create(mandate=mandate, actor=actor, reason="Appel de la banque")
    prenotified(instalment, mandate)
    export = DirectDebitExport.objects.create(
        site=family.site,
        collection_date=instalment.due_on,
        schema="pain.008.001.08",
        message_id=f"MSG-{family.site.slug}",
        file_name=f"{family.site.slug}.xml",
    )
    debit = DirectDebit.objects.create(
        export=export,
        instalment=instalment,
        mandate=mandate,
        amount=instalment.amount,
        sequence_type="FRST",
        collection_date=instalment.due_on,
        end_to_end_id=f"E2E-{family.site.slug}",
        masked_iban="FR76 •••• 189",
        state=DirectDebit.State.REJECTED,
    )
    DebitReject.objects.create(direct_debit=debit, reason="AM04")
    direct_debit_means = PaymentMeans.objects.get(code="direct_debit")
    collected = Payment.objects.create(
        instalment=instalment, means=direct_debit_means, amount=instalment.amount, reference="SEPA E2E"
    )
    taken_back = Payment.objects.create(
        instalment=instalment,
        means=direct_debit_means,
        amount=-instalment.amount,
        reference="Retour SEPA E2E",
    )
    PaymentReversal.objects.create(payment=collected, entry=taken_back, reason="Retour AM04")
    RefundRequest.objects.create(
        family=family, invoice=instalment.invoice, amount=Decimal("10.00"), reason="Trop-perçu"
    )
    online = OnlineTransaction.objects.create(
        site=family.site,
        family=family,
        backend="dummy",
        reference=f"TX-{family.site.slug}",
        amount=instalment.amount,
    )
    OnlineTransactionLine.objects.create(transaction=online, instalment=instalment, amount=instalment.amount)
    PaymentNotification.objects.create(transaction=online, channel="notify", outcome="forged")
