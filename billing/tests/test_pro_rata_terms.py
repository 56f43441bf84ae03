"""Pro rata by the site's own terms (students' ``Term`` rows) when it has them, else three
trimesters; the note on the line names the real number of terms, singular or plural."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from billing import pricing, services
from billing.models import BillingSettings, ChangeRule, Tariff
from billing.tests.factories import BillingSettingsFactory, enrol, tariff_grid
from extranet.tests.factories import StaffUserFactory, current_season
from families.tests.factories import FamilyFactory, guardian_of
from students.schoolyear_models import Term, TermSystem
from students.tests.factories import StudentFactory

pytestmark = pytest.mark.django_db

AT = timezone.make_aware(datetime.datetime(2025, 9, 20, 10))


@pytest.fixture
def site():
    rules = BillingSettingsFactory(change_rule=ChangeRule.PRO_RATA_TERM)
    tariff_grid(rules.site)  # 360 € a year without a QF
    return rules.site


def site_terms(site, system, *bounds):
    season = current_season()
    for number, (first, last) in enumerate(bounds, start=1):
        Term.objects.create(
            site=site, season=season, system=system, number=number, starts_on=first, ends_on=last
        )


def stop_on(site, day: datetime.date):
    family = FamilyFactory(site=site, billing_mode=1)
    guardian_of(family, is_payer=True)
    pupil = StudentFactory(family=family)
    enrolment = enrol(pupil)
    services.issue_invoice(site=site, season=current_season(), family=family, actor=None, at=AT)
    return services.stop_course(
        enrolment=enrolment, stopped_on=day, actor=StaffUserFactory(), reason="Déménagement", at=AT
    ).credit_note


def test_two_semesters_of_the_site_bill_one_half_after_a_stop_in_the_first(site):
    site_terms(
        site,
        TermSystem.SEMESTERS,
        (datetime.date(2025, 9, 1), datetime.date(2026, 1, 31)),
        (datetime.date(2026, 2, 1), datetime.date(2026, 6, 30)),
    )

    credit_note = stop_on(site, datetime.date(2026, 1, 15))

    assert credit_note.total == Decimal("180.00")
    assert "1 semestre sur 2" in credit_note.lines.get().detail


def test_a_stop_in_the_second_semester_owes_the_whole_year(site):
    site_terms(
        site,
        TermSystem.SEMESTERS,
        (datetime.date(2025, 9, 1), datetime.date(2026, 1, 31)),
        (datetime.date(2026, 2, 1), datetime.date(2026, 6, 30)),
    )

    assert stop_on(site, datetime.date(2026, 2, 2)) is None  # both semesters started: all due


def test_three_terms_of_the_site_are_counted_with_their_own_dates(site):
    # The site's second term starts in December: a stop on 2 February is in it, not in a third.
    site_terms(
        site,
        TermSystem.TRIMESTERS,
        (datetime.date(2025, 9, 1), datetime.date(2025, 11, 30)),
        (datetime.date(2025, 12, 1), datetime.date(2026, 2, 28)),
        (datetime.date(2026, 3, 1), datetime.date(2026, 6, 30)),
    )

    first = stop_on(site, datetime.date(2025, 11, 20))
    second = stop_on(site, datetime.date(2026, 2, 2))

    assert first.total == Decimal("240.00")
    assert "1 trimestre sur 3" in first.lines.get().detail
    assert second.total == Decimal("120.00")
    assert "2 trimestres sur 3" in second.lines.get().detail


def test_another_site_s_terms_do_not_count(site):
    other = BillingSettingsFactory(change_rule=ChangeRule.PRO_RATA_TERM).site
    site_terms(
        other,
        TermSystem.SEMESTERS,
        (datetime.date(2025, 9, 1), datetime.date(2026, 1, 31)),
        (datetime.date(2026, 2, 1), datetime.date(2026, 6, 30)),
    )

    credit_note = stop_on(site, datetime.date(2026, 1, 15))  # three trimesters: 2 of 3 due

    assert credit_note.total == Decimal("120.00")
    assert "2 trimestres sur 3" in credit_note.lines.get().detail


def test_terms_given_to_the_book_are_used_without_a_query(django_assert_num_queries):
    rules = BillingSettings(change_rule=ChangeRule.PRO_RATA_TERM)
    terms = pricing.SeasonTerms(
        bounds=(
            (datetime.date(2026, 9, 1), datetime.date(2027, 1, 31)),
            (datetime.date(2027, 2, 1), datetime.date(2027, 6, 30)),
        ),
        semesters=True,
    )
    book = pricing.TariffBook(
        [Tariff(category="instrument", quotient_min=0, amount=Decimal("300"))], rules, terms
    )
    course = pricing.CourseToPrice(
        student_id=1,
        student_name="Élève",
        birth_date=datetime.date(2015, 1, 1),
        course_name="Piano",
        category="instrument",
        category_label="Instrument",
        discipline_id=1,
        stops_on=datetime.date(2026, 12, 1),
    )

    with django_assert_num_queries(0):
        price = pricing.price_family(
            book=book,
            courses=[course],
            quotient=pricing.QuotientUsed(None, ""),
            city="Malakoff",
            season_start=datetime.date(2026, 9, 1),
            season_end=datetime.date(2027, 6, 30),
        )

    assert price.total == Decimal("150.00")
    assert price.lines[0].detail.startswith("1 semestre sur 2")
