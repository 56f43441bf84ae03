"""Who may open the shell pages, and families kept out of the secretariat's admin."""

import pytest
from django.contrib import admin
from django.urls import reverse

from extranet.tests.factories import StaffUserFactory
from extranet.tests.portal import logged_in_family

pytestmark = pytest.mark.django_db

PUBLIC = {
    "root",
    "login",
    "accessibility",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "healthz",
}
FAMILY_ONLY = {"home", "password_change"}
# switch_household: anonymous → login, staff → 403, a household not the guardian's → 404, GET → 405
# (extranet/tests/test_households.py).
COVERED_URLS = PUBLIC | FAMILY_ONLY | {"logout", "switch_household"}


def url_for(name):
    if name == "password_reset_confirm":
        return reverse(name, kwargs={"uidb64": "MQ", "token": "set-password"})
    return reverse(name)


@pytest.mark.parametrize("name", sorted(FAMILY_ONLY))
def test_anonymous_visitor_is_sent_to_login(client, name):
    response = client.get(url_for(name))

    assert response["Location"] == f"{reverse('login')}?next={url_for(name)}"


@pytest.mark.parametrize("name", sorted(FAMILY_ONLY))
def test_staff_without_a_family_is_refused(client, name):
    client.force_login(StaffUserFactory())

    assert client.get(url_for(name)).status_code == 403


@pytest.mark.parametrize("name", sorted(PUBLIC - {"root"}))
def test_public_pages_open_without_login(client, name):
    assert client.get(url_for(name)).status_code == 200


def test_a_reset_link_for_an_unknown_account_is_just_invalid(client):
    response = client.get(
        reverse("password_reset_confirm", kwargs={"uidb64": "OTk5OTk5", "token": "abc-def"})
    )

    assert "Ce lien n'est plus valable" in response.content.decode()


def test_logout_only_accepts_post(client):
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout"))["Location"] == reverse("login")


def admin_urls():
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        opts = model._meta
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        urls.append(reverse("admin:app_list", kwargs={"app_label": opts.app_label}))
    return sorted(set(urls))


@pytest.mark.parametrize("url", admin_urls())
def test_families_are_refused_from_the_admin(client, url):
    logged_in_family(client)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_family_cannot_log_in_to_the_admin(client):
    _family, guardian = logged_in_family(client)
    client.logout()

    response = client.post(
        reverse("admin:login"), {"username": guardian.user.identifier, "password": "Motdepasse1"}
    )

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
