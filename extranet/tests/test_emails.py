"""The outbox: an email is stored with the change, leaves after commit, and survives an outage."""

import datetime
import io
import threading

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from extranet.base.emails import deliver, send_email
from extranet.base.models import OutboundEmail

pytestmark = pytest.mark.django_db

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
BROKEN = "extranet.tests.test_emails.BrokenBackend"


class BrokenBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("serveur SMTP injoignable")


@pytest.fixture(autouse=True)
def notice_templates(settings, tmp_path):
    """A test email, ``notice``, in its three templates."""
    folder = tmp_path / "templates" / "emails"
    folder.mkdir(parents=True)
    (folder / "notice_subject.txt").write_text("Bonjour {{ name }}\n", encoding="utf-8")
    (folder / "notice_body.txt").write_text("Votre dossier est reçu, {{ name }}.\n", encoding="utf-8")
    (folder / "notice_body.html").write_text("<p>Votre dossier est reçu, {{ name }}.</p>", encoding="utf-8")
    templates = [dict(engine) for engine in settings.TEMPLATES]
    templates[0]["DIRS"] = [tmp_path / "templates", *templates[0]["DIRS"]]
    settings.TEMPLATES = templates
    settings.EMAIL_BACKEND = LOCMEM


def test_an_email_is_stored_and_sent_when_the_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = send_email("notice", to=["claire@example.fr"], context={"name": "Claire"})
        assert mail.outbox == []  # nothing leaves before commit
        assert OutboundEmail.objects.get().state == OutboundEmail.State.PENDING
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Bonjour Claire"
    assert message.to == ["claire@example.fr"]
    assert "Votre dossier est reçu, Claire." in message.body
    assert message.alternatives[0][0] == "<p>Votre dossier est reçu, Claire.</p>"
    email.refresh_from_db()
    assert email.state == OutboundEmail.State.SENT
    assert email.sent_at is not None and email.attempts == 1


def test_an_email_of_a_rolled_back_transaction_never_leaves(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send_email("notice", to="claire@example.fr", context={"name": "Claire"})
    assert len(callbacks) == 1
    assert mail.outbox == []


def test_an_email_to_nobody_is_not_queued():
    assert send_email("notice", to=["", None], context={"name": "Claire"}) is None
    assert not OutboundEmail.objects.exists()


def test_an_email_the_server_refuses_stays_pending_with_a_next_attempt(
    settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = BROKEN
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        email = send_email("notice", to=["claire@example.fr"], context={"name": "Claire"})
    email.refresh_from_db()
    assert email.state == OutboundEmail.State.PENDING
    assert email.attempts == 1
    assert "serveur SMTP injoignable" in email.last_error
    assert email.next_attempt_at > before
    assert mail.outbox == []


def test_send_pending_emails_sends_it_once_the_server_is_back(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = BROKEN
    with django_capture_on_commit_callbacks(execute=True):
        email = send_email("notice", to=["claire@example.fr"], context={"name": "Claire"})
    settings.EMAIL_BACKEND = LOCMEM
    out = io.StringIO()
    call_command("send_pending_emails", stdout=out)
    assert out.getvalue().strip() == "E-mails en attente : 0 envoyé, 0 toujours en échec."  # not due yet
    OutboundEmail.objects.filter(pk=email.pk).update(
        next_attempt_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    out = io.StringIO()
    call_command("send_pending_emails", stdout=out)
    assert out.getvalue().strip() == "E-mails en attente : 1 envoyé, 0 toujours en échec."
    assert [message.subject for message in mail.outbox] == ["Bonjour Claire"]
    email.refresh_from_db()
    assert (email.state, email.attempts, email.last_error) == (OutboundEmail.State.SENT, 2, "")


def test_send_pending_emails_counts_the_emails_still_failing(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = BROKEN
    with django_capture_on_commit_callbacks(execute=True):
        for name in ("Claire", "Paul"):
            send_email("notice", to=[f"{name.lower()}@example.fr"], context={"name": name})
    OutboundEmail.objects.update(next_attempt_at=timezone.now() - datetime.timedelta(minutes=1))
    out = io.StringIO()
    call_command("send_pending_emails", stdout=out)
    assert out.getvalue().strip() == "E-mails en attente : 0 envoyé, 2 toujours en échec."
    assert OutboundEmail.objects.filter(state=OutboundEmail.State.PENDING).count() == 2


def test_an_email_is_abandoned_after_the_last_attempt(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = BROKEN
    settings.EMAIL_MAX_ATTEMPTS = 2
    with django_capture_on_commit_callbacks(execute=True):
        email = send_email("notice", to=["claire@example.fr"], context={"name": "Claire"})
    assert deliver(email.pk) is False
    email.refresh_from_db()
    assert email.state == OutboundEmail.State.FAILED
    assert email.attempts == 2
    out = io.StringIO()
    call_command("send_pending_emails", stdout=out)
    assert out.getvalue().strip() == "E-mails en attente : 0 envoyé, 0 toujours en échec."


def test_a_sent_email_is_not_sent_twice(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = send_email("notice", to=["claire@example.fr"], context={"name": "Claire"})
    assert deliver(email.pk) is False
    assert len(mail.outbox) == 1


SEEN_IN_TRANSACTION = []


class RecordingBackend(EmailBackend):
    """Notes whether a database transaction is open while the mail server is called."""

    def send_messages(self, messages):
        SEEN_IN_TRANSACTION.append(connection.in_atomic_block)
        return super().send_messages(messages)


@pytest.mark.django_db(transaction=True)
def test_the_mail_server_is_called_outside_any_transaction(settings):
    settings.EMAIL_BACKEND = "extranet.tests.test_emails.RecordingBackend"
    SEEN_IN_TRANSACTION.clear()
    with transaction.atomic():
        send_email("notice", to=["claire@example.fr"], context={"name": "Claire"})
    assert SEEN_IN_TRANSACTION == [False]
    assert OutboundEmail.objects.get().state == OutboundEmail.State.SENT


@pytest.mark.django_db(transaction=True)
def test_sending_starts_no_thread(settings):
    """A mail server that never answers must not pile up one thread per email (issue 9.8)."""
    before = set(threading.enumerate())
    with transaction.atomic():
        for name in ("Claire", "Paul", "Zoé"):
            send_email("notice", to=[f"{name.lower()}@example.fr"], context={"name": name})
    assert set(threading.enumerate()) == before
    assert OutboundEmail.objects.filter(state=OutboundEmail.State.SENT).count() == 3


@pytest.mark.django_db(transaction=True)
def test_nothing_is_sent_when_the_transaction_rolls_back(settings):
    with pytest.raises(RuntimeError), transaction.atomic():
        send_email("notice", to=["claire@example.fr"], context={"name": "Claire"})
        raise RuntimeError
    assert mail.outbox == []
    assert not OutboundEmail.objects.exists()


def test_plain_text_parts_are_not_html_escaped(tmp_path, settings, django_capture_on_commit_callbacks):
    folder = tmp_path / "templates" / "emails"
    (folder / "quote_subject.txt").write_text("Photo d'identité de {{ name }}\n", encoding="utf-8")
    (folder / "quote_body.txt").write_text("{{ name }} <{{ email }}>\n", encoding="utf-8")
    (folder / "quote_body.html").write_text("<p>{{ name }}</p>", encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        send_email("quote", to=["claire@example.fr"], context={"name": "Zoé O'Neil", "email": "z@example.fr"})
    message = mail.outbox[0]
    assert message.subject == "Photo d'identité de Zoé O'Neil"
    assert message.body == "Zoé O'Neil <z@example.fr>\n"
    assert message.alternatives[0][0] == "<p>Zoé O&#x27;Neil</p>"
