"""Brute force: 5 failures on one identifier of one site from one address lock that pair for 15 minutes."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.hashers import MD5PasswordHasher
from django.urls import reverse

from extranet.base.backends import axes_username, login_key
from extranet.tests.portal import family_with_guardian

pytestmark = pytest.mark.django_db

LOCKED = "Trop de tentatives de connexion pour cet identifiant"


class CountingHasher(MD5PasswordHasher):
    """The tests' MD5 hasher, counting how often a password is hashed or checked."""

    calls = 0

    def encode(self, password, salt):
        CountingHasher.calls += 1
        return super().encode(password, salt)


@pytest.fixture
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = ["extranet.tests.test_lockout.CountingHasher"]
    CountingHasher.calls = 0
    return CountingHasher


def attempt(client, guardian, password="Mauvais1", site=None):
    return client.post(
        reverse("login"),
        {"site": site or guardian.site.slug, "username": guardian.user.identifier, "password": password},
    )


def fail(client, guardian, times):
    return [attempt(client, guardian) for _ in range(times)]


def age_attempts(minutes):
    """Move every recorded failure ``minutes`` into the past, as if time had passed."""
    for row in AccessAttempt.objects.all():
        row.attempt_time -= datetime.timedelta(minutes=minutes)
        row.save(update_fields=["attempt_time"])


def test_four_failures_still_let_the_right_password_in(client):
    _family, guardian = family_with_guardian()
    fail(client, guardian, 4)

    assert attempt(client, guardian, "Motdepasse1").status_code == 302


def test_the_fifth_failure_locks_the_identifier_with_a_french_message(client):
    _family, guardian = family_with_guardian()

    responses = fail(client, guardian, 5)

    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    assert LOCKED in responses[-1].content.decode()
    locked = attempt(client, guardian, "Motdepasse1")
    assert locked.status_code == 429
    assert "réessayez dans 15 minutes" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_locked_identifier_is_refused_without_running_the_password_hasher(client, counting_hasher):
    _family, guardian = family_with_guardian()
    fail(client, guardian, 5)
    counting_hasher.calls = 0

    response = attempt(client, guardian, "Motdepasse1")

    assert response.status_code == 429
    assert counting_hasher.calls == 0


def test_an_unknown_identifier_costs_a_hash_like_a_wrong_password(client, counting_hasher):
    _family, guardian = family_with_guardian()
    counting_hasher.calls = 0
    attempt(client, guardian)
    assert counting_hasher.calls == 1

    client.post(reverse("login"), {"site": guardian.site.slug, "username": "inconnu", "password": "Mauvais1"})

    assert counting_hasher.calls == 2


def test_the_lock_clears_by_itself_after_15_minutes(client):
    _family, guardian = family_with_guardian()
    fail(client, guardian, 5)
    age_attempts(14)
    assert attempt(client, guardian, "Motdepasse1").status_code == 429

    age_attempts(1.01)

    assert attempt(client, guardian, "Motdepasse1").status_code == 302


def test_attempts_during_the_lock_do_not_make_it_last_longer(client):
    _family, guardian = family_with_guardian()
    fail(client, guardian, 5)
    for _ in range(3):
        age_attempts(4)
        assert attempt(client, guardian).status_code == 429

    age_attempts(3.1)  # 15 minutes and a few seconds after the fifth failure

    assert attempt(client, guardian, "Motdepasse1").status_code == 302


def test_a_successful_login_resets_the_count(client):
    _family, guardian = family_with_guardian()
    fail(client, guardian, 4)
    assert attempt(client, guardian, "Motdepasse1").status_code == 302
    client.post(reverse("logout"))

    responses = fail(client, guardian, 4)

    assert all(r.status_code == 200 for r in responses)
    assert sum(row.failures_since_start for row in AccessAttempt.objects.all()) == 4


def test_failures_are_counted_per_site_and_identifier(client):
    _family, guardian = family_with_guardian()
    _other, namesake = family_with_guardian()
    namesake.user.identifier = guardian.user.identifier.upper()
    namesake.user.save()
    fail(client, guardian, 5)

    assert attempt(client, namesake, "Motdepasse1").status_code == 302
    assert AccessAttempt.objects.get().username == login_key(guardian.site.slug, guardian.user.identifier)


def test_the_identifier_case_does_not_escape_the_count(client):
    _family, guardian = family_with_guardian()
    for identifier in ("claire", "CLAIRE", "Claire", "cLaIrE", "claire "):
        client.post(reverse("login"), {"site": guardian.site.slug, "username": identifier, "password": "x"})

    assert AccessAttempt.objects.get().failures_since_start == 5


def test_failures_from_elsewhere_do_not_lock_the_owner_out(client):
    _family, guardian = family_with_guardian()
    for _ in range(5):
        client.post(
            reverse("login"),
            {"site": guardian.site.slug, "username": guardian.user.identifier, "password": "x"},
            REMOTE_ADDR="203.0.113.9",
        )

    assert attempt(client, guardian, "Motdepasse1").status_code == 302


def test_axes_sees_site_and_identifier_from_the_credentials_of_authenticate():
    """authenticate(request, site=..., username=..., password=...) reaches axes as these credentials."""
    from axes.helpers import get_credentials

    credentials = get_credentials(username="Claire.M", password="x", site="malakoff")

    assert axes_username(None, credentials) == "malakoff:claire.m"


def test_after_a_login_axes_takes_the_site_from_the_form():
    from django.test import RequestFactory

    request = RequestFactory().post("/connexion/", {"site": "malakoff", "username": "Claire.M"})

    assert axes_username(request, {"username": "claire.m"}) == "malakoff:claire.m"


def test_staff_identifiers_are_counted_without_a_site():
    assert axes_username(None, {"username": "Secretariat"}) == "secretariat"
    assert axes_username(None, {}) is None
