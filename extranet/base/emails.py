"""Every email goes through here: three templates, rendered in French, sent after commit.

The message is first stored in the outbox (``OutboundEmail``) inside the caller's
transaction; delivery is tried once the transaction commits, and ``send_pending_emails``
retries what the mail server refused, so an outage loses nothing.

The outbox is readable by staff, so it never holds a secret: a value that grants access (the
link to choose a password) is passed as a ``SendTimeSecret``. The stored subject and bodies
hold a placeholder instead, the outbox row keeps only how to make the value again (a recipe,
no token), and the value is made when the email leaves, for every attempt and every
"Renvoyer".
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from django import db
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.html import escape
from django.utils.http import urlsafe_base64_encode

from extranet.base.models import OutboundEmail, User

logger = logging.getLogger(__name__)


def _render_plain(template_name: str, context: dict) -> str:
    """Plain-text templates: no HTML escaping, so "d'identité" stays "d'identité"."""
    return get_template(template_name).template.render(Context(context, autoescape=False))


class SendTimeSecret:
    """A value of an email that staff must never read; made only when the email leaves."""

    kind: str = ""

    def recipe(self) -> dict:
        """What the outbox stores to make the value again: never the value itself."""
        raise NotImplementedError

    @classmethod
    def make(cls, recipe: dict) -> str:
        raise NotImplementedError


class PasswordLink(SendTimeSecret):
    """The single-use link to choose a password (valid PASSWORD_RESET_TIMEOUT, dead once used).

    Django's token hashes the current password and last login, so setting a password (or
    logging in) invalidates every link sent before. Made at send time, it is valid from then.
    """

    kind = "password_link"

    def __init__(self, user: User):
        self.user_id = user.pk

    def recipe(self) -> dict:
        return {"kind": self.kind, "user": self.user_id}

    @classmethod
    def make(cls, recipe: dict) -> str:
        user = User.objects.filter(pk=recipe.get("user"), is_active=True).first()
        if user is None:  # the login is gone: point to "Mot de passe perdu" instead
            return settings.SITE_URL + reverse("password_reset")
        return password_link(user)


def password_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})


SECRET_KINDS: dict[str, type[SendTimeSecret]] = {PasswordLink.kind: PasswordLink}


def placeholder(key: str) -> str:
    """What the outbox shows in place of the secret ``key`` (survives HTML escaping unchanged)."""
    return f"[[{key} : masqué, créé à l'envoi]]".replace("'", "’")


def reveal(email: OutboundEmail) -> tuple[str, str, str]:
    """The subject, text and HTML of ``email`` as they leave: its secrets made now."""
    subject, text, html = email.subject, email.body_text, email.body_html
    for key, recipe in (email.secrets or {}).items():
        value = SECRET_KINDS[recipe["kind"]].make(recipe)
        marker = placeholder(key)
        subject = subject.replace(marker, value)
        text = text.replace(marker, value)
        html = html.replace(marker, escape(value))
    return subject, text, html


def render_email(name: str, context: dict) -> tuple[str, str, str]:
    """Subject, text and HTML of the email ``name``; a ``SendTimeSecret`` renders as its placeholder."""
    context = {
        "site_url": settings.SITE_URL,
        **{
            key: placeholder(key) if isinstance(value, SendTimeSecret) else value
            for key, value in context.items()
        },
    }
    with translation.override("fr"):
        subject = " ".join(_render_plain(f"emails/{name}_subject.txt", context).split())
        text = _render_plain(f"emails/{name}_body.txt", context)
        html = render_to_string(f"emails/{name}_body.html", context)
    return subject, text, html


def _site_id(context: dict) -> int | None:
    """The site the email is about, read from its context: staff of that site see it in the outbox."""
    site = context.get("site")
    if site is not None and getattr(site, "pk", None):
        return site.pk
    for key in ("family", "guardian", "user"):
        site_id = getattr(context.get(key), "site_id", None)
        if site_id:
            return site_id
    return None


def send_email(name: str, *, to: list[str] | str, context: dict) -> OutboundEmail | None:
    """Queue the email ``name`` for ``to``; it leaves when the current transaction commits."""
    recipients = [to] if isinstance(to, str) else [address for address in to if address]
    if not recipients:
        return None
    subject, text, html = render_email(name, context)
    email = OutboundEmail.objects.create(
        name=name,
        site_id=_site_id(context),
        to=recipients,
        subject=subject,
        body_text=text,
        body_html=html,
        secrets={key: value.recipe() for key, value in context.items() if isinstance(value, SendTimeSecret)},
    )
    transaction.on_commit(lambda: _deliver_after_commit(email.pk))
    return email


def _deliver_after_commit(email_id: int) -> None:
    if not settings.EMAIL_SEND_IN_BACKGROUND:
        deliver(email_id)
        return
    # In a thread, so the page answers without waiting for the mail server (and a password
    # reset answers in the same time whether or not an email leaves).
    threading.Thread(target=_deliver_in_thread, args=(email_id,), daemon=True).start()


def _deliver_in_thread(email_id: int) -> None:
    try:
        deliver(email_id)
    except Exception:  # the outbox keeps it; send_pending_emails retries
        logger.exception("email %s: delivery thread failed", email_id)
    finally:
        db.connection.close()


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2**attempts, 240))


# While one process is sending an email, others leave it alone for this long.
SENDING_LEASE = timedelta(minutes=10)


def deliver(email_id: int, *, only_if_due: bool = False) -> bool:
    """Try to send one queued email; on failure, schedule the next attempt.

    The row is claimed in a short transaction and the mail server is called outside any
    transaction, so a slow server never holds a database lock.
    """
    now = timezone.now()
    with transaction.atomic():
        pending = OutboundEmail.objects.select_for_update().filter(
            pk=email_id, state=OutboundEmail.State.PENDING
        )
        if only_if_due:
            pending = pending.filter(next_attempt_at__lte=now)
        email = pending.first()
        if email is None:
            return False
        email.attempts += 1
        email.next_attempt_at = now + SENDING_LEASE
        email.save(update_fields=["attempts", "next_attempt_at"])

    subject, body_text, body_html = reveal(email)
    message = EmailMultiAlternatives(
        subject=subject,
        body=body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=email.to,
    )
    if body_html:
        message.attach_alternative(body_html, "text/html")
    try:
        message.send()
    except Exception as error:  # any transport failure: keep it and try again later
        logger.warning("email %s not sent (attempt %s): %s", email.pk, email.attempts, error)
        email.last_error = str(error)[:2000]
        if email.attempts >= settings.EMAIL_MAX_ATTEMPTS:
            email.state = OutboundEmail.State.FAILED
        else:
            email.next_attempt_at = timezone.now() + _backoff(email.attempts)
        email.save(update_fields=["last_error", "state", "next_attempt_at"])
        return False
    email.state = OutboundEmail.State.SENT
    email.sent_at = timezone.now()
    email.last_error = ""
    email.save(update_fields=["last_error", "state", "sent_at"])
    return True


def deliver_due(*, now=None, limit: int = 500) -> tuple[int, int]:
    """Retry every queued email whose next attempt is due. Returns (sent, still failing)."""
    now = now or timezone.now()
    due = list(
        OutboundEmail.objects.filter(state=OutboundEmail.State.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    sent = sum(1 for email_id in due if deliver(email_id, only_if_due=True))
    return sent, len(due) - sent
