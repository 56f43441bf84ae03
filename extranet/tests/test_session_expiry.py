"""Sessions end after 30 idle minutes or 12 hours, and the family is told why."""

import time

import pytest
from django.urls import reverse

from extranet.shell.middleware import SESSION_SEEN, SESSION_STARTED
from extranet.tests.factories import StaffUserFactory
from extranet.tests.portal import logged_in_family

pytestmark = pytest.mark.django_db

EXPIRED = "Votre session a expiré. Merci de vous reconnecter."


def set_clock(client, *, started_ago, seen_ago):
    client.get(reverse("home"))  # the session records its start on the first request
    session = client.session
    now = time.time()
    session[SESSION_STARTED] = now - started_ago
    session[SESSION_SEEN] = now - seen_ago
    session.save()


def test_29_idle_minutes_keep_the_session(client):
    logged_in_family(client)
    set_clock(client, started_ago=3600, seen_ago=29 * 60)

    assert client.get(reverse("family:detail")).status_code == 200


def test_31_idle_minutes_end_the_session_and_the_family_is_told(client):
    logged_in_family(client)
    set_clock(client, started_ago=3600, seen_ago=31 * 60)

    response = client.get(reverse("family:detail"))

    assert response["Location"] == f"{reverse('login')}?next={reverse('family:detail')}"
    login_page = client.get(response["Location"]).content.decode()
    assert EXPIRED in login_page
    assert "_auth_user_id" not in client.session
    assert EXPIRED not in client.get(reverse("login")).content.decode()


def test_activity_keeps_the_session_alive(client):
    logged_in_family(client)
    set_clock(client, started_ago=3600, seen_ago=20 * 60)
    client.get(reverse("home"))
    session = client.session
    assert time.time() - session[SESSION_SEEN] < 60


def test_12_hours_end_the_session_even_when_active(client):
    logged_in_family(client)
    set_clock(client, started_ago=12 * 3600 + 60, seen_ago=60)

    response = client.get(reverse("home"), follow=True)

    assert EXPIRED in response.content.decode()
    assert response.redirect_chain[-1][0].startswith(reverse("login"))


def test_a_form_posted_after_expiry_leads_to_login_not_to_an_error(client):
    logged_in_family(client)
    set_clock(client, started_ago=3600, seen_ago=31 * 60)

    response = client.post(reverse("family:detail"), {"guardian-city": "Vanves"}, follow=True)

    assert response.status_code == 200
    assert EXPIRED in response.content.decode()


def test_staff_sessions_expire_to_the_admin_login(client):
    client.force_login(StaffUserFactory())
    client.get("/admin/")
    session = client.session
    session[SESSION_SEEN] = time.time() - 31 * 60
    session.save()

    response = client.get("/admin/")

    assert response["Location"] == reverse("admin:login")


def test_session_cookie_settings_follow_the_issue():
    from django.conf import settings

    from extranet import settings as production

    assert settings.SESSION_IDLE_TIMEOUT == 30 * 60
    assert settings.SESSION_ABSOLUTE_TIMEOUT == 12 * 60 * 60
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert production.SESSION_COOKIE_SECURE is True and production.CSRF_COOKIE_SECURE is True


def test_pages_viewed_within_a_minute_do_not_rewrite_the_session(client):
    logged_in_family(client)
    set_clock(client, started_ago=3600, seen_ago=30)
    seen_before = client.session[SESSION_SEEN]

    client.get(reverse("home"))

    assert client.session[SESSION_SEEN] == seen_before
