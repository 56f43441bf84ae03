"""The tabs Accueil, Famille, Élèves, Facturation, Accessibilité, Mot de passe, Quitter on every page."""

import re

import pytest
from django.urls import reverse

from extranet.tests.portal import logged_in_family, seasons
from students.tests.factories import StudentFactory

pytestmark = pytest.mark.django_db

TABS = ["Accueil", "Famille", "Élèves", "Facturation", "Accessibilité", "Mot de passe"]


def main_menu(page):
    start = page.index('<nav class="container tutti-nav" aria-label="Menu principal">')
    return page[start : page.index("</nav>", start)]


@pytest.mark.parametrize(
    ("url_name", "current", "pupil"),
    [
        ("home", "Accueil", False),
        ("family:detail", "Famille", False),
        ("students:list", "Élèves", False),
        ("students:identity", "Élèves", True),
        ("students:courses", "Élèves", True),
        ("students:history", "Élèves", True),
        ("students:repertoire", "Élèves", True),
        ("billing:invoices", "Facturation", False),
        ("accessibility", "Accessibilité", False),
        ("password_change", "Mot de passe", False),
    ],
)
def test_every_page_has_all_tabs_and_marks_the_current_one(client, url_name, current, pupil):
    seasons()
    family, _guardian = logged_in_family(client)
    student = StudentFactory(family=family)
    url = reverse(url_name, args=[student.pk]) if pupil else reverse(url_name)

    menu = main_menu(client.get(url).content.decode())

    labels = re.findall(r">([^<>]+)</a>", menu)
    assert labels == TABS
    assert re.findall(r'aria-current="page"[^>]*>([^<]+)</a>', menu) == [current]
    assert f'<form method="post" action="{reverse("logout")}">' in menu
    assert '<button type="submit" class="nav-link tutti-logout">Quitter</button>' in menu


def test_pages_before_login_have_no_tabs(client):
    page = client.get(reverse("login")).content.decode()

    assert "Menu principal" not in page


def test_the_page_is_made_for_phones(client):
    logged_in_family(client)

    page = client.get(reverse("home")).content.decode()

    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert '<html lang="fr" class="no-js">' in page
    assert 'href="#contenu">Aller au contenu</a>' in page
