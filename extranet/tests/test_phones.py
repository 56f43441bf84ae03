"""Phone numbers: typed any usual French way, stored as ten digits, shown in pairs."""

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template

from extranet.base.forms import MobileField, PhoneField, PostalCodeField
from extranet.base.phones import format_phone, normalise_phone


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("06 12 34 56 78", "0612345678"),
        ("06.12.34.56.78", "0612345678"),
        ("06-12-34-56-78", "0612345678"),
        ("+33 6 12 34 56 78", "0612345678"),
        ("+33 (0)6 12 34 56 78", "0612345678"),
        ("0033 1 46 12 34 56", "0146123456"),
        ("0146123456", "0146123456"),
    ],
)
def test_usual_ways_of_typing_a_number_are_normalised(typed, stored):
    assert normalise_phone(typed) == stored
    assert PhoneField().clean(typed) == stored


@pytest.mark.parametrize("typed", ["06 12 34 56", "06 12 34 56 78 9", "06 12 34 56 7a", "1612345678"])
def test_a_number_that_is_not_ten_digits_starting_with_0_is_refused(typed):
    with pytest.raises(ValidationError, match="10 chiffres et commence par 0"):
        PhoneField().clean(typed)


@pytest.mark.parametrize("typed", ["01 46 12 34 56", "06 12 34 56 78 mère", "0612345"])
def test_the_sms_mobile_is_exactly_ten_digits_starting_06_or_07(typed):
    with pytest.raises(ValidationError, match="exactement 10 chiffres"):
        MobileField().clean(typed)


def test_an_empty_phone_is_allowed():
    assert PhoneField().clean("") == ""


def test_stored_numbers_are_shown_in_pairs():
    assert format_phone("0612345678") == "06 12 34 56 78"
    assert format_phone("") == ""
    assert format_phone("123") == "123"


def test_the_template_filter_shows_pairs():
    rendered = Template("{% load tutti %}{{ number|phone }}").render(Context({"number": "0146123456"}))
    assert rendered == "01 46 12 34 56"


@pytest.mark.parametrize(
    ("typed", "ok"), [("92240", True), ("92 240", True), ("9224", False), ("2A004", False)]
)
def test_postal_codes_are_five_digits(typed, ok):
    field = PostalCodeField()
    if ok:
        assert field.clean(typed) == "92240"
    else:
        with pytest.raises(ValidationError, match="5 chiffres"):
            field.clean(typed)


def test_long_datetime_reads_naturally_in_french_and_english(settings):
    import datetime

    from django.utils import timezone, translation

    from extranet.base.templatetags.tutti import long_datetime

    moment = timezone.make_aware(datetime.datetime(2027, 1, 4, 23, 0))
    with translation.override("fr"):
        assert long_datetime(moment) == "4 janvier 2027 à 23 h"
        assert long_datetime(moment, "weekday") == "lundi 4 janvier 2027 à 23 h"
    with translation.override("en"):
        assert long_datetime(moment, "weekday") == "Monday 4 January 2027 at 23:00"
