"""The calendar's reference data: both seasons loaded, 2027/2028's holidays skipped, and a season
whose holidays are missing said out loud instead of filled with lessons on holidays."""

import datetime
import logging
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from extranet.base.models import Season
from extranet.tests.factories import PoleFactory, SeasonFactory, SiteFactory, StaffUserFactory
from students.models import Weekday
from students.schoolyear_demo import seed_school_year
from students.schoolyear_models import Lesson, SchoolHoliday
from students.schoolyear_services import (
    SchoolHolidaysMissing,
    generate_lessons,
    holiday_gaps,
    zones_without_holidays,
)
from students.tests.factories import CourseFactory

pytestmark = pytest.mark.django_db


def lesson_dates(course):
    return set(Lesson.objects.filter(course=course).values_list("date", flat=True))


def later_season(start_year: int) -> Season:
    """A season years ahead, made the current one (the clock has moved on)."""
    Season.objects.filter(is_current=True).update(is_current=False)
    Season.objects.filter(is_next=True).update(is_next=False)
    return SeasonFactory(start_year=start_year, is_current=True, is_next=False)


def test_the_migrations_load_the_current_season_2026_2027_for_every_zone():
    season = SeasonFactory(start_year=2026)

    assert zones_without_holidays(season, ["A", "B", "C"]) == []
    # The dates of the arrêté for 2026-2027 (fin des cours → day before the reprise).
    winter = {
        h.zone: (h.starts_on, h.ends_on) for h in SchoolHoliday.objects.filter(code__startswith="2027-hiver")
    }
    assert winter == {
        "A": (datetime.date(2027, 2, 13), datetime.date(2027, 2, 28)),
        "B": (datetime.date(2027, 2, 20), datetime.date(2027, 3, 7)),
        "C": (datetime.date(2027, 2, 6), datetime.date(2027, 2, 21)),
    }


def test_the_migrations_load_the_public_holidays_of_2027_2028():
    days = set(
        SchoolHoliday.objects.filter(starts_on__range=("2027-09-01", "2028-06-30")).values_list(
            "starts_on", flat=True
        )
    )

    assert {
        datetime.date(2027, 11, 11),
        datetime.date(2028, 4, 17),  # lundi de Pâques
        datetime.date(2028, 5, 25),  # Ascension
        datetime.date(2028, 6, 5),  # lundi de Pentecôte
    } <= days


def test_lessons_of_2027_2028_skip_the_zone_holidays_once_entered_and_the_public_holidays():
    season = SeasonFactory(start_year=2027)
    site = SiteFactory(zone="B")
    course = CourseFactory(pole=PoleFactory(site=site), season=season, weekday=Weekday.THURSDAY)
    # Entered in the admin by the secretariat once published (not shipped: not published yet).
    SchoolHoliday.objects.create(
        code="test-hiver-b", name="Vacances d'hiver", zone="B", starts_on="2028-02-12", ends_on="2028-02-27"
    )
    SchoolHoliday.objects.create(
        code="test-hiver-a", name="Vacances d'hiver", zone="A", starts_on="2028-02-26", ends_on="2028-03-12"
    )

    generate_lessons(site=site, season=season)

    dates = lesson_dates(course)
    assert datetime.date(2027, 9, 2) in dates
    assert datetime.date(2027, 11, 11) not in dates  # Armistice, a Thursday
    assert datetime.date(2028, 5, 25) not in dates  # Ascension
    assert datetime.date(2028, 2, 17) not in dates  # winter holidays of zone B
    assert datetime.date(2028, 3, 2) in dates  # winter holidays of zone A only


def test_with_the_clock_years_ahead_no_lesson_is_generated_on_unknown_holidays():
    with mock.patch(
        "django.utils.timezone.now", return_value=timezone.make_aware(datetime.datetime(2030, 11, 2))
    ):
        season = later_season(2030)
        site = SiteFactory(zone="C")
        CourseFactory(pole=PoleFactory(site=site), season=season)

        with pytest.raises(SchoolHolidaysMissing) as refused:
            generate_lessons(site=site, season=season, dry_run=True)

    assert "vacances scolaires 2030/2031 de la zone C ne sont pas chargées" in refused.value.message
    assert "admin (Vacances scolaires et jours fériés)" in refused.value.message
    assert not Lesson.objects.exists()


def test_a_site_without_a_zone_is_not_held_back_by_zone_holidays():
    season = later_season(2030)
    site = SiteFactory(zone="")
    course = CourseFactory(pole=PoleFactory(site=site), season=season)

    assert generate_lessons(site=site, season=season).created == len(lesson_dates(course)) > 0


def test_the_admin_lists_warn_the_secretariat_of_the_missing_seasons(client):
    later_season(2030)
    SeasonFactory(start_year=2031, is_current=False, is_next=True)
    site = SiteFactory(zone="A")
    client.force_login(StaffUserFactory(all_sites=False, managed_sites=[site], is_superuser=True))

    for name in ("admin:students_schoolholiday_changelist", "admin:students_lesson_changelist"):
        page = client.get(reverse(name)).content.decode()

        assert "Les vacances scolaires 2030/2031 de la zone A ne sont pas chargées" in page
        assert "Les vacances scolaires 2031/2032 de la zone A ne sont pas chargées" in page


def test_holiday_gaps_say_nothing_for_the_loaded_seasons():
    SeasonFactory(start_year=2025)
    SeasonFactory(start_year=2026)

    assert holiday_gaps([SiteFactory(zone="A"), SiteFactory(zone="C")]) == []


def test_the_demo_goes_on_without_the_lessons_and_says_why(caplog):
    now = timezone.make_aware(datetime.datetime(2030, 11, 2))
    season = later_season(2030)
    site = SiteFactory(slug="malakoff", name="Conservatoire de Malakoff")
    CourseFactory(pole=PoleFactory(site=site), season=season)

    with caplog.at_level(logging.WARNING, logger="students.schoolyear_demo"):
        assert seed_school_year(now=now) == 0

    assert not Lesson.objects.exists()
    assert "Conservatoire de Malakoff : Les vacances scolaires 2030/2031 de la zone C" in caplog.text
