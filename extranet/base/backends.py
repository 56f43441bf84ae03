"""Log in with (site, identifier, password): identifiers are unique per site only."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


def login_key(site: str | None, identifier: str | None) -> str:
    """The name under which failed attempts are counted: one identifier of one site."""
    identifier = (identifier or "").strip().lower()
    return f"{site}:{identifier}" if site else identifier


def axes_username(request, credentials) -> str | None:
    """django-axes counts failures per (site, identifier), not per identifier alone.

    ``authenticate(request, site=..., username=..., password=...)`` reaches axes as the
    credentials {"site", "username", "password"} (AXES_USERNAME_FORM_FIELD = "username"); after a
    successful login axes only passes the identifier, so the site comes from the login form.
    """
    credentials = credentials or {}
    form = getattr(request, "POST", None) or {}
    site = credentials.get("site") or form.get("site")
    identifier = credentials.get("username") or form.get("username")
    if not identifier:
        return None
    return login_key(site, identifier)


class SiteIdentifierBackend(ModelBackend):
    """Families name their site; staff (no site) log in to the admin with an identifier alone."""

    def authenticate(self, request, username=None, password=None, site=None, **kwargs):
        if username is None or password is None:
            return None
        User = get_user_model()
        lookup = {"identifier__iexact": username.strip()}
        if site:
            lookup["site__slug"] = site
        else:
            lookup["site__isnull"] = True
        try:
            user = User.objects.get(**lookup)
        except (User.DoesNotExist, User.MultipleObjectsReturned):
            # Hash anyway, so an unknown identifier takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
