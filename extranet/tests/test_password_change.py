"""Mot de passe tab: current password, new one twice, a French message for each rule not met."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from extranet.tests.portal import logged_in_family

pytestmark = pytest.mark.django_db


def change(client, new, confirmation=None, current="Motdepasse1"):
    return client.post(
        reverse("password_change"),
        {"old_password": current, "new_password1": new, "new_password2": confirmation or new},
    )


def errors(response):
    return response.context["form"].errors


def test_the_tab_asks_the_current_password_and_the_new_one_twice(client):
    logged_in_family(client)

    page = client.get(reverse("password_change")).content.decode()

    for label in ("Mot de passe actuel", "Nouveau mot de passe", "Confirmation du nouveau mot de passe"):
        assert label in page
    assert 'aria-current="page" href="/mot-de-passe/"' in page


def test_a_wrong_current_password_is_refused(client):
    logged_in_family(client)

    response = change(client, "Nouveau-mot2passe", current="Mauvais1")

    assert errors(response)["old_password"] == ["Le mot de passe actuel est incorrect."]


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("Court1a", "Ce mot de passe est trop court. Il doit contenir au minimum 8 caractères."),
        ("sansmajuscule1", "Le mot de passe doit contenir au moins une lettre majuscule."),
        ("SANSMINUSCULE1", "Le mot de passe doit contenir au moins une lettre minuscule."),
        ("SansChiffreDuTout", "Le mot de passe doit contenir au moins un chiffre."),
        ("Aa1" + "x" * 126, "Le mot de passe ne doit pas dépasser 128 caractères."),
        ("Password1", "Ce mot de passe est trop courant."),
    ],
)
def test_each_rule_has_its_own_french_message(client, new, message):
    logged_in_family(client)

    response = change(client, new)

    assert message in errors(response)["new_password1"]
    assert message in response.content.decode().replace("&#x27;", "'")


def test_a_password_close_to_the_identifier_is_refused(client):
    _family, guardian = logged_in_family(client)

    response = change(client, guardian.user.identifier.capitalize() + "1")

    assert (
        "Le mot de passe est trop semblable au champ «\xa0identifiant\xa0»."
        in errors(response)["new_password1"]
    )


def test_a_password_close_to_the_guardian_name_is_refused(client):
    _family, guardian = logged_in_family(client)

    response = change(client, guardian.last_name + "2")

    assert "Le mot de passe est trop semblable au champ «\xa0nom\xa0»." in errors(response)["new_password1"]


def test_the_two_new_passwords_must_match(client):
    logged_in_family(client)

    response = change(client, "Nouveau-mot2passe", confirmation="Nouveau-mot2passf")

    assert errors(response)["new_password2"] == ["Les deux mots de passe saisis ne sont pas identiques."]


def test_long_passphrases_are_welcome(client):
    logged_in_family(client)

    response = change(client, "Une longue phrase de passe pour le conservatoire 2026")

    assert response.status_code == 302


def test_changing_keeps_this_session_ends_the_others_and_warns_by_email(
    client, django_capture_on_commit_callbacks
):
    _family, guardian = logged_in_family(client)
    elsewhere = Client()
    elsewhere.force_login(guardian.user, backend="extranet.base.backends.SiteIdentifierBackend")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("password_change"),
            {
                "old_password": "Motdepasse1",
                "new_password1": "Nouveau-mot2passe",
                "new_password2": "Nouveau-mot2passe",
            },
            follow=True,
        )

    assert "Votre mot de passe a été modifié." in response.content.decode()
    assert client.get(reverse("home")).status_code == 200
    assert elsewhere.get(reverse("home"))["Location"].startswith(reverse("login"))
    (email,) = mail.outbox
    assert email.to == [guardian.user.email]
    assert email.subject == f"Votre mot de passe a été modifié – {guardian.site.name}"
    assert "Nouveau-mot2passe" not in email.body


def test_production_hashes_passwords_with_argon2():
    from extranet import settings as production

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
