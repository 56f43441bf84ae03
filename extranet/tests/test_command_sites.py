"""--site reads the same in every ops command: the slug or the name, any case, accents as typed."""

import unicodedata
from io import StringIO

import pytest
from django.core.management import CommandError, call_command, get_commands, load_command_class

from extranet.base.management.sites import site_from_option
from extranet.tests.factories import SiteFactory, current_season, next_season
from reenrolment.tests.factories import WindowFactory

pytestmark = pytest.mark.django_db

MALAKOFF = "Conservatoire de Malakoff"
LOIRE = "Conservatoire de Sèvre Loire"

OUR_APPS = {"extranet.base", "extranet.shell", "families", "students", "documents", "reenrolment", "billing"}

# command -> (its other arguments, whether the site needs an open window, what its output starts with)
COMMANDS = {
    "send_credentials": (
        ["--dry-run"],
        False,
        "Simulation : 0 e-mail de bienvenue à envoyer sur le site sevre-loire",
    ),
    "reenrolment_open": (
        ["--season", "2026/2027", "--dry-run"],
        False,
        f"Simulation : la période serait ouverte pour {LOIRE}, saison 2026/2027",
    ),
    "reenrolment_close": (["--dry-run"], True, f"Simulation : la période 2026/2027 de {LOIRE} fermerait le "),
    "reenrolment_status": ([], True, f"{LOIRE} – saison 2026/2027 : période ouverte"),
    "reenrolment_remind": (["--dry-run"], True, "Simulation : 0 famille à relancer"),
    "lessons_generate": (
        ["--season", "2025/2026", "--dry-run"],
        False,
        f"Simulation : {LOIRE}, 2025/2026 : 0 cours",
    ),
    "billing_prenotify": (["--dry-run"], False, "Simulation : 0 famille"),
    "billing_sepa_export": (
        ["--due-date", "2030-01-15", "--dry-run"],
        False,
        "Aucun prélèvement à exporter le 15/01/2030 sur le site sevre-loire",
    ),
    "billing_issue": (
        ["--season", "2025/2026", "--dry-run"],
        False,
        f"Simulation, rien n'est émis. {LOIRE}, saison 2025/2026 : 0 facture",
    ),
    "billing_remind": (["--dry-run"], False, f"{LOIRE} : 0 famille à relancer"),
    "billing_render_pdfs": ([], False, f"{LOIRE} : 0 PDF produit"),
    "billing_sepa_settle": (
        ["--dry-run"],
        False,
        "Simulation, site sevre-loire : 0 prélèvement à encaisser (0,00 €)",
    ),
}


def run(command, *args):
    out = StringIO()
    call_command(command, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def sites():
    current_season()
    next_season()
    return (
        SiteFactory(slug="malakoff", name=MALAKOFF, with_house_rules=True),
        SiteFactory(slug="sevre-loire", name=LOIRE, with_house_rules=True),
    )


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    "typed", ["sevre-loire", "SEVRE-LOIRE", LOIRE, "conservatoire de SÈVRE loire", f"  {LOIRE} "]
)
def test_every_command_finds_the_site_by_slug_or_by_name(sites, command, typed):
    _malakoff, loire = sites
    args, needs_window, expected = COMMANDS[command]
    if needs_window:
        WindowFactory(site=loire)
    out = run(command, "--site", typed, *args)
    assert out.startswith(expected)
    assert "alakoff" not in out


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_refuses_an_unknown_site_listing_the_known_slugs(sites, command):
    args, _needs_window, _expected = COMMANDS[command]
    with pytest.raises(CommandError) as refused:
        run(command, "--site", "nulle-part", *args)
    assert str(refused.value) == "Site inconnu : « nulle-part ». Sites connus : malakoff, sevre-loire."


@pytest.mark.parametrize("command", COMMANDS)
def test_accents_count_in_a_name(sites, command):
    args, _needs_window, _expected = COMMANDS[command]
    with pytest.raises(CommandError) as refused:
        run(command, "--site", "Conservatoire de Sevre Loire", *args)
    assert str(refused.value) == (
        "Site inconnu : « Conservatoire de Sevre Loire ». Sites connus : malakoff, sevre-loire."
    )


def test_every_command_taking_a_site_explains_it_the_same_way():
    commands = get_commands()
    helps = set()
    for name in COMMANDS:
        parser = load_command_class(commands[name], name).create_parser("manage.py", name)
        (site,) = [action for action in parser._actions if "--site" in action.option_strings]
        assert site.required, name
        helps.add(site.help)
    assert helps == {"Identifiant court (slug) ou nom du site, par exemple malakoff."}


def test_no_other_command_takes_a_site():
    commands = get_commands()
    ours = [name for name, app in commands.items() if app in OUR_APPS]
    taking_a_site = {
        name
        for name in ours
        if any(
            "--site" in action.option_strings
            for action in load_command_class(commands[name], name).create_parser("manage.py", name)._actions
        )
    }
    # import_families also reads --site, with a file to load: families/tests/test_import_families.py.
    assert taking_a_site == set(COMMANDS) | {"import_families"}


def test_an_accent_typed_as_a_combining_mark_still_matches(sites):
    _malakoff, loire = sites
    assert site_from_option(unicodedata.normalize("NFD", LOIRE)) == loire


def test_a_slug_wins_over_another_site_named_like_it(sites):
    malakoff, _loire = sites
    SiteFactory(slug="conservatoire", name="Malakoff")
    assert site_from_option("malakoff") == malakoff
    assert site_from_option("Malakoff") == malakoff


def test_two_sites_with_the_same_name_ask_for_the_slug(sites):
    SiteFactory(slug="malakoff-bis", name=MALAKOFF.upper())
    with pytest.raises(CommandError) as refused:
        site_from_option(MALAKOFF)
    assert str(refused.value) == (
        "Plusieurs sites s'appellent « Conservatoire de Malakoff » : "
        "indiquez l'identifiant court (malakoff, malakoff-bis)."
    )


def test_without_any_site_the_message_says_so():
    with pytest.raises(CommandError) as refused:
        site_from_option("malakoff")
    assert str(refused.value) == "Site inconnu : « malakoff ». Aucun site n'est encore enregistré."


def test_finding_a_site_costs_one_query(sites, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert site_from_option(LOIRE).slug == "sevre-loire"
