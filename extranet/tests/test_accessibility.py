"""Accessibilité: the site's RGAA statement, reachable from every page, before and after login."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from extranet.tests.factories import SiteFactory
from extranet.tests.portal import logged_in_family

pytestmark = pytest.mark.django_db


def test_a_guardian_reads_the_statement_of_their_site(client):
    logged_in_family(
        client,
        site=SiteFactory(
            name="Conservatoire de Malakoff",
            accessibility_status="partial",
            accessibility_audited_on=datetime.date(2026, 3, 2),
            accessibility_audit_rate=Decimal("72.5"),
            contact_email="conservatoire.malakoff@example.fr",
            contact_phone="0155480410",
        ),
    )

    page = client.get(reverse("accessibility")).content.decode()

    assert "Déclaration d'accessibilité" in page
    assert "<strong>partiellement conforme</strong>" in page
    assert "RGAA" in page and "2 mars 2026" in page
    assert "révèle que 72,5 % des critères du RGAA version 4.1 sont respectés" in page
    assert "Contenus non accessibles" in page
    assert "conservatoire.malakoff@example.fr" in page and "01 55 48 04 10" in page
    assert "Défenseur des droits" in page and "Libre réponse 71120" in page
    assert 'aria-current="page" href="/accessibilite/"' in page


def test_a_fully_compliant_site_lists_no_inaccessible_content(client):
    logged_in_family(
        client,
        site=SiteFactory(
            accessibility_status="full",
            accessibility_audited_on=datetime.date(2026, 3, 2),
            accessibility_audit_rate=Decimal("100"),
        ),
    )

    page = client.get(reverse("accessibility")).content.decode()

    assert "Aucun contenu non accessible n'a été relevé." in page


def test_before_login_the_visitor_picks_the_site(client):
    SiteFactory(name="Conservatoire de Malakoff", slug="malakoff")
    SiteFactory(name="École de musique Sèvre Loire", slug="sevre-loire", accessibility_status="none")

    listing = client.get(reverse("accessibility")).content.decode()
    statement = client.get(reverse("accessibility") + "?site=sevre-loire").content.decode()

    assert "Conservatoire de Malakoff" in listing and "?site=sevre-loire" in listing
    assert "<strong>non conforme</strong>" in statement


def test_with_a_single_site_the_statement_shows_at_once(client):
    SiteFactory(
        accessibility_status="partial",
        accessibility_audited_on=datetime.date(2026, 3, 2),
        accessibility_audit_rate=50,
    )

    assert "<strong>partiellement conforme</strong>" in client.get(reverse("accessibility")).content.decode()


def test_without_an_audit_the_statement_says_non_conforme_whatever_is_declared(client):
    logged_in_family(client, site=SiteFactory(accessibility_status="full"))

    page = client.get(reverse("accessibility")).content.decode()

    assert "<strong>non conforme</strong>" in page
    assert (
        "Aucun audit de conformité n&#x27;a encore été réalisé" in page
        or "Aucun audit de conformité n'a encore été réalisé" in page
    )
    assert "Aucun contenu non accessible" not in page
    footer = page[page.index("<footer") :]
    assert "Accessibilité : non conforme" in footer


def test_a_date_without_a_rate_is_not_yet_an_audit(client):
    logged_in_family(
        client,
        site=SiteFactory(accessibility_status="partial", accessibility_audited_on=datetime.date(2026, 3, 2)),
    )

    assert "<strong>non conforme</strong>" in client.get(reverse("accessibility")).content.decode()


def test_the_statement_has_the_sections_the_rgaa_requires(client):
    logged_in_family(client)

    page = client.get(reverse("accessibility")).content.decode()

    for heading in (
        "État de conformité",
        "Résultats des tests",
        "Contenus non accessibles",
        "Établissement de cette déclaration",
        "Technologies utilisées pour la réalisation du portail",
        "Environnement de test",
        "Outils pour évaluer l'accessibilité",
        "Pages du portail ayant fait l'objet de la vérification",
        "Schéma pluriannuel de mise en accessibilité",
        "Retour d'information et contact",
        "Voies de recours",
    ):
        assert heading in page, heading


def test_the_footer_links_to_it_on_the_login_page_and_on_portal_pages(client):
    SiteFactory()
    assert (
        f'<a href="{reverse("accessibility")}">Accessibilité</a>'
        in client.get(reverse("login")).content.decode()
    )

    logged_in_family(client)
    page = client.get(reverse("home")).content.decode()
    footer = page[page.index("<footer") :]
    assert f'<a href="{reverse("accessibility")}">Accessibilité : non conforme</a>' in footer
