"""French as a French reader expects it: elision, "1er", "23 h", "née"/"né" (extranet.base.dates, tutti filters)."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from extranet.base import dates
from extranet.base.templatetags.tutti import born, euros, iso_datetime, of_name
from extranet.tests.factories import civility
from students.tests.factories import StudentFactory

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Emma", "d'Emma"), ("Léo", "de Léo"), ("Inès", "d'Inès"), ("Hugo", "d'Hugo"), ("Éloïse", "d'Éloïse")],
)
def test_de_elides_before_a_vowel_or_a_mute_h(name, expected):
    assert of_name(name) == expected


def test_cours_d_emma_reads_right_in_a_template():
    html = Template("{% load tutti %}Cours {{ name|of_name }}").render(Context({"name": "Emma"}))

    assert html == "Cours d&#x27;Emma"


def test_the_first_of_the_month_is_written_1er():
    assert dates.long_date(datetime.date(2026, 12, 1)) == "1er décembre 2026"
    assert dates.long_date(datetime.date(2026, 12, 2)) == "2 décembre 2026"
    assert dates.long_date(datetime.date(2026, 12, 1), with_weekday=True) == "mardi 1er décembre 2026"


def test_hours_are_written_with_h():
    assert dates.clock(datetime.time(23, 0)) == "23 h"
    assert dates.clock(datetime.time(9, 30)) == "9 h 30"
    at = datetime.datetime(2027, 1, 4, 23, 0, tzinfo=PARIS)
    assert dates.long_datetime(at, with_weekday=True) == "lundi 4 janvier 2027 à 23 h"


def test_english_keeps_its_own_formats():
    with translation.override("en"):
        assert dates.clock(datetime.datetime(2027, 1, 4, 23, 0, tzinfo=PARIS)) == "23:00"
        assert dates.long_date(datetime.date(2026, 12, 1)) == "1 December 2026"


def test_time_datetime_attributes_have_no_microseconds():
    value = datetime.datetime(2026, 11, 30, 10, 29, 2, 877605, tzinfo=PARIS)

    assert iso_datetime(value) == "2026-11-30T10:29:02+01:00"


@pytest.mark.django_db
def test_born_follows_the_pupil_civility():
    assert born(StudentFactory(civility=civility("mlle"))) == "née"
    assert born(StudentFactory(civility=civility("m"))) == "né"


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (Decimal("1234.5"), "1 234,50 €"),
        (Decimal("45"), "45,00 €"),
        (Decimal("1234567.891"), "1 234 567,89 €"),
        (Decimal("-10.00"), "-10,00 €"),
    ],
)
def test_amounts_read_as_a_french_reader_writes_them(amount, expected):
    with translation.override("fr"):
        assert euros(amount) == expected
