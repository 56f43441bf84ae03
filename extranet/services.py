"""Writes of the portal shell: optimistic locking shared by the family pages, passwords, credentials."""

from __future__ import annotations

import dataclasses

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from extranet.audit import FieldChange, diff, snapshot
from extranet.emails import render_email, send_email
from extranet.models import Site
from extranet.phones import format_phone


class StaleEditError(Exception):
    """Someone else saved the same data after the form was shown: nothing was written."""

    message = _(
        "Un autre responsable de la famille a modifié ces informations pendant que vous les saisissiez. "
        "Rien n'a été enregistré : voici les valeurs actuelles, vérifiez-les puis refaites vos modifications."
    )

    def __str__(self) -> str:
        return str(self.message)


# Fields whose stored value (ten digits) is shown to people as "06 12 34 56 78".
PHONE_FIELDS = frozenset({"phone_home", "phone_work", "mobile"})


def lock_version(queryset: models.QuerySet, *, pk: int, version: int) -> models.Model:
    """Lock the row and check it is still the version the form was built from."""
    obj = queryset.select_for_update(of=("self",)).get(pk=pk)
    if obj.version != version:
        raise StaleEditError
    return obj


def apply_values(obj: models.Model, values: dict) -> list[FieldChange]:
    """Set ``values`` on ``obj`` and return what changed, phones shown the way families read them."""
    before = snapshot(obj, list(values))
    for name, value in values.items():
        setattr(obj, name, value)
    return [_readable(change) for change in diff(obj, before)]


def readable_change(*, field: str, label: str, old: str, new: str) -> FieldChange:
    return _readable(FieldChange(field=field, label=label, old=old, new=new))


def _readable(change: FieldChange) -> FieldChange:
    if change.field.rsplit(".", 1)[-1] in PHONE_FIELDS:
        return dataclasses.replace(change, old=format_phone(change.old), new=format_phone(change.new))
    return change


def bump_version(obj: models.Model, *, version: int, fields: list[str]) -> None:
    """Write ``fields`` of ``obj`` with ``UPDATE … WHERE version = n``; refuse if the row moved on."""
    values = {
        obj._meta.get_field(name).attname: getattr(obj, obj._meta.get_field(name).attname) for name in fields
    }
    values["version"] = version + 1
    if any(field.name == "updated_at" for field in obj._meta.concrete_fields):
        values["updated_at"] = timezone.now()
    updated = type(obj)._default_manager.filter(pk=obj.pk, version=version).update(**values)
    if updated != 1:
        raise StaleEditError
    for name, value in values.items():
        setattr(obj, name, value)


# --- Passwords and credentials ------------------------------------------------------------------


def password_reset_link(user) -> str:
    """The single-use link to choose a password: valid PASSWORD_RESET_TIMEOUT (24 h), dead once used.

    Django's token hashes the current password and last login, so setting a password (or logging
    in) invalidates every link sent before.
    """
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})


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
        "link": password_reset_link(user),
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
    from axes.utils import reset

    from extranet.backends import login_key

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
    from families.models import Guardian

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
