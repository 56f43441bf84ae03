"""open_window, close_window and check_window_dates."""

import datetime

import pytest
from django.utils import timezone

from extranet.tests.factories import SeasonFactory, SiteFactory, current_season, next_season
from reenrolment import services
from reenrolment.models import ReenrolmentWindow
from reenrolment.tests.factories import WindowFactory

pytestmark = pytest.mark.django_db


def days(n):
    return timezone.now() + datetime.timedelta(days=n)


def test_a_window_opens_now_for_fourteen_days_by_default():
    site, season = SiteFactory(with_house_rules=True), next_season()
    now = timezone.now()
    window = services.open_window(site=site, season=season, now=now)
    assert (window.opens_at, window.closes_at) == (now, now + datetime.timedelta(days=14))
    assert window.is_open(now)


def test_closing_before_opening_is_refused():
    with pytest.raises(services.WindowError) as refused:
        services.open_window(
            site=SiteFactory(with_house_rules=True), season=next_season(), opens_at=days(5), closes_at=days(4)
        )
    assert "doit être postérieure à l'ouverture" in refused.value.message


def test_a_closing_date_in_the_past_is_refused():
    with pytest.raises(services.WindowError) as refused:
        services.open_window(
            site=SiteFactory(with_house_rules=True),
            season=next_season(),
            opens_at=days(-5),
            closes_at=days(-1),
        )
    assert "est déjà passée" in refused.value.message


def test_a_second_window_for_the_same_season_is_refused():
    window = WindowFactory(site__with_house_rules=True)
    with pytest.raises(services.WindowError) as refused:
        services.open_window(site=window.site, season=window.season, opens_at=days(30), closes_at=days(40))
    assert "existe déjà" in refused.value.message
    assert ReenrolmentWindow.objects.count() == 1


def test_overlapping_windows_of_one_site_are_refused():
    window = WindowFactory(site__with_house_rules=True)
    later = SeasonFactory(start_year=2027, is_next=False)
    with pytest.raises(services.WindowError) as refused:
        services.open_window(site=window.site, season=later, opens_at=days(3), closes_at=days(30))
    assert "chevauchent" in refused.value.message


def test_another_site_may_open_at_the_same_dates():
    WindowFactory()
    assert services.open_window(site=SiteFactory(with_house_rules=True), season=next_season())


def test_an_ended_season_cannot_get_a_window():
    past = SeasonFactory(start_year=2024, is_current=False, is_next=False)
    current_season()
    with pytest.raises(services.WindowError) as refused:
        services.open_window(site=SiteFactory(with_house_rules=True), season=past)
    assert "est terminée" in refused.value.message


def test_closing_now_ends_the_window():
    window = WindowFactory()
    services.close_window(window=window)
    window.refresh_from_db()
    assert not window.is_open()
    assert window.closes_at <= timezone.now()


def test_closing_can_be_moved_to_a_later_date():
    window = WindowFactory()
    closes = days(30)
    services.close_window(window=window, at=closes)
    window.refresh_from_db()
    assert window.closes_at == closes


def test_a_window_cannot_close_before_it_opens():
    window = WindowFactory(opens_at=days(5), closes_at=days(10))
    with pytest.raises(services.WindowError) as refused:
        services.close_window(window=window)
    assert "n'ouvre que le" in refused.value.message


def test_a_window_cannot_be_closed_in_the_past():
    window = WindowFactory(opens_at=days(-10))
    with pytest.raises(services.WindowError) as refused:
        services.close_window(window=window, at=days(-2))
    assert "est déjà passé" in refused.value.message


def test_a_site_without_house_rules_cannot_open_a_window():
    site = SiteFactory(name="Conservatoire de Malakoff")

    with pytest.raises(services.WindowError) as refused:
        services.open_window(site=site, season=next_season())

    assert refused.value.message.startswith("Conservatoire de Malakoff n'a pas de règlement intérieur")
    assert not site.reenrolment_windows.exists()
