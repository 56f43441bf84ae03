"""manage.py reenrolment_open"""

import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from extranet.tests.factories import SiteFactory, current_season, next_season
from reenrolment.models import ReenrolmentWindow
from reenrolment.tests.factories import WindowFactory

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def run(*args):
    out = StringIO()
    call_command("reenrolment_open", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def site():
    current_season()
    next_season()
    return SiteFactory(slug="malakoff", name="Conservatoire de Malakoff", with_house_rules=True)


def test_opens_a_window_at_the_given_paris_times(site):
    out = run(
        "--site",
        "malakoff",
        "--season",
        "2026/2027",
        "--opens",
        "2027-05-10 09:00",
        "--closes",
        "2027-05-24 18:00",
    )
    window = ReenrolmentWindow.objects.get()
    assert window.opens_at == datetime.datetime(2027, 5, 10, 9, 0, tzinfo=PARIS)
    assert window.closes_at == datetime.datetime(2027, 5, 24, 18, 0, tzinfo=PARIS)
    assert out.strip() == (
        "Période programmée pour Conservatoire de Malakoff, saison 2026/2027 : "
        "du 10/05/2027 09:00 au 24/05/2027 18:00 (heure de Paris)."
    )


def test_without_dates_the_window_opens_now_for_two_weeks(site):
    out = run("--site", "Conservatoire de Malakoff", "--season", "2026/2027")
    window = ReenrolmentWindow.objects.get()
    assert window.is_open()
    assert window.closes_at - window.opens_at == datetime.timedelta(days=14)
    assert out.startswith("Période ouverte pour Conservatoire de Malakoff")


def test_dry_run_saves_nothing(site):
    out = run("--site", "malakoff", "--season", "2026/2027", "--dry-run")
    assert out.startswith("Simulation : la période serait ouverte")
    assert not ReenrolmentWindow.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--site", "nulle-part", "--season", "2026/2027"],
            "Site inconnu : « nulle-part ». Sites connus : malakoff.",
        ),
        (["--site", "malakoff", "--season", "2031/2032"], "Saison inconnue : « 2031/2032 »"),
        (
            ["--site", "malakoff", "--season", "2026/2027", "--opens", "10 mai"],
            "--opens « 10 mai » n'est pas une date",
        ),
        (
            [
                "--site",
                "malakoff",
                "--season",
                "2026/2027",
                "--opens",
                "2027-05-24 18:00",
                "--closes",
                "2027-05-10 09:00",
            ],
            "La fermeture (10/05/2027 09:00) doit être postérieure à l'ouverture (24/05/2027 18:00).",
        ),
    ],
)
def test_bad_arguments_are_refused_in_one_line(site, args, message):
    with pytest.raises(CommandError) as refused:
        run(*args)
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)
    assert not ReenrolmentWindow.objects.exists()


def test_a_duplicate_window_is_refused(site):
    WindowFactory(site=site)
    with pytest.raises(CommandError) as refused:
        run("--site", "malakoff", "--season", "2026/2027")
    assert "Une période de réinscription existe déjà pour Conservatoire de Malakoff et 2026/2027" in str(
        refused.value
    )


def test_a_duplicate_window_is_refused_even_in_dry_run(site):
    WindowFactory(site=site)
    with pytest.raises(CommandError):
        run("--site", "malakoff", "--season", "2026/2027", "--dry-run")


def test_a_site_without_house_rules_is_refused_even_in_a_dry_run():
    current_season()
    next_season()
    SiteFactory(slug="vanves", name="Conservatoire de Vanves")

    for extra in ([], ["--dry-run"]):
        with pytest.raises(CommandError) as refused:
            run("--site", "vanves", "--season", "2026/2027", *extra)
        assert "Conservatoire de Vanves n'a pas de règlement intérieur" in str(refused.value)
    assert not ReenrolmentWindow.objects.exists()


def test_until_extends_an_open_window(site):
    window = WindowFactory(site=site)

    out = run("--site", "malakoff", "--season", "2026/2027", "--until", "2027-01-31 23:00")

    window.refresh_from_db()
    assert window.closes_at == datetime.datetime(2027, 1, 31, 23, 0, tzinfo=PARIS)
    assert out.strip() == (
        "Période prolongée pour Conservatoire de Malakoff, saison 2026/2027 : jusqu'au 31/01/2027 23:00 (heure de Paris)."
    )


def test_until_reopens_a_closed_window(site):
    now = datetime.datetime.now(tz=PARIS)
    window = WindowFactory(
        site=site, opens_at=now - datetime.timedelta(days=20), closes_at=now - datetime.timedelta(days=2)
    )

    out = run("--site", "malakoff", "--season", "2026/2027", "--until", "2027-01-31 23:00")

    window.refresh_from_db()
    assert window.is_open(now)
    assert out.startswith("Période rouverte pour Conservatoire de Malakoff")


def test_until_in_a_dry_run_changes_nothing(site):
    window = WindowFactory(site=site)
    closes = window.closes_at

    out = run("--site", "malakoff", "--season", "2026/2027", "--until", "2027-01-31 23:00", "--dry-run")

    window.refresh_from_db()
    assert window.closes_at == closes
    assert out.startswith("Simulation : Période prolongée")


def test_until_in_the_past_is_refused(site):
    WindowFactory(site=site)

    with pytest.raises(CommandError) as refused:
        run("--site", "malakoff", "--season", "2026/2027", "--until", "2020-01-31 23:00")

    assert "est déjà passée" in str(refused.value)


def test_until_without_a_window_opens_one_until_that_date(site):
    run("--site", "malakoff", "--season", "2026/2027", "--until", "2027-01-31 23:00")

    window = ReenrolmentWindow.objects.get()
    assert window.closes_at == datetime.datetime(2027, 1, 31, 23, 0, tzinfo=PARIS)
