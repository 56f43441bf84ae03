"""Log in with (site, identifier, password): identifiers are unique per site only.

The backend also holds the rule on data every site shares: only central staff change it.
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Sum

from extranet.base import identity
from extranet.base.scoping import is_shared, visible_site_ids

# Permissions that change data, as Django names them ("<action>_<model name>").
_WRITE_ACTIONS = ("add_", "change_", "delete_")
_PERMISSIONS_CACHE = "_tutti_site_permissions"


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


def changes_shared_data(permission: str) -> bool:
    """Whether ``"app_label.codename"`` adds, changes or deletes data every site shares."""
    app_label, _dot, codename = permission.partition(".")
    action = next((prefix for prefix in _WRITE_ACTIONS if codename.startswith(prefix)), None)
    if action is None:
        return False
    try:
        model = apps.get_model(app_label, codename[len(action) :])
    except LookupError:
        return False
    return is_shared(model)


class SiteIdentifierBackend(ModelBackend):
    """Families name their site; staff (no site) log in to the admin with an identifier alone.

    Permissions: a site's secretariat reads the data every site shares (seasons, disciplines,
    cycles, document types and their blank forms, payment means…) but never adds, changes or
    deletes it, whatever its groups say; central staff (``all_sites``) and superusers do.
    """

    def get_all_permissions(self, user_obj, obj=None):
        permissions = super().get_all_permissions(user_obj, obj)
        if not permissions or visible_site_ids(user_obj) is None:
            return permissions
        cached = getattr(user_obj, _PERMISSIONS_CACHE, None)
        if cached is None or cached[0] is not permissions:
            allowed = {permission for permission in permissions if not changes_shared_data(permission)}
            cached = (permissions, allowed)
            setattr(user_obj, _PERMISSIONS_CACHE, cached)
        return cached[1]

    def get_user(self, user_id):
        """The session's user, through the identity cache when it is on (extranet.base.identity)."""
        return identity.load_user(user_id, super().get_user)

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


class LoginAttemptsHandler(AxesDatabaseHandler):
    """django-axes, counting failures per (address, login) and per address, each with its limit.

    ``AXES_LOCKOUT_PARAMETERS = [["ip_address", "username"], "ip_address"]``: AXES_FAILURE_LIMIT
    failures on one login from one address lock that pair only, so an attacker elsewhere cannot
    keep a family or a secretary out; LOGIN_FAILURE_LIMIT_PER_ADDRESS failures from one address,
    whatever the logins, lock that address. A successful login clears its own pair only: logging
    in to one's own account does not wipe what an address tried on the others.
    """

    def _counts(self, request, credentials) -> tuple[int, int]:
        per_pair, per_address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        return per_pair, per_address

    def get_failures(self, request, credentials=None) -> int:
        per_pair, per_address = self._counts(request, credentials)
        if per_address >= settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS:
            return max(per_pair, get_failure_limit(request, credentials))
        return per_pair

    def reset_user_attempts(self, request, credentials=None) -> int:
        pair = self.filter_user_attempts(request, credentials)[0]
        count, _ = pair.delete()
        return count
