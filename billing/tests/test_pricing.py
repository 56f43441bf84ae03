"""Splits exact to the cent, the QF bracket, sibling reductions and the mid-year rules."""

import datetime
from decimal import Decimal

import pytest

from billing import pricing
from billing.models import BillingSettings, ChangeRule, Tariff


def test_100_euros_in_3_puts_the_remainder_on_the_first_instalment():
    assert pricing.split_amount(Decimal("100.00"), 3) == [
        Decimal("33.34"),
        Decimal("33.33"),
        Decimal("33.33"),
    ]


def test_5_cents_in_8_lose_no_cent():
    parts = pricing.split_amount(Decimal("0.05"), 8)
    assert parts == [Decimal("0.05")] + [Decimal("0.00")] * 7
    assert sum(parts) == Decimal("0.05")


def test_1000_01_in_8_add_up_exactly():
    parts = pricing.split_amount(Decimal("1000.01"), 8)
    assert parts == [Decimal("125.01")] + [Decimal("125.00")] * 7
    assert sum(parts) == Decimal("1000.01")


@pytest.mark.parametrize(
    ("mode", "dates"),
    [
        (1, [datetime.date(2026, 10, 15)]),
        (3, [datetime.date(2026, 10, 15), datetime.date(2027, 1, 15), datetime.date(2027, 4, 15)]),
        (
            8,
            [datetime.date(2026, month, 15) for month in (10, 11, 12)]
            + [datetime.date(2027, month, 15) for month in (1, 2, 3, 4, 5)],
        ),
    ],
)
def test_the_schedule_follows_the_family_s_billing_mode(mode, dates):
    assert pricing.schedule_dates(datetime.date(2026, 9, 1), mode) == dates


def test_a_late_invoice_keeps_only_the_instalments_still_to_come():
    plan = pricing.schedule(
        Decimal("90.00"),
        season_start=datetime.date(2026, 9, 1),
        billing_mode=3,
        issued_on=datetime.date(2026, 12, 1),
    )
    assert plan == [
        (datetime.date(2027, 1, 15), Decimal("45.00")),
        (datetime.date(2027, 4, 15), Decimal("45.00")),
    ]


def brackets():
    return [
        Tariff(category="instrument", quotient_min=0, quotient_max=600, amount=Decimal("100")),
        Tariff(category="instrument", quotient_min=600, quotient_max=None, amount=Decimal("300")),
    ]


def test_without_a_qf_the_highest_bracket_applies():
    assert pricing.bracket_for(brackets(), None).amount == Decimal("300")


def test_a_qf_picks_its_bracket_and_the_upper_bound_belongs_to_the_next():
    assert pricing.bracket_for(brackets(), 599).amount == Decimal("100")
    assert pricing.bracket_for(brackets(), 600).amount == Decimal("300")


def course(student_id, name="Piano", **kwargs):
    values = {
        "student_id": student_id,
        "student_name": f"Élève {student_id}",
        "birth_date": datetime.date(2015, 1, 1),
        "course_name": name,
        "category": "instrument",
        "category_label": "Instrument",
        "discipline_id": 1,
        "enrolment_id": student_id * 10 + len(name),
    }
    return pricing.CourseToPrice(**{**values, **kwargs})


def price(courses, *, settings=None, tariffs=None, qf=None, city="Malakoff"):
    book = pricing.TariffBook(tariffs or brackets(), settings)
    return pricing.price_family(
        book=book,
        courses=courses,
        quotient=pricing.QuotientUsed(qf, ""),
        city=city,
        season_start=datetime.date(2026, 9, 1),
        season_end=datetime.date(2027, 6, 30),
    )


def sibling_rules(**kwargs):
    return BillingSettings(sibling_rate_second=Decimal("20"), sibling_rate_third=Decimal("50"), **kwargs)


def test_sibling_reductions_go_by_rank_the_dearest_child_first():
    result = price(
        [course(1), course(2), course(2, "Chœur", category="collective"), course(3)],
        settings=sibling_rules(),
        tariffs=[*brackets(), Tariff(category="collective", quotient_min=0, amount=Decimal("50"))],
    )
    reductions = {line.student_id: line.amount for line in result.lines if line.kind == "reduction"}
    # Pupil 2 (350 €) is first; pupil 1 (300 €) second: −20 %; pupil 3 (300 €) third: −50 %.
    assert reductions == {1: Decimal("-60.00"), 3: Decimal("-150.00")}
    assert result.total == Decimal("350.00") + Decimal("240.00") + Decimal("150.00")


def test_adults_pay_the_adult_tariff_without_sibling_reduction():
    adult_tariff = Tariff(category="instrument", adult=True, quotient_min=0, amount=Decimal("500"))
    result = price(
        [course(1), course(2, birth_date=datetime.date(1980, 5, 5))],
        settings=sibling_rules(),
        tariffs=[*brackets(), adult_tariff],
    )
    assert [(line.student_id, line.amount) for line in result.lines] == [
        (1, Decimal("300")),
        (2, Decimal("500")),
    ]


def test_a_discipline_tariff_overrides_its_category():
    override = Tariff(category="instrument", discipline_id=7, quotient_min=0, amount=Decimal("410"))
    result = price([course(1, discipline_id=7), course(2)], tariffs=[*brackets(), override])
    assert [line.amount for line in result.lines] == [Decimal("410"), Decimal("300")]


def test_non_residents_pay_the_non_resident_column_when_the_site_lists_its_communes():
    tariffs = [
        Tariff(
            category="instrument", quotient_min=0, amount=Decimal("300"), non_resident_amount=Decimal("450")
        )
    ]
    rules = BillingSettings(resident_communes="Malakoff\nVanves")
    assert price([course(1)], settings=rules, tariffs=tariffs, city="MALAKOFF").total == Decimal("300")
    assert price([course(1)], settings=rules, tariffs=tariffs, city="Clamart").total == Decimal("450")


def test_a_course_without_tariff_is_reported_not_priced_at_zero():
    result = price([course(1, category="eveil", category_label="Éveil")], tariffs=brackets())
    assert result.lines == []
    assert "Aucun tarif" in result.problems[0]


def test_pro_rata_counts_the_terms_attended():
    rules = sibling_rules(change_rule=ChangeRule.PRO_RATA_TERM)
    stopped = price([course(1, stops_on=datetime.date(2027, 2, 10))], settings=rules)
    added = price([course(1, starts_on=datetime.date(2027, 4, 2))], settings=rules)
    assert stopped.total == Decimal("200.00")
    assert added.total == Decimal("100.00")


def test_the_cut_off_rule_reduces_what_is_due_on_one_side_only():
    rules = sibling_rules(
        change_rule=ChangeRule.CUTOFF, cutoff_month=1, cutoff_day=1, reduced_percent=Decimal("40")
    )
    assert price([course(1, stops_on=datetime.date(2026, 11, 30))], settings=rules).total == Decimal("120.00")
    assert price([course(1, stops_on=datetime.date(2027, 2, 1))], settings=rules).total == Decimal("300.00")
    assert price([course(1, starts_on=datetime.date(2027, 1, 5))], settings=rules).total == Decimal("120.00")


def test_the_full_year_rule_ignores_stops():
    rules = sibling_rules(change_rule=ChangeRule.FULL_YEAR)
    assert price([course(1, stops_on=datetime.date(2026, 10, 1))], settings=rules).total == Decimal("300.00")
