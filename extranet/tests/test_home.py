"""Accueil: the site's published news, newest first, and what the family still has to do."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from extranet.base.todo import TodoItem
from extranet.tests.factories import NewsFactory, SiteFactory, school_level
from extranet.tests.portal import logged_in_family, seasons
from students.tests.factories import SchoolRecordFactory, StudentFactory

pytestmark = pytest.mark.django_db


def test_news_of_the_site_newest_first(client):
    family, _guardian = logged_in_family(client)
    now = timezone.now()
    NewsFactory(site=family.site, title="Ancienne", published_at=now - datetime.timedelta(days=10))
    NewsFactory(site=family.site, title="Récente", published_at=now - datetime.timedelta(hours=1))
    NewsFactory(site=SiteFactory(), title="Autre conservatoire")
    NewsFactory(site=family.site, title="Pas encore publiée", published_at=now + datetime.timedelta(days=1))
    NewsFactory(
        site=family.site,
        title="Retirée",
        published_at=now - datetime.timedelta(days=5),
        expires_at=now - datetime.timedelta(days=1),
    )

    page = client.get(reverse("home")).content.decode()

    assert page.index("Récente") < page.index("Ancienne")
    for hidden in ("Autre conservatoire", "Pas encore publiée", "Retirée"):
        assert hidden not in page


def test_no_news_yet(client):
    logged_in_family(client)

    assert "Aucune actualité pour le moment." in client.get(reverse("home")).content.decode()


def test_the_todo_lists_missing_fields_with_links(client):
    seasons()
    family, guardian = logged_in_family(client)
    guardian.postal_code = ""
    guardian.save()
    student = StudentFactory(family=family, first_name="Léa", birth_date=None, image_rights=True)

    page = client.get(reverse("home")).content.decode()

    assert "Ce qu'il vous reste à faire" in page
    assert "Complétez vos coordonnées : code postal." in page
    assert f'href="{reverse("students:identity", args=[student.pk])}"' in page
    assert "date de naissance" in page


def test_the_todo_includes_documents_and_reenrolment(client, monkeypatch):
    family, _guardian = logged_in_family(client)
    monkeypatch.setattr(
        "documents.selectors.todo_items",
        lambda fam, **loaded: [TodoItem("fournir le RIB", "/famille/documents/")],
    )
    monkeypatch.setattr(
        "reenrolment.selectors.todo_items",
        lambda fam, **loaded: [TodoItem("Réinscriptions du 10 au 24 mai", "")],
    )

    page = client.get(reverse("home")).content.decode()

    assert '<a href="/famille/documents/">Fournir le RIB</a>' in page
    assert "Réinscriptions du 10 au 24 mai" in page


def test_an_up_to_date_family_has_nothing_left(client, monkeypatch):
    _current, coming = seasons()
    family, _guardian = logged_in_family(client)
    student = StudentFactory(family=family, image_rights=False)
    SchoolRecordFactory(student=student, season=coming, school_level=school_level("cm2"))
    monkeypatch.setattr("documents.selectors.todo_items", lambda fam, **loaded: [])
    monkeypatch.setattr("reenrolment.selectors.todo_items", lambda fam, **loaded: [])

    assert "Rien pour le moment" in client.get(reverse("home")).content.decode()
