"""issue_invoices reads a batch of families at once, before their own transactions: what it costs,
and why a document issued meanwhile is never billed twice."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing import services
from billing.models import BillingSettings, ChangeRule, Invoice
from billing.tests.factories import BillingSettingsFactory, enrol, tariff_grid
from billing.tests.test_services_issue import AT
from extranet.tests.factories import SiteFactory, StaffUserFactory, current_season
from families.tests.factories import FamilyFactory, guardian_of
from students.tests.factories import StudentFactory

pytestmark = pytest.mark.django_db

# Per family issued: its savepoint and release, the lock (with the row's updated_at and its newest
# document), the number, the invoice, its lines, its instalments and its email in the outbox.
QUERIES_PER_INVOICE = 8


def billed_site(slug):
    rules = BillingSettingsFactory(site=SiteFactory(slug=slug))
    tariff_grid(rules.site)
    return rules.site


def family_of(site, pupils=1):
    family = FamilyFactory(site=site)
    guardian_of(family, is_payer=True, email="payer@example.fr")
    for n in range(pupils):
        enrol(StudentFactory(family=family, first_name=f"Enfant{n}"))
    return family


def issue_site(site):
    with CaptureQueriesContext(connection) as queries:
        results = services.issue_invoices(
            site=site, season=current_season(), actor=None, at=AT, render_pdf=False
        )
    assert all(result.invoice for result in results)
    return len(queries.captured_queries)


def test_each_family_costs_the_same_few_queries_whatever_the_number_of_families_and_pupils():
    one, four = billed_site("un"), billed_site("quatre")
    family_of(one)
    for pupils in (1, 2, 3, 4):
        family_of(four, pupils=pupils)

    assert issue_site(four) - issue_site(one) == 3 * QUERIES_PER_INVOICE


def batch_of(family, season):
    return services.IssueBatch(
        locking=services.families_to_lock(season),
        inputs=services.issue_inputs([family.pk], season),
    )


def test_an_invoice_issued_after_the_batch_was_read_is_not_issued_again():
    site = billed_site("malakoff")
    family = family_of(site)
    season = current_season()
    batch = batch_of(family, season)
    services.issue_invoice(site=site, season=season, family=family, actor=None, at=AT)

    again = services.issue_invoice(site=site, season=season, family=family, actor=None, at=AT, batch=batch)

    assert not again.changed
    assert Invoice.objects.filter(family=family).count() == 1


def test_a_course_stopped_and_billed_after_the_batch_was_read_is_not_billed_in_full():
    site = billed_site("malakoff")
    BillingSettings.objects.filter(site=site).update(change_rule=ChangeRule.PRO_RATA_TERM)
    family = family_of(site)
    season = current_season()
    batch = batch_of(family, season)  # the course active, nothing billed yet
    stopped = services.stop_course(
        enrolment=family.students.get().enrolments.get(),
        stopped_on=datetime.date(2025, 10, 15),
        actor=StaffUserFactory(),
        reason="Déménagement",
        at=AT,
    )

    again = services.issue_invoice(site=site, season=season, family=family, actor=None, at=AT, batch=batch)

    assert stopped.invoice.total == Decimal("120.00")  # the first term only
    assert not again.changed
    assert list(Invoice.objects.filter(family=family)) == [stopped.invoice]


def test_a_family_saved_after_the_batch_was_read_is_billed_as_saved():
    site = billed_site("malakoff")
    family = family_of(site)
    season = current_season()
    batch = batch_of(family, season)  # one instalment
    family.billing_mode = 3
    family.save()

    result = services.issue_invoice(site=site, season=season, family=family, actor=None, at=AT, batch=batch)

    assert result.invoice.billing_mode == 3
    assert result.invoice.instalments.count() == 3
