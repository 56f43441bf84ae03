"""Writes of the portal shell: passwords and credentials."""

from __future__ import annotations

from axes.utils import reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from extranet.base.backends import login_key
from extranet.base.emails import PasswordLink, render_email, send_email
from extranet.base.models import Site
from families.models import Guardian

# --- Passwords and credentials ------------------------------------------------------------------


def _matching_login(*, site: Site, identifier: str, email: str):
    User = get_user_model()
    email = email.strip()
    user = (
        User.objects.filter(site=site, identifier__iexact=identifier.strip(), is_active=True)
        .filter(Q(email__iexact=email) | Q(guardian__email__iexact=email))
        .select_related("site", "guardian")
        .first()
    )
    if user is None:
        return None, ""
    guardian = getattr(user, "guardian", None)
    address = user.email if user.email.lower() == email.lower() else guardian.email
    return user, address


def _reset_context(user, site: Site, guardian=None) -> dict:
    return {
        "user": user,
        "guardian": guardian,
        "site": site,
        # Made when the email leaves: the outbox, which staff read, never holds the link.
        "link": PasswordLink(user),
        "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
    }


def request_password_reset(*, site: Site, identifier: str, email: str) -> bool:
    """Mot de passe perdu: email a link if the site, identifier and email match one login.

    When they do not match, the same work is done (a token, the rendered email) and nothing is
    sent, so the answer and its timing do not tell whether the pair exists. Returns whether an
    email was queued (for logs and tests, never shown to the visitor).
    """
    user, address = _matching_login(site=site, identifier=identifier, email=email)
    if user is None:
        stand_in = get_user_model()(pk=0, identifier=identifier, site=site, password="!")
        render_email("password_reset", _reset_context(stand_in, site))
        return False
    with transaction.atomic():
        send_email(
            "password_reset",
            to=[address],
            context=_reset_context(user, site, getattr(user, "guardian", None)),
        )
    return True


def clear_login_failures(user) -> None:
    """Lift a brute-force lockout of this login (after the owner proved access to their mailbox)."""
    reset(username=login_key(user.site.slug if user.site_id else None, user.identifier))


def notify_password_changed(user) -> None:
    """Tell the owner their password changed, so a change they did not make does not go unnoticed."""
    guardian = getattr(user, "guardian", None)
    address = user.email or (guardian.email if guardian else "")
    send_email(
        "password_changed",
        to=[address],
        context={"user": user, "guardian": guardian, "site": user.site, "changed_at": timezone.localtime()},
    )


def send_welcome(*, guardian) -> bool:
    """First login: the guardian's identifier and a link to choose a password (never a password)."""
    user = guardian.user
    address = guardian.email or user.email
    if not address:
        return False
    with transaction.atomic():
        send_email(
            "welcome",
            to=[address],
            context={**_reset_context(user, guardian.site, guardian), "identifier": user.identifier},
        )
    return True


def _never_logged_in(site: Site):
    return Guardian.objects.filter(
        site=site, user__isnull=False, user__is_active=True, user__last_login__isnull=True
    )


def guardians_never_logged_in(site: Site):
    """Guardians of ``site`` with an active login that was never used, and an email to write to."""
    return (
        _never_logged_in(site)
        .filter(~Q(email="") | ~Q(user__email=""))
        .select_related("user", "site")
        .order_by("last_name", "first_name", "pk")
    )


def guardians_without_email(site: Site):
    return _never_logged_in(site).filter(email="", user__email="")
