"""A logged-in request finds its user, guardian and households in the shared cache, and loses
them at once when the secretariat deactivates the login, removes a household or edits the guardian."""

import time

import pytest
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDbStore
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from extranet.base import identity
from extranet.base.sessions import SessionStore
from extranet.shell.middleware import SESSION_SEEN, SESSION_STARTED
from extranet.tests.factories import StaffUserFactory
from extranet.tests.portal import log_in, logged_in_family
from families import services as family_services
from families.models import Membership
from families.tests.factories import FamilyFactory, guardian_of

pytestmark = pytest.mark.django_db

HELLO = "/bench/hello/"


@pytest.fixture
def identity_cache(settings):
    """The production setting with a shared cache (tests run in one process: local memory is shared)."""
    settings.IDENTITY_CACHE = True
    settings.SESSION_ENGINE = "extranet.base.sessions"  # what SESSION_BACKEND=cached_db chooses
    settings.ROOT_URLCONF = "bench.urls"


def warm(client, url=HELLO):
    """The first request stores the session's start time and fills the cache."""
    assert client.get(url).status_code == 200


def test_a_logged_in_hello_costs_no_query_once_cached(client, identity_cache, django_assert_num_queries):
    logged_in_family(client)
    warm(client)

    with django_assert_num_queries(0):
        assert client.get(HELLO).content == b"hello"


def test_a_portal_page_costs_only_its_own_queries_once_cached(
    client, identity_cache, django_assert_num_queries
):
    logged_in_family(client)
    warm(client, reverse("accessibility"))

    with django_assert_num_queries(0):  # Accessibilité reads only the family's site
        response = client.get(reverse("accessibility"))
    assert response.status_code == 200


def test_without_the_cache_the_request_loads_session_user_and_guardian(
    client, settings, django_assert_num_queries
):
    settings.ROOT_URLCONF = "bench.urls"
    logged_in_family(client)
    warm(client)

    with django_assert_num_queries(3):
        client.get(HELLO)


def test_the_cached_identity_is_the_family_of_the_login(client, identity_cache):
    family, guardian = logged_in_family(client)
    warm(client, reverse("family:detail"))

    response = client.get(reverse("family:detail"))

    assert response.wsgi_request.family == family
    assert response.wsgi_request.guardian == guardian
    assert guardian.last_name in response.content.decode()


def test_a_deactivated_login_loses_access_on_the_next_request(client, identity_cache):
    _family, guardian = logged_in_family(client)
    warm(client, reverse("family:detail"))

    guardian.user.is_active = False
    guardian.user.save()

    response = client.get(reverse("family:detail"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_removed_household_is_out_of_reach_on_the_next_request(client, identity_cache):
    family, guardian = logged_in_family(client)
    warm(client, reverse("family:detail"))

    membership = Membership.objects.get(guardian=guardian, family=family)
    family_services.remove_membership(membership_id=membership.pk, actor=StaffUserFactory())

    assert client.get(reverse("family:detail")).status_code == 403


def test_a_second_household_of_the_guardian_stays_while_the_first_is_removed(client, identity_cache):
    family, guardian = logged_in_family(client)
    other = FamilyFactory(site=family.site)
    Membership.objects.create(guardian=guardian, family=other)
    warm(client, reverse("family:detail"))

    Membership.objects.get(guardian=guardian, family=family).delete()

    assert client.get(reverse("family:detail")).wsgi_request.family == other


def test_a_guardian_edited_by_the_secretariat_shows_the_new_values(client, identity_cache):
    _family, guardian = logged_in_family(client)
    warm(client, reverse("family:detail"))

    family_services.update_guardian(
        guardian_id=guardian.pk, actor=StaffUserFactory(), version=guardian.version, values={"city": "Vanves"}
    )

    response = client.get(reverse("family:detail"))
    assert response.wsgi_request.guardian.city == "Vanves"
    assert response.wsgi_request.guardian.version == guardian.version + 1


def test_a_new_password_ends_the_other_sessions(client, identity_cache):
    _family, guardian = logged_in_family(client)
    warm(client, reverse("family:detail"))

    guardian.user.set_password("Nouveau2026x")
    guardian.user.save()

    response = client.get(reverse("family:detail"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_an_idle_session_still_expires(client, identity_cache):
    logged_in_family(client)
    warm(client, reverse("family:detail"))
    session = client.session
    session[SESSION_STARTED] = time.time() - 3600
    session[SESSION_SEEN] = time.time() - 31 * 60
    session.save()

    response = client.get(reverse("family:detail"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_two_logins_of_one_family_see_each_its_own_guardian(identity_cache):
    family, first = logged_in_family(Client())
    second = guardian_of(family)
    clients = [Client(), Client()]
    log_in(clients[0], first)
    log_in(clients[1], second)
    for one in clients:
        warm(one, reverse("family:detail"))

    assert clients[0].get(reverse("family:detail")).wsgi_request.guardian == first
    assert clients[1].get(reverse("family:detail")).wsgi_request.guardian == second


class CacheCalls:
    """Counts the default cache's reads (each one a round trip to Redis in production; the
    local-memory cache's get_many calls its get, which is not one more read)."""

    def __init__(self, monkeypatch):
        self.reads = []
        self.inside = False
        for name in ("get", "get_many"):
            original = getattr(cache, name)

            def counted(*args, _original=original, _name=name, **kwargs):
                if self.inside:
                    return _original(*args, **kwargs)
                self.reads.append(_name)
                self.inside = True
                try:
                    return _original(*args, **kwargs)
                finally:
                    self.inside = False

            monkeypatch.setattr(cache, name, counted)


def test_the_session_and_the_identity_come_in_one_cache_read(client, identity_cache, monkeypatch):
    family, guardian = logged_in_family(client)
    warm(client)  # the process learns whose session it is
    calls = CacheCalls(monkeypatch)

    response = client.get(HELLO)  # a view that reads nothing itself

    assert calls.reads == ["get_many"]
    assert response.wsgi_request.user == guardian.user
    assert response.wsgi_request.family == family
    assert response.wsgi_request.guardian == guardian


def test_a_wrong_hint_about_the_session_s_user_is_not_believed(client, identity_cache):
    family, guardian = logged_in_family(client)
    other_family, other_guardian = logged_in_family(Client())
    warm(client)
    identity._session_users[client.session.session_key] = str(other_guardian.user_id)

    response = client.get(reverse("family:detail"))

    assert response.wsgi_request.guardian == guardian
    assert response.wsgi_request.family == family != other_family


def test_what_a_request_read_is_not_used_after_it(client, identity_cache):
    _family, guardian = logged_in_family(client)
    warm(client)
    client.get(HELLO)
    guardian.user.is_active = False
    guardian.user.save()

    assert identity.read_with_session(guardian.user_id, [identity.user_key(guardian.user_id)]) is None
    assert client.get(reverse("family:detail")).status_code == 302


def test_the_session_engine_is_django_s_cached_db():
    assert issubclass(SessionStore, CachedDbStore)
