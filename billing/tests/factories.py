import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from billing import services
from billing.models import (
    BillingSettings,
    CourseStop,
    Instalment,
    Invoice,
    InvoiceLine,
    InvoicePdf,
    InvoiceSequence,
    Mandate,
    Payment,
    Receipt,
    Tariff,
)
from extranet.base.models import PaymentMeans
from extranet.tests.factories import PoleFactory, SiteFactory, StaffUserFactory, current_season
from families.tests.factories import FamilyFactory, guardian_of
from students.models import CourseCategory
from students.tests.factories import CourseFactory, EnrolmentFactory, StudentFactory


class TariffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tariff

    site = factory.SubFactory(SiteFactory)
    season = factory.LazyFunction(current_season)
    category = CourseCategory.INSTRUMENT
    quotient_min = factory.Sequence(lambda n: n * 500)
    quotient_max = factory.LazyAttribute(lambda o: o.quotient_min + 500)
    amount = Decimal("320.00")


class InvoiceFactory(factory.django.DjangoModelFactory):
    """An issued invoice of the family's site, numbered ``F2025-00001`` onwards."""

    class Meta:
        model = Invoice

    family = factory.SubFactory(FamilyFactory)
    site = factory.SelfAttribute("family.site")
    season = factory.LazyFunction(current_season)
    year = 2025
    sequence = factory.Sequence(lambda n: n + 1)
    number = factory.LazyAttribute(lambda o: f"F{o.year}-{o.sequence:05d}")
    issued_at = factory.LazyFunction(timezone.now)
    billing_mode = factory.SelfAttribute("family.billing_mode")
    payment_means_label = "Chèque"
    payer_name = "Claire MARTIN"
    payer_address = "12 rue Gabriel Crié\n92240 Malakoff"
    site_name = factory.SelfAttribute("site.name")
    site_address = "44 rue Marceau\n92240 Malakoff"
    total = Decimal("450.00")


class InvoiceLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InvoiceLine

    invoice = factory.SubFactory(InvoiceFactory)
    label = "Piano cycle 1 – 2025/2026"
    quantity = 1
    unit_price = Decimal("450.00")
    amount = factory.LazyAttribute(lambda o: o.unit_price * o.quantity)


class InstalmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Instalment

    invoice = factory.SubFactory(InvoiceFactory)
    rank = factory.Sequence(lambda n: n + 1)
    due_on = datetime.date(2025, 10, 15)
    amount = Decimal("150.00")


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    instalment = factory.SubFactory(InstalmentFactory)
    means = factory.LazyFunction(lambda: PaymentMeans.objects.get(code="cheque"))
    amount = factory.SelfAttribute("instalment.amount")
    received_on = datetime.date(2025, 10, 10)
    reference = factory.Sequence(lambda n: f"Chèque n° {1000000 + n}")


class MandateFactory(factory.django.DjangoModelFactory):
    """A signed SEPA mandate, in force (not revoked)."""

    class Meta:
        model = Mandate

    family = factory.SubFactory(FamilyFactory)
    reference = factory.Sequence(lambda n: f"TUTTI-{n:08d}")
    holder_name = "Claire MARTIN"
    iban = "FR7630006000011234567890189"
    bic = "AGRIFRPP847"
    signed_on = datetime.date(2025, 9, 5)


class BillingSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BillingSettings
        django_get_or_create = ("site",)

    site = factory.SubFactory(SiteFactory)
    invoice_prefix = "MAL"
    sibling_rate_second = Decimal("20")
    sibling_rate_third = Decimal("30")


def enrol(student, *, category=CourseCategory.INSTRUMENT, name="Piano cycle 1", season=None, **kwargs):
    """An active enrolment of ``student`` in a new course of the family's site, from September."""
    season = season or current_season()
    course = CourseFactory(
        season=season,
        pole=PoleFactory(site=student.family.site),
        category=category,
        name=name,
        **kwargs,
    )
    return EnrolmentFactory(
        student=student,
        course=course,
        created_at=timezone.make_aware(datetime.datetime(season.starts_on.year, 6, 20, 10)),
    )


def tariff_grid(
    site, *, season=None, category=CourseCategory.INSTRUMENT, amounts=("120.00", "240.00", "360.00")
):
    """Three QF brackets: below 600, 600 to 1200, and 1200 and more (the highest)."""
    season = season or current_season()
    bounds = [(0, 600), (600, 1200), (1200, None)]
    return [
        Tariff.objects.create(
            site=site,
            season=season,
            category=category,
            quotient_min=low,
            quotient_max=high,
            amount=Decimal(amount),
        )
        for (low, high), amount in zip(bounds, amounts, strict=True)
    ]


def populate_billing(invoice: Invoice, enrolment, actor) -> None:
    """One row of each billing record an admin lists for ``invoice``'s site and family (scoping tests)."""
    BillingSettingsFactory(site=invoice.site, invoice_prefix=invoice.site.slug[:10].upper().replace("-", ""))
    InvoiceSequence.objects.get_or_create(site=invoice.site, year=2025)
    InvoicePdf.objects.get_or_create(
        invoice=invoice,
        defaults={"filename": f"{invoice.number}.pdf", "content": b"%PDF-1.7", "sha256": "0" * 64},
    )
    CourseStop.objects.create(enrolment=enrolment, stopped_on=datetime.date(2026, 1, 10), recorded_by=actor)
    Receipt.objects.create(
        site=invoice.site,
        family=invoice.family,
        means=PaymentMeans.objects.get(code="cheque"),
        amount=Decimal("10.00"),
        received_on=datetime.date(2025, 10, 10),
        payer_name="Payeur",
        recorded_by=actor,
    )


ISSUED_AT = timezone.make_aware(datetime.datetime(2025, 9, 20, 10))


def issued_invoice(
    *, billing_mode: int, courses: dict[str, list[str]], **rules
) -> tuple[BillingSettings, Invoice]:
    """The invoice of a family BERTIN (with a guardian) whose pupils, by first name, take
    ``courses``, issued by the service on ``ISSUED_AT`` under the site's tariffs and its billing
    settings (``rules``: invoice_prefix MAL unless given)."""
    family = FamilyFactory(name="BERTIN", billing_mode=billing_mode)
    guardian_of(family)
    settings = BillingSettingsFactory(site=family.site, **{"invoice_prefix": "MAL", **rules})
    tariff_grid(settings.site)
    for first_name, names in courses.items():
        student = StudentFactory(family=family, first_name=first_name)
        for name in names:
            enrol(student, name=name)
    invoice = services.issue_invoice(
        site=family.site,
        season=current_season(),
        family=family,
        actor=StaffUserFactory(),
        at=ISSUED_AT,
        render_pdf=False,
    ).invoice
    return settings, invoice
