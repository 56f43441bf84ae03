"""The demo's billing, called by seed_demo: rules and tariffs of both sites, current-season invoices.

Tariffs for the current and the next season on both sites (QF brackets, adults, a
per-discipline override, non-resident columns for Sèvre Loire). The demo families' current-season
invoices are issued as if in September, then: one family paid in full at the desk, one has a
late instalment, one pays in 8 instalments. Running it again changes nothing (issuing is
idempotent, payments are recorded only once).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from billing import mandates, services
from billing.models import BillingSettings, ChangeRule, Receipt, Tariff
from documents.demo import text_pdf
from documents.models import DocumentType
from documents.services import record_desk_document
from extranet.base.models import PaymentMeans, Season, Site
from families.models import Family
from students.models import CourseCategory, Discipline

C = CourseCategory

RULES = {
    "malakoff": {
        "invoice_prefix": "MAL",
        "resident_communes": "",
        "sibling_rate_second": Decimal("20"),
        "sibling_rate_third": Decimal("30"),
        "change_rule": ChangeRule.PRO_RATA_TERM,
        "payable_to": "Régie du conservatoire de Malakoff",
        "payment_instructions": "Secrétariat du conservatoire, 44 rue Marceau, 92240 Malakoff : du lundi au "
        "vendredi, de 14 h à 18 h 30, et le samedi de 9 h 30 à 12 h 30.",
        "legal_mentions": "Tarifs fixés par la délibération du conseil municipal du 24 juin.",
    },
    "sevre-loire": {
        "invoice_prefix": "SVL",
        "resident_communes": "Clisson\nGétigné\nGorges\nVallet",
        "sibling_rate_second": Decimal("15"),
        "sibling_rate_third": Decimal("25"),
        "change_rule": ChangeRule.CUTOFF,
        "cutoff_month": 1,
        "cutoff_day": 1,
        "reduced_percent": Decimal("50"),
        "payable_to": "Trésor public",
        "payment_instructions": "Accueil de l'agglomération Clisson Sèvre et Maine, 3 place de la Mairie, "
        "44190 Clisson, ou à chaque pôle les jours de cours.",
        "legal_mentions": "Tarifs votés par le conseil communautaire de Clisson Sèvre et Maine Agglo.",
    },
}

# Yearly amounts per category for QF below 700, 700 to 1200, and 1200 and more (or no QF).
GRID = {
    C.EVEIL: ("90.00", "135.00", "180.00"),
    C.DISCOVERY: ("110.00", "165.00", "220.00"),
    C.INSTRUMENT: ("210.00", "315.00", "420.00"),
    C.COLLECTIVE: ("45.00", "65.00", "90.00"),
    C.CULTURE: ("60.00", "90.00", "120.00"),
    C.ADULT: ("320.00", "400.00", "480.00"),
}
BRACKETS = [(0, 700), (700, 1200), (1200, None)]
# Sèvre Loire's families from outside its communes pay a quarter more.
NON_RESIDENT_RATE = {"malakoff": None, "sevre-loire": Decimal("1.25")}
# Danse classique costs more than the other instruments at Malakoff.
DISCIPLINE_OVERRIDES = {"malakoff": {"danse-classique": ("240.00", "350.00", "460.00")}}


@dataclass(frozen=True)
class DemoBilling:
    invoices: int
    payments: int


def _tariff(site: Site, season: Season, category: str, low: int, high, amount: str, *, discipline=None):
    rate = NON_RESIDENT_RATE.get(site.slug)
    values = {
        "quotient_max": high,
        "amount": Decimal(amount),
        "non_resident_amount": (Decimal(amount) * rate).quantize(Decimal("0.01")) if rate else None,
    }
    Tariff.objects.update_or_create(
        site=site,
        season=season,
        category=category,
        discipline=discipline,
        adult=False,
        quotient_min=low,
        defaults=values,
    )


def seed_rules_and_tariffs(seasons: list[Season]) -> None:
    for slug, rules in RULES.items():
        site = Site.objects.filter(slug=slug).first()
        if site is None:
            continue
        BillingSettings.objects.update_or_create(site=site, defaults=rules)
        for season in seasons:
            for category, amounts in GRID.items():
                for (low, high), amount in zip(BRACKETS, amounts, strict=True):
                    _tariff(site, season, category, low, high, amount)
            for discipline_slug, amounts in DISCIPLINE_OVERRIDES.get(slug, {}).items():
                discipline = Discipline.objects.filter(slug=discipline_slug).first()
                if discipline is None:
                    continue
                for (low, high), amount in zip(BRACKETS, amounts, strict=True):
                    _tariff(site, season, C.INSTRUMENT, low, high, amount, discipline=discipline)


# What happens after each demo family's invoice: "paid" in full, "late" (an instalment past its
# date unpaid), "instalments" (8 instalments, those passed paid), "first" (the first one paid).
PAYMENT_STORIES = {
    "VOISIN": "paid",
    "DEMO": "late",
    "LOIRE": "instalments",
    "MOREAU": "paid",
    "GIRAUD": "first",
}


def _pay(family: Family, *, amount: Decimal, received_on: datetime.date, code: str, reference: str) -> None:
    services.record_desk_payment(
        family=family,
        means=PaymentMeans.objects.get(code=code),
        amount=amount,
        received_on=received_on,
        reference=reference,
        actor=None,
    )


def seed_billing(*, current: Season, following: Season, families: list[Family], today=None) -> DemoBilling:
    """Rules, tariffs, then the demo families' current-season invoices and their payments."""
    today = today or timezone.localdate()
    seed_rules_and_tariffs([current, following])
    issued_at = timezone.make_aware(datetime.datetime(current.starts_on.year, 9, 20, 10))
    invoices = payments = 0
    for family in families:
        result = services.issue_invoice(
            site=family.site, season=current, family=family, actor=None, at=min(issued_at, timezone.now())
        )
        invoices += bool(result.invoice)
        story = PAYMENT_STORIES.get(family.external_reference)
        if story is None or Receipt.objects.filter(family=family).exists():
            continue
        instalments = [
            instalment
            for invoice in family.invoices.filter(season=current, kind="invoice").order_by("issued_at")
            for instalment in invoice.instalments.order_by("rank")
        ]
        if not instalments:
            continue
        first = instalments[0]
        paid_on = min(first.due_on - datetime.timedelta(days=5), today)
        if story == "paid":
            total = sum((i.amount - i.credited for i in instalments), Decimal("0.00"))
            _pay(family, amount=total, received_on=paid_on, code="cheque", reference="Chèque n° 4012876")
            payments += 1
        elif story == "first":
            _pay(
                family, amount=first.amount, received_on=paid_on, code="cheque", reference="Chèque n° 4012901"
            )
            payments += 1
        elif story == "late":
            # Every instalment whose date has passed is paid but the last one, which is late.
            for instalment in [i for i in instalments if i.due_on < today][:-1]:
                _pay(
                    family,
                    amount=instalment.amount,
                    received_on=instalment.due_on,
                    code="cheque",
                    reference="",
                )
                payments += 1
        elif story == "instalments":
            # Chèques vacances for each instalment whose date has passed: the next one is due next.
            passed = [i for i in instalments if i.due_on < today] or instalments[:1]
            for number, instalment in enumerate(passed, start=1):
                _pay(
                    family,
                    amount=instalment.amount,
                    received_on=min(instalment.due_on - datetime.timedelta(days=3), today),
                    code="holiday_vouchers",
                    reference=f"ANCV {number:02d}",
                )
                payments += 1
    seed_mandates(families)
    return DemoBilling(invoices=invoices, payments=payments)


# The demo families paying by direct debit, with the account their mandate is set up on.
DEMO_MANDATES = {"GIRAUD": ("Sophie GIRAUD", "FR7630006000011234567890189")}


def seed_mandates(families: list[Family]) -> int:
    """A mandate in force for each demo family of ``DEMO_MANDATES`` (idempotent).

    It goes the way a family's does: set up online, then the signed copy handed in at the desk
    and validated there, which activates it; so the SEPA export and Facturation show it.
    """
    created = 0
    mandate_type = DocumentType.objects.filter(code="mandat-prelevement").first()
    for family in families:
        account = DEMO_MANDATES.get(family.external_reference)
        if account is None or mandate_type is None or mandates.current_mandate(family) is not None:
            continue
        holder, iban = account
        outcome = mandates.set_up_mandate(family=family, holder_name=holder, iban=iban, actor=None)
        signed = text_pdf([f"Mandat de prélèvement SEPA {outcome.mandate.reference}", holder, "Signé"])
        record_desk_document(
            family=family,
            document_type=mandate_type,
            uploaded_file=SimpleUploadedFile("mandat-signe.pdf", signed, content_type="application/pdf"),
            actor=None,
            validate=True,
        )
        created += 1
    return created
