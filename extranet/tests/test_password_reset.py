"""Mot de passe perdu / first login: a single-use 24-hour link, the same answer for everyone."""

import datetime
import re

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail
from django.test import Client
from django.urls import reverse

from extranet.base import emails
from extranet.shell import accounts as services
from extranet.tests.factories import SiteFactory
from extranet.tests.portal import family_with_guardian, log_in

pytestmark = pytest.mark.django_db

DONE = "Si l'identifiant et l'adresse e-mail correspondent à un compte"
NEW = "Nouveau-mot2passe"


def ask(client, guardian, **overrides):
    data = {"site": guardian.site.slug, "username": guardian.user.identifier, "email": guardian.email}
    data.update(overrides)
    return client.post(reverse("password_reset"), data, follow=True)


def emailed_link(email) -> str:
    return (
        re.search(r"http://\S+/mot-de-passe-perdu/\S+/\S+/", email.body)
        .group(0)
        .replace("http://127.0.0.1:8000", "")
    )


def choose(client, link, password=NEW, confirmation=None):
    form_url = client.get(link)["Location"]  # Django moves the token out of the URL first
    return client.post(
        form_url, {"new_password1": password, "new_password2": confirmation or password}, follow=True
    )


def test_the_page_asks_site_identifier_and_email(client):
    SiteFactory()

    page = client.get(reverse("password_reset")).content.decode()

    for text in ("Site", "Identifiant", "Adresse e-mail", ">Valider</button>", "première connexion"):
        assert text in page


def test_a_matching_pair_gets_a_link_and_never_a_password(client, django_capture_on_commit_callbacks):
    _family, guardian = family_with_guardian()

    with django_capture_on_commit_callbacks(execute=True):
        response = ask(
            client, guardian, username=guardian.user.identifier.upper(), email=guardian.email.upper()
        )

    assert DONE in response.content.decode()
    (email,) = mail.outbox
    assert email.to == [guardian.email]
    assert email.subject == f"Choisir votre mot de passe – {guardian.site.name}"
    assert guardian.user.identifier in email.body
    assert "valable 24 heures et ne sert qu'une fois" in email.body
    assert "Motdepasse1" not in email.body and "Motdepasse1" not in email.alternatives[0][0]
    assert emailed_link(email).startswith("/mot-de-passe-perdu/")


@pytest.mark.parametrize("wrong", ["username", "email", "site"])
def test_a_pair_that_does_not_match_gets_the_same_answer_and_no_email(
    client, django_capture_on_commit_callbacks, wrong
):
    _family, guardian = family_with_guardian()
    value = {"username": "inconnu", "email": "autre@example.fr", "site": SiteFactory().slug}[wrong]
    with django_capture_on_commit_callbacks(execute=True):
        matching = ask(client, guardian)

    with django_capture_on_commit_callbacks(execute=True):
        other = ask(client, guardian, **{wrong: value})

    assert other.redirect_chain == matching.redirect_chain == [(reverse("password_reset_done"), 302)]
    assert other.content == matching.content
    assert len(mail.outbox) == 1


def test_a_pair_that_does_not_match_costs_the_same_rendering(client, monkeypatch):
    _family, guardian = family_with_guardian()
    rendered = []
    real_render = emails.render_email

    def counting_render(name, context):
        rendered.append(name)
        return real_render(name, context)

    monkeypatch.setattr(emails, "render_email", counting_render)
    monkeypatch.setattr(services, "render_email", counting_render)

    ask(client, guardian)
    ask(client, guardian, username="inconnu")

    assert rendered == ["password_reset", "password_reset"]


def test_an_inactive_login_gets_no_email(client, django_capture_on_commit_callbacks):
    _family, guardian = family_with_guardian()
    guardian.user.is_active = False
    guardian.user.save()

    with django_capture_on_commit_callbacks(execute=True):
        ask(client, guardian)

    assert mail.outbox == []


def test_the_guardian_email_matches_even_if_the_login_has_another(client, django_capture_on_commit_callbacks):
    _family, guardian = family_with_guardian()
    guardian.user.email = "ancienne@example.fr"
    guardian.user.save()

    with django_capture_on_commit_callbacks(execute=True):
        ask(client, guardian)

    assert mail.outbox[0].to == [guardian.email]


def test_a_badly_typed_email_is_explained(client):
    _family, guardian = family_with_guardian()

    response = client.post(
        reverse("password_reset"), {"site": guardian.site.slug, "username": "x", "email": "pas-une-adresse"}
    )

    assert "Saisissez une adresse e-mail valide" in response.content.decode()


def test_the_link_sets_a_new_password_and_the_old_one_stops_working(
    client, django_capture_on_commit_callbacks
):
    _family, guardian = family_with_guardian()
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, guardian)

    with django_capture_on_commit_callbacks(execute=True):
        response = choose(client, emailed_link(mail.outbox[0]))

    assert "Votre nouveau mot de passe est enregistré" in response.content.decode()
    login = {"site": guardian.site.slug, "username": guardian.user.identifier}
    assert client.post(reverse("login"), {**login, "password": "Motdepasse1"}).status_code == 200
    assert client.post(reverse("login"), {**login, "password": NEW}).status_code == 302
    assert mail.outbox[-1].subject.startswith("Votre mot de passe a été modifié")


def test_the_link_works_only_once(client, django_capture_on_commit_callbacks):
    _family, guardian = family_with_guardian()
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, guardian)
    link = emailed_link(mail.outbox[0])
    choose(client, link)

    response = Client().get(link, follow=True)

    assert "Ce lien n'est plus valable" in response.content.decode()
    assert "new_password1" not in response.content.decode()


@pytest.mark.parametrize(("hours", "valid"), [(23.9, True), (24.1, False)])
def test_the_link_is_valid_24_hours(client, django_capture_on_commit_callbacks, monkeypatch, hours, valid):
    _family, guardian = family_with_guardian()
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, guardian)
    link = emailed_link(mail.outbox[0])
    later = datetime.datetime.now() + datetime.timedelta(hours=hours)
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: later)

    page = client.get(link, follow=True).content.decode()

    assert ("new_password1" in page) is valid


def test_the_rules_apply_to_the_new_password(client, django_capture_on_commit_callbacks):
    _family, guardian = family_with_guardian()
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, guardian)

    page = choose(client, emailed_link(mail.outbox[0]), password="court").content.decode()

    assert "Ce mot de passe est trop court. Il doit contenir au minimum 8 caractères." in page
    assert "Le mot de passe doit contenir au moins une lettre majuscule." in page
    assert "Le mot de passe doit contenir au moins un chiffre." in page


def test_setting_a_new_password_ends_the_guardian_other_sessions(client, django_capture_on_commit_callbacks):
    _family, guardian = family_with_guardian()
    elsewhere = Client()
    log_in(elsewhere, guardian)
    assert elsewhere.get(reverse("home")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, guardian)

    choose(client, emailed_link(mail.outbox[0]))

    assert elsewhere.get(reverse("home"))["Location"].startswith(reverse("login"))


def test_setting_a_new_password_lifts_a_lockout(client, django_capture_on_commit_callbacks):
    _family, guardian = family_with_guardian()
    login = {"site": guardian.site.slug, "username": guardian.user.identifier}
    for _ in range(5):
        client.post(reverse("login"), {**login, "password": "Mauvais1"})
    assert AccessAttempt.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, guardian)

    choose(client, emailed_link(mail.outbox[0]))

    assert client.post(reverse("login"), {**login, "password": NEW}).status_code == 302
