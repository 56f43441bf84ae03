"""manage.py reenrolment_close"""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from extranet.tests.factories import SiteFactory
from reenrolment.tests.factories import WindowFactory

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("reenrolment_close", *args, stdout=out)
    return out.getvalue()


def local(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def test_closes_the_open_window_now():
    window = WindowFactory(site=SiteFactory(slug="malakoff"))
    out = run("--site", "malakoff")
    window.refresh_from_db()
    assert not window.is_open()
    assert out.startswith("Période 2026/2027 de ")
    assert " fermée le " in out


def test_moves_the_closing_to_a_given_time():
    window = WindowFactory(site=SiteFactory(slug="malakoff"))
    later = timezone.now() + datetime.timedelta(days=30)
    out = run("--site", "malakoff", "--at", local(later))
    window.refresh_from_db()
    assert local(window.closes_at) == local(later)
    assert " fermera le " in out


def test_dry_run_changes_nothing():
    window = WindowFactory(site=SiteFactory(slug="malakoff"))
    closes = window.closes_at
    out = run("--site", "malakoff", "--dry-run")
    assert out.startswith("Simulation : la période 2026/2027 de ")
    assert out.strip().endswith(" (heure de Paris).")
    window.refresh_from_db()
    assert window.closes_at == closes


def test_no_open_window_is_explained():
    SiteFactory(slug="malakoff", name="Malakoff")
    with pytest.raises(CommandError) as refused:
        run("--site", "malakoff")
    assert str(refused.value) == "Aucune période de réinscription ouverte ou à venir pour Malakoff."


def test_an_upcoming_window_cannot_close_before_it_opens():
    WindowFactory(
        site=SiteFactory(slug="malakoff"),
        opens_at=timezone.now() + datetime.timedelta(days=5),
    )
    with pytest.raises(CommandError) as refused:
        run("--site", "malakoff")
    assert "elle ne peut pas fermer avant" in str(refused.value)


def test_a_past_time_is_refused():
    WindowFactory(site=SiteFactory(slug="malakoff"), opens_at=timezone.now() - datetime.timedelta(days=10))
    with pytest.raises(CommandError) as refused:
        run("--site", "malakoff", "--at", local(timezone.now() - datetime.timedelta(days=2)))
    assert "est déjà passé" in str(refused.value)


def test_an_unknown_season_is_refused():
    WindowFactory(site=SiteFactory(slug="malakoff"))
    with pytest.raises(CommandError) as refused:
        run("--site", "malakoff", "--season", "1999/2000")
    assert "Saison inconnue" in str(refused.value)
