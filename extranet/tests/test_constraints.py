"""The database itself refuses what would break the shell: logins, seasons, news, pôles."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from extranet.base.models import News, Pole, Season, User
from extranet.tests.factories import NewsFactory, PoleFactory, SeasonFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_two_logins_of_one_site_cannot_share_an_identifier():
    site = SiteFactory()
    UserFactory(site=site, identifier="famille.martin")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(site=site, identifier="famille.martin")


def test_the_same_identifier_on_two_sites_is_two_logins():
    UserFactory(site=SiteFactory(), identifier="famille.martin")
    UserFactory(site=SiteFactory(), identifier="famille.martin")
    assert User.objects.filter(identifier="famille.martin").count() == 2


def test_two_staff_logins_cannot_share_an_identifier():
    User.objects.create(identifier="secretariat", is_staff=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(identifier="secretariat", is_staff=True)


def test_a_season_ends_after_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        Season.objects.create(
            label="2030/2031", starts_on=datetime.date(2030, 9, 1), ends_on=datetime.date(2030, 9, 1)
        )


def test_only_one_season_is_current():
    SeasonFactory(start_year=2025)
    with pytest.raises(IntegrityError), transaction.atomic():
        SeasonFactory(start_year=2030, is_current=True)


def test_only_one_season_is_next():
    SeasonFactory(start_year=2026)
    with pytest.raises(IntegrityError), transaction.atomic():
        SeasonFactory(start_year=2030, is_next=True)


def test_a_season_is_not_both_current_and_next():
    with pytest.raises(IntegrityError), transaction.atomic():
        SeasonFactory(start_year=2030, is_current=True, is_next=True)


def test_news_is_withdrawn_after_it_is_published():
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        NewsFactory(published_at=now, expires_at=now - datetime.timedelta(hours=1))
    assert not News.objects.exists()


def test_two_poles_of_one_site_have_different_names():
    pole = PoleFactory(name="Pôle Loire")
    with pytest.raises(IntegrityError), transaction.atomic():
        Pole.objects.create(site=pole.site, name="Pôle Loire")
    PoleFactory(name="Pôle Loire")  # another site may use the name
