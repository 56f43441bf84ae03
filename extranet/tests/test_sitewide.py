"""Site-wide reads kept a few seconds (extranet/base/sitewide.py): no query while kept, a write
through the ORM to any table a read involves shows at once, another process's write within
SITE_READS_SECONDS, and what depends on the time of the request is still worked out per request."""

import datetime

import pytest
from django.db import connection
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from documents import selectors as document_selectors
from extranet.base import seasons, sitewide
from extranet.base.forms import _REFERENCE_QUERIES, reference_rows
from extranet.base.models import Civility, PaymentMeans, Season, Site
from extranet.base.news import published_news
from extranet.tests.factories import NewsFactory, SiteFactory, current_season, next_season
from reenrolment import selectors as reenrolment_selectors
from reenrolment.models import ReenrolmentWindow
from reenrolment.tests.factories import WindowFactory, setting
from students.models import Enrolment

pytestmark = pytest.mark.django_db


def queries(call):
    with CaptureQueriesContext(connection) as captured:
        result = call()
    return result, len(captured)


def later(monkeypatch, seconds):
    """The kept reads' clock, ``seconds`` ahead."""
    now = sitewide.time.monotonic()
    monkeypatch.setattr(sitewide.time, "monotonic", lambda: now + seconds)


def test_a_kept_read_asks_the_database_once_within_the_delay():
    current_season()
    first, count = queries(seasons.current_season)
    again, count_again = queries(seasons.current_season)
    assert (count, count_again) == (1, 0)
    assert again == first and again.label == "2025/2026"


def test_each_call_returns_its_own_list_of_the_rows():
    current_season()
    next_season()
    listed = seasons.current_and_next_seasons()
    listed.clear()
    assert {season.label for season in seasons.current_and_next_seasons()} == {"2025/2026", "2026/2027"}


def test_a_save_through_the_orm_shows_on_the_next_read():
    season = current_season()
    seasons.current_season()
    season.label = "2025-2026"
    season.save()
    read, count = queries(seasons.current_season)
    assert (read.label, count) == ("2025-2026", 1)


def test_a_delete_shows_on_the_next_read():
    site = SiteFactory()
    window = WindowFactory(site=site)
    assert reenrolment_selectors.window_for_site(site) == window
    window.delete()
    assert reenrolment_selectors.window_for_site(site) is None


def test_a_write_to_a_table_the_read_joins_shows_on_the_next_read():
    """The windows are read with their season and site: renaming either shows at once."""
    site = SiteFactory(name="Malakoff")
    WindowFactory(site=site)
    assert reenrolment_selectors.window_for_site(site).site.name == "Malakoff"
    Site.objects.filter(pk=site.pk).update(name="Malakoff (conservatoire)")
    assert reenrolment_selectors.window_for_site(site).site.name == "Malakoff"  # no save(): kept
    renamed = Site.objects.get(pk=site.pk)
    renamed.save()
    assert reenrolment_selectors.window_for_site(site).site.name == "Malakoff (conservatoire)"
    season = Season.objects.get(is_next=True)
    season.label = "2026-2027"
    season.save()
    assert reenrolment_selectors.window_for_site(site).season.label == "2026-2027"


def test_every_kept_read_is_forgotten_by_a_write_to_each_model_it_reads():
    """Enumerated over every kept read of the project, once each has been read: each model its
    query reads (its own, the joined ones, those of a union) forgets it."""
    site = SiteFactory()
    WindowFactory(site=site)
    NewsFactory(site=site)
    published_news(site.pk, timezone.now())
    reenrolment_selectors.window_for_site(site)
    seasons.current_season()
    seasons.next_season()
    seasons.current_and_next_seasons()
    reference_rows(Civility, PaymentMeans)
    document_selectors._context()
    reads = [read for read in sitewide._reads if read._entries]
    assert len(reads) >= 7
    windows = reenrolment_selectors._SITE_WINDOWS
    assert {ReenrolmentWindow, Season, Site} <= windows.models
    assert {Civility, PaymentMeans} <= _REFERENCE_QUERIES[(Civility, PaymentMeans)].models
    for read, values in [(read, dict(next(iter(read._entries)))) for read in reads]:
        for model in read.models:
            read.list(**values)
            assert read._entries, (read, model)
            post_save.send(sender=model, instance=None, created=False, raw=False, using="default")
            assert not read._entries, f"a write to {model.__name__} left {read.query} kept"


def test_another_process_write_shows_once_the_delay_is_over(monkeypatch, settings):
    """A write that sends no signal here (another process's, or ``update()``) shows within
    SITE_READS_SECONDS."""
    settings.SITE_READS_SECONDS = 5
    current_season()
    seasons.current_season()
    Season.objects.filter(is_current=True).update(label="2025-26")
    assert seasons.current_season().label == "2025/2026"
    later(monkeypatch, 4)
    assert seasons.current_season().label == "2025/2026"
    later(monkeypatch, 6)
    read, count = queries(seasons.current_season)
    assert (read.label, count) == ("2025-26", 1)


def test_zero_seconds_reads_every_time(settings):
    settings.SITE_READS_SECONDS = 0
    current_season()
    seasons.current_season()
    _read, count = queries(seasons.current_season)
    assert count == 1


def test_a_read_that_began_before_a_write_does_not_keep_its_rows(monkeypatch):
    """Rows read while another thread wrote (and forgot) may be the old ones: not kept."""
    current_season()
    read = seasons._CURRENT_SEASON
    original = read.query.list

    def list_then_write(**values):
        rows = original(**values)
        sitewide.forget()  # another request's save, between the read and the keeping
        return rows

    monkeypatch.setattr(read.query, "list", list_then_write)
    read.first()
    assert not read._entries


def test_the_window_phase_follows_the_clock_while_the_rows_are_kept():
    site = SiteFactory()
    opens = timezone.now() + datetime.timedelta(hours=1)
    window = WindowFactory(site=site, opens_at=opens, closes_at=opens + datetime.timedelta(days=14))
    before = opens - datetime.timedelta(minutes=1)
    after = opens + datetime.timedelta(minutes=1)
    assert reenrolment_selectors.window_phase(
        reenrolment_selectors.window_for_site(site, at=before), at=before
    ) == (reenrolment_selectors.UPCOMING)
    found, count = queries(lambda: reenrolment_selectors.window_for_site(site, at=after))
    assert (found, count) == (window, 0)
    assert reenrolment_selectors.window_phase(found, at=after) == reenrolment_selectors.OPEN


def test_news_are_published_and_expire_on_time_while_the_rows_are_kept():
    site = SiteFactory()
    now = timezone.now()
    shown = NewsFactory(site=site, title="Portes ouvertes", published_at=now - datetime.timedelta(days=2))
    coming = NewsFactory(site=site, title="Concert", published_at=now + datetime.timedelta(minutes=10))
    ending = NewsFactory(
        site=site,
        title="Inscriptions",
        published_at=now - datetime.timedelta(days=1),
        expires_at=now + datetime.timedelta(minutes=5),
    )
    NewsFactory(site=site, title="Passée", published_at=now - datetime.timedelta(days=30), expires_at=now)
    NewsFactory(title="Autre site", published_at=now - datetime.timedelta(days=1))
    assert published_news(site.pk, now) == [ending, shown]
    in_a_quarter, count = queries(lambda: published_news(site.pk, now + datetime.timedelta(minutes=15)))
    assert (in_a_quarter, count) == ([coming, shown], 0)


def test_at_most_twenty_news_newest_first():
    site = SiteFactory()
    now = timezone.now()
    news = [
        NewsFactory(site=site, published_at=now - datetime.timedelta(hours=hours)) for hours in range(1, 26)
    ]
    assert published_news(site.pk, now) == news[:20]


def test_the_seats_a_family_is_shown_follow_each_new_enrolment():
    """The catalogue with its seats taken is kept; its subquery's table (the enrolments) is one of
    the tables the read involves, so an enrolment saved here shows at once."""
    ctx = setting()
    course = ctx.next_course("Chorale", capacity=3)
    pupil = ctx.pupil()
    assert Enrolment in reenrolment_selectors._CATALOGUE[True].models
    seats = {
        c.pk: c.seats_taken for c in reenrolment_selectors.reenrolment_offer(pupil, ctx.window).catalogue
    }
    assert seats[course.pk] == 0
    _offer, count = queries(lambda: reenrolment_selectors.reenrolment_offer(pupil, ctx.window))
    assert count == 1  # the pupil's current courses; the catalogue was kept
    ctx.enrol(ctx.pupil(), course)
    offer = reenrolment_selectors.reenrolment_offer(pupil, ctx.window)
    assert {c.pk: c.seats_taken for c in offer.catalogue}[course.pk] == 1


def test_what_a_family_submits_is_checked_against_the_catalogue_read_again():
    """The services' catalogue (without seats) is not kept: a course removed a moment ago by
    another process cannot be chosen."""
    ctx = setting()
    pupil = ctx.pupil()
    reenrolment_selectors.reenrolment_offer(pupil, ctx.window, with_seats=False)
    _offer, count = queries(
        lambda: reenrolment_selectors.reenrolment_offer(pupil, ctx.window, with_seats=False)
    )
    assert count == 2
