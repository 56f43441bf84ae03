"""Every email goes through here: three templates, rendered in French, sent after commit.

The message is first stored in the outbox (``OutboundEmail``) inside the caller's
transaction; once it commits, a task (``send_queued_email``) is enqueued and the worker
delivers it. A refused attempt enqueues the next one with a growing delay, the last refusal
leaves the email "abandonné" in the admin (where "Renvoyer" queues it again), and
``send_pending_emails`` re-queues whatever is due, so an outage loses nothing.

The outbox is readable by staff, so it never holds a secret: a value that grants access (the
link to choose a password) is passed as a ``SendTimeSecret``. The stored subject and bodies
hold a placeholder instead, the outbox row keeps only how to make the value again (a recipe,
no token), and the value is made when the email leaves, for every attempt and every
"Renvoyer".
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

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
from django_tasks import task

from extranet.base.models import OutboundEmail, User

logger = logging.getLogger(__name__)

# The task queue emails go through (settings.TASKS declares it; a worker may serve it alone).
EMAIL_QUEUE = "emails"


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
    enqueue_delivery(email_id)


@task(queue_name=EMAIL_QUEUE)
def send_queued_email(email_id: int) -> bool:
    """The background task: one delivery attempt of one outbox email (see ``deliver``)."""
    return deliver(email_id, only_if_due=True)


def enqueue_delivery(email_id: int, *, run_after: datetime | None = None) -> bool:
    """Hand one outbox email to the task runner; returns whether a task was queued.

    With the database backend this inserts one row and returns: the worker talks to the mail
    server, so no page and no admin action waits for it. With the immediate backend (demo,
    tests) the attempt runs here, and only the emails of the current request do. A retry
    (``run_after``) needs a backend that can defer; without one, ``send_pending_emails``
    picks the email up when it is due. A failure to enqueue loses nothing either: the
    outbox row stays pending and ``send_pending_emails`` queues it again.
    """
    queued = send_queued_email
    if run_after is not None:
        if not queued.get_backend().supports_defer:
            return False
        queued = queued.using(run_after=run_after)
    try:
        queued.enqueue(email_id)
    except Exception:
        logger.exception("email %s: could not be queued, send_pending_emails will", email_id)
        return False
    return True


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
        if email.state == OutboundEmail.State.PENDING:
            enqueue_delivery(email.pk, run_after=email.next_attempt_at)
        return False
    email.state = OutboundEmail.State.SENT
    email.sent_at = timezone.now()
    email.last_error = ""
    email.save(update_fields=["last_error", "state", "sent_at"])
    return True


def queue_due(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Queue again every pending email whose next attempt is due; returns their ids.

    The safety net behind the retries the tasks schedule themselves: an email whose task was
    lost (a worker killed while sending, a queue emptied by hand) is due again once its
    sending lease expires. Queuing an email twice sends it once: each attempt claims the row.
    """
    now = now or timezone.now()
    due = list(
        OutboundEmail.objects.filter(state=OutboundEmail.State.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for email_id in due:
        enqueue_delivery(email_id)
    return due


def resend(email_ids: list[int]) -> int:
    """Put emails back in the queue (abandoned or already sent) for a fresh series of attempts.

    Only enqueues: the worker sends them, so the admin page answers at once even when the mail
    server does not. Returns how many were queued.
    """
    with transaction.atomic():
        count = OutboundEmail.objects.filter(pk__in=email_ids).update(
            state=OutboundEmail.State.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error=""
        )
        for email_id in email_ids:
            transaction.on_commit(lambda email_id=email_id: enqueue_delivery(email_id))
    return count
