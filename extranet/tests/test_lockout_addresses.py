"""Brute force without a denial of service: per (address, login), per address, and Mot de passe perdu."""

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.urls import reverse

from extranet.shell import accounts
from extranet.tests.factories import StaffUserFactory
from extranet.tests.portal import family_with_guardian

pytestmark = pytest.mark.django_db

ATTACKER = "198.51.100.7"
VICTIM = "192.0.2.44"


def log_in(client, guardian, password="Motdepasse1", address=VICTIM, identifier=None):
    return client.post(
        reverse("login"),
        {
            "site": guardian.site.slug,
            "username": identifier or guardian.user.identifier,
            "password": password,
        },
        REMOTE_ADDR=address,
    )


def test_five_failures_lock_the_login_from_that_address_only(client):
    _family, guardian = family_with_guardian()
    for _ in range(5):
        log_in(client, guardian, "Mauvais1", address=ATTACKER)

    assert log_in(client, guardian, address=ATTACKER).status_code == 429
    assert log_in(client, guardian, address=VICTIM).status_code == 302


def test_forty_failures_over_ten_logins_from_one_address_lock_that_address(client):
    families = [family_with_guardian()[1] for _ in range(10)]
    statuses = [
        log_in(client, guardian, "Mauvais1", address=ATTACKER).status_code
        for guardian in families
        for _ in range(4)
    ]

    # Four failures per login never reach the per-login limit; the address is locked after 30.
    assert statuses[:29] == [200] * 29
    assert set(statuses[30:]) == {429}
    newcomer = family_with_guardian()[1]
    assert log_in(client, newcomer, address=ATTACKER).status_code == 429
    assert log_in(client, newcomer, address=VICTIM).status_code == 302


def test_logging_in_to_ones_own_account_does_not_clear_the_address_count(client):
    _family, own = family_with_guardian()
    targets = [family_with_guardian()[1] for _ in range(8)]
    for guardian in targets:
        for _ in range(4):
            log_in(client, guardian, "Mauvais1", address=ATTACKER)
        assert log_in(client, own, address=ATTACKER).status_code in (302, 429)
        client.post(reverse("logout"))

    assert log_in(client, targets[0], address=ATTACKER).status_code == 429


def test_a_reset_link_lifts_the_lock_of_the_login_everywhere(client, django_capture_on_commit_callbacks):
    _family, guardian = family_with_guardian()
    for _ in range(5):
        log_in(client, guardian, "Mauvais1", address=VICTIM)
    assert log_in(client, guardian, address=VICTIM).status_code == 429

    accounts.clear_login_failures(guardian.user)

    assert log_in(client, guardian, address=VICTIM).status_code == 302


def test_a_locked_out_secretary_sees_the_admins_login_page(client):
    staff = StaffUserFactory(identifier="secretariat")
    staff.set_password("Secretariat2026")
    staff.save()
    for _ in range(5):
        response = client.post(
            reverse("admin:login"), {"username": "secretariat", "password": "mauvais"}, REMOTE_ADDR=ATTACKER
        )

    response = client.post(
        reverse("admin:login"),
        {"username": "secretariat", "password": "Secretariat2026"},
        REMOTE_ADDR=ATTACKER,
    )

    page = response.content.decode()
    assert response.status_code == 429
    assert 'id="login-form"' in page
    assert "Tutti – secrétariat" in page
    assert "Trop de tentatives de connexion" in page
    assert "Accès usager" not in page  # not the families' login
    assert AccessAttempt.objects.filter(username="secretariat").exists()


def ask_reset(client, guardian, address=VICTIM, identifier=None):
    return client.post(
        reverse("password_reset"),
        {
            "site": guardian.site.slug,
            "username": identifier or guardian.user.identifier,
            "email": guardian.email,
        },
        REMOTE_ADDR=address,
    )


def test_mot_de_passe_perdu_is_throttled_per_login(client, django_capture_on_commit_callbacks):
    _family, guardian = family_with_guardian()
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [ask_reset(client, guardian, address=f"192.0.2.{n}").status_code for n in range(7)]

    assert statuses == [302] * 5 + [429] * 2
    assert len(mail.outbox) == 5
    page = ask_reset(client, guardian).content.decode()
    assert "Trop de demandes de nouveau mot de passe" in page
    assert guardian.user.identifier in page  # what was typed is kept


def test_mot_de_passe_perdu_is_throttled_per_address(client):
    families = [family_with_guardian()[1] for _ in range(21)]

    statuses = [ask_reset(client, guardian, address=ATTACKER).status_code for guardian in families]

    assert statuses == [302] * 20 + [429]
    assert ask_reset(client, families[-1], address=VICTIM).status_code == 302


def test_unknown_logins_count_like_known_ones(client):
    _family, guardian = family_with_guardian()

    statuses = [ask_reset(client, guardian, identifier="inconnu").status_code for _ in range(6)]

    assert statuses == [302] * 5 + [429]
