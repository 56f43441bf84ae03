"""Log in with Site, Identifiant, Mot de passe; one message whatever was wrong; log out with Quitter."""

import pytest
from django.urls import reverse

from extranet.tests.factories import SiteFactory, StaffUserFactory
from extranet.tests.portal import family_with_guardian, log_in

pytestmark = pytest.mark.django_db

WRONG = "Site, identifiant ou mot de passe incorrect."


def credentials(guardian, **overrides):
    data = {"site": guardian.site.slug, "username": guardian.user.identifier, "password": "Motdepasse1"}
    data.update(overrides)
    return data


def test_root_sends_an_anonymous_visitor_to_login(client):
    assert client.get("/")["Location"] == reverse("login")


def test_root_sends_a_logged_in_guardian_to_accueil(client):
    _family, guardian = family_with_guardian()
    log_in(client, guardian)

    assert client.get("/")["Location"] == reverse("home")


def test_root_sends_staff_to_the_admin(client):
    client.force_login(StaffUserFactory())

    assert client.get("/")["Location"] == reverse("admin:index")


def test_the_login_page_has_the_guides_fields_and_links(client):
    SiteFactory(name="Conservatoire de Malakoff")

    page = client.get(reverse("login")).content.decode()

    for text in ("Site", "Identifiant", "Mot de passe", "Se connecter", "Conservatoire de Malakoff"):
        assert text in page
    assert f'href="{reverse("password_reset")}">Mot de passe perdu</a>' in page
    assert f'href="{reverse("accessibility")}"' in page
    assert 'autocomplete="current-password"' in page


def test_a_guardian_logs_in_and_reaches_accueil(client):
    _family, guardian = family_with_guardian()

    response = client.post(reverse("login"), credentials(guardian))

    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_the_identifier_is_not_case_sensitive(client):
    _family, guardian = family_with_guardian()

    response = client.post(reverse("login"), credentials(guardian, username=guardian.user.identifier.upper()))

    assert response.status_code == 302


@pytest.mark.parametrize("wrong", ["password", "username", "site"])
def test_one_message_whatever_was_wrong(client, wrong):
    _family, guardian = family_with_guardian()
    other_site = SiteFactory()
    bad = {"password": "Mauvais1", "username": "inconnu", "site": other_site.slug}[wrong]

    response = client.post(reverse("login"), credentials(guardian, **{wrong: bad}))

    page = response.content.decode()
    assert response.status_code == 200
    assert WRONG in page
    assert page.count('role="alert"') == 1
    assert "_auth_user_id" not in client.session


def test_the_same_identifier_on_two_sites_are_two_logins(client):
    _family, guardian = family_with_guardian()
    _other_family, namesake = family_with_guardian()
    namesake.user.identifier = guardian.user.identifier
    namesake.user.set_password("Autremotdepasse2")
    namesake.user.save()

    assert client.post(reverse("login"), credentials(namesake, password="Motdepasse1")).status_code == 200
    assert (
        client.post(reverse("login"), credentials(namesake, password="Autremotdepasse2")).status_code == 302
    )


def test_missing_fields_are_named(client):
    page = client.post(reverse("login"), {"site": "", "username": "", "password": ""}).content.decode()

    for message in (
        "Choisissez votre site.",
        "Saisissez votre identifiant.",
        "Saisissez votre mot de passe.",
    ):
        assert message in page


def test_next_brings_the_guardian_back_to_the_page_asked_for(client):
    _family, guardian = family_with_guardian()

    response = client.post(f"{reverse('login')}?next={reverse('students:list')}", credentials(guardian))

    assert response["Location"] == reverse("students:list")


def test_next_cannot_send_the_guardian_to_another_site(client):
    _family, guardian = family_with_guardian()

    response = client.post(reverse("login"), {**credentials(guardian), "next": "https://example.com/"})

    assert response["Location"] == reverse("home")


def test_an_inactive_login_is_refused_with_the_same_message(client):
    _family, guardian = family_with_guardian()
    guardian.user.is_active = False
    guardian.user.save()

    assert WRONG in client.post(reverse("login"), credentials(guardian)).content.decode()


def test_quitter_logs_out_by_post_only(client):
    _family, guardian = family_with_guardian()
    log_in(client, guardian)

    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"), follow=True)

    assert "Vous êtes déconnecté." in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_quitter_ends_the_session_on_the_server(client):
    _family, guardian = family_with_guardian()
    log_in(client, guardian)
    old_key = client.session.session_key

    client.post(reverse("logout"))

    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=old_key).exists()


def test_staff_cannot_use_the_family_login(client):
    staff = StaffUserFactory()

    response = client.post(
        reverse("login"),
        {"site": SiteFactory().slug, "username": staff.identifier, "password": "Motdepasse1"},
    )

    assert WRONG in response.content.decode()
