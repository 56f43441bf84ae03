"""Emails through the task runner: queued on commit, sent by the worker, retried, never lost.

These tests use the database task backend and run the worker the way systemd does
(``manage.py db_worker``), in batch mode. Time is a clock the test moves forward, so the
retries' back-off is exercised without waiting for it.
"""

import datetime
import io
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from extranet.base.emails import EMAIL_QUEUE, send_email
from extranet.base.models import OutboundEmail
from extranet.tests.factories import StaffUserFactory

DOWN = "extranet.tests.test_email_tasks.MailServerDown"
UNREACHABLE = "extranet.tests.test_email_tasks.MailServerUnreachable"


class Clock:
    """``timezone.now()`` for the whole process, moved forward by the test.

    It starts a minute ahead: model defaults (``default=timezone.now``) keep the real clock,
    and what they stamp must be in the past of the test's clock.
    """

    def __init__(self):
        self.now = timezone.now() + datetime.timedelta(minutes=1)

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += datetime.timedelta(**delta)


class MailServerDown(EmailBackend):
    """A mail server that refuses every message until ``back_at``, then accepts them."""

    back_at = None
    refused = 0

    def send_messages(self, messages):
        if timezone.now() < MailServerDown.back_at:
            MailServerDown.refused += len(messages)
            raise ConnectionRefusedError("serveur SMTP injoignable")
        return super().send_messages(messages)


class MailServerUnreachable(EmailBackend):
    """Any call reaching the mail server is a failure of the test: nothing may send inline."""

    calls = 0

    def send_messages(self, messages):
        MailServerUnreachable.calls += 1
        raise TimeoutError("le serveur SMTP ne répond pas")


@pytest.fixture(autouse=True)
def notice_templates(settings, tmp_path):
    folder = tmp_path / "templates" / "emails"
    folder.mkdir(parents=True)
    (folder / "notice_subject.txt").write_text("Bonjour {{ name }}\n", encoding="utf-8")
    (folder / "notice_body.txt").write_text("Votre dossier est reçu, {{ name }}.\n", encoding="utf-8")
    (folder / "notice_body.html").write_text("<p>Votre dossier est reçu, {{ name }}.</p>", encoding="utf-8")
    templates = [dict(engine) for engine in settings.TEMPLATES]
    templates[0]["DIRS"] = [tmp_path / "templates", *templates[0]["DIRS"]]
    settings.TEMPLATES = templates
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", EMAIL_QUEUE]}
    }


@pytest.fixture
def clock():
    clock = Clock()
    with mock.patch("django.utils.timezone.now", clock):
        yield clock


def run_worker():
    """What ``manage.py db_worker --batch`` does: run every task that is due, then stop."""
    Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()


@pytest.mark.django_db(transaction=True)
def test_no_email_is_lost_while_the_mail_server_is_down_for_15_minutes(database_tasks, clock, settings):
    settings.EMAIL_BACKEND = DOWN
    MailServerDown.back_at = clock.now + datetime.timedelta(minutes=15)
    MailServerDown.refused = 0
    recipients = [f"famille{number}@example.fr" for number in range(30)]

    with transaction.atomic():
        for address in recipients:
            send_email("notice", to=[address], context={"name": address})
    assert mail.outbox == []  # the saves only queued a task each
    assert DBTaskResult.objects.filter(queue_name=EMAIL_QUEUE, status="READY").count() == 30

    for _minute in range(60):
        run_worker()
        clock.advance(minutes=1)

    assert MailServerDown.refused >= 30 * 4  # attempts at 0, 2, 6 and 14 minutes were refused
    assert sorted(message.to[0] for message in mail.outbox) == sorted(recipients)  # each exactly once
    assert set(OutboundEmail.objects.values_list("state", flat=True)) == {OutboundEmail.State.SENT}
    assert not DBTaskResult.objects.filter(status="READY").exists()


@pytest.mark.django_db(transaction=True)
def test_a_save_never_waits_for_the_mail_server(database_tasks, settings):
    settings.EMAIL_BACKEND = UNREACHABLE
    MailServerUnreachable.calls = 0

    with transaction.atomic():
        email = send_email("notice", to=["claire@example.fr"], context={"name": "Claire"})

    assert MailServerUnreachable.calls == 0
    email.refresh_from_db()
    assert (email.state, email.attempts) == (OutboundEmail.State.PENDING, 0)
    task = DBTaskResult.objects.get()
    assert (task.queue_name, task.args_kwargs["args"]) == (EMAIL_QUEUE, [email.pk])


@pytest.mark.django_db(transaction=True)
def test_nothing_is_queued_when_the_transaction_rolls_back(database_tasks):
    with pytest.raises(RuntimeError), transaction.atomic():
        send_email("notice", to=["claire@example.fr"], context={"name": "Claire"})
        raise RuntimeError
    assert not DBTaskResult.objects.exists()
    assert not OutboundEmail.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_email_refused_every_time_is_abandoned_and_shown_in_the_admin(
    database_tasks, clock, settings, client
):
    settings.EMAIL_BACKEND = DOWN
    settings.EMAIL_MAX_ATTEMPTS = 3
    MailServerDown.back_at = clock.now + datetime.timedelta(days=1)
    with transaction.atomic():
        email = send_email("notice", to=["claire@example.fr"], context={"name": "Claire"})

    for _minute in range(30):
        run_worker()
        clock.advance(minutes=1)

    email.refresh_from_db()
    assert (email.state, email.attempts) == (OutboundEmail.State.FAILED, 3)
    assert not DBTaskResult.objects.filter(status="READY").exists()  # no further attempt planned
    client.force_login(StaffUserFactory(is_superuser=True))
    page = client.get(reverse("admin:extranet_outboundemail_changelist"), {"state": "failed"})
    content = page.content.decode()
    assert "Bonjour Claire" in content and "abandonné" in content


@pytest.mark.django_db(transaction=True)
def test_renvoyer_in_the_admin_queues_the_email_and_the_worker_sends_it(
    database_tasks, clock, settings, client
):
    settings.EMAIL_BACKEND = UNREACHABLE
    MailServerUnreachable.calls = 0
    email = OutboundEmail.objects.create(
        name="notice",
        to=["claire@example.fr"],
        subject="Bonjour Claire",
        body_text="Votre dossier est reçu.",
        state=OutboundEmail.State.FAILED,
        attempts=8,
        last_error="serveur SMTP injoignable",
    )
    client.force_login(StaffUserFactory(is_superuser=True))

    response = client.post(
        reverse("admin:extranet_outboundemail_changelist"),
        {"action": "resend", "_selected_action": [email.pk]},
        follow=True,
    )

    assert "1 e-mail remis dans la file d&#x27;envoi." in response.content.decode()
    assert MailServerUnreachable.calls == 0  # the page did not talk to the mail server
    email.refresh_from_db()
    assert (email.state, email.attempts, email.last_error) == (OutboundEmail.State.PENDING, 0, "")
    assert DBTaskResult.objects.filter(queue_name=EMAIL_QUEUE, status="READY").count() == 1

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run_worker()
    email.refresh_from_db()
    assert email.state == OutboundEmail.State.SENT
    assert [message.to for message in mail.outbox] == [["claire@example.fr"]]


@pytest.mark.django_db(transaction=True)
def test_send_pending_emails_queues_again_an_email_whose_task_was_lost(database_tasks, clock):
    with transaction.atomic():
        email = send_email("notice", to=["claire@example.fr"], context={"name": "Claire"})
    DBTaskResult.objects.all().delete()  # e.g. the queue emptied by hand

    out = io.StringIO()
    call_command("send_pending_emails", stdout=out)
    assert out.getvalue().strip() == (
        "E-mails en attente : 0 envoyé, 0 toujours en échec. 1 confié au worker."
    )
    call_command("send_pending_emails", stdout=io.StringIO())  # queued twice by an impatient timer
    run_worker()

    email.refresh_from_db()
    assert email.state == OutboundEmail.State.SENT
    assert [message.to for message in mail.outbox] == [["claire@example.fr"]]  # sent once


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_sending_leaves_the_email_for_the_next_pass(database_tasks, clock):
    with transaction.atomic():
        email = send_email("notice", to=["claire@example.fr"], context={"name": "Claire"})
    # The worker claimed the email, then died before the mail server answered.
    OutboundEmail.objects.filter(pk=email.pk).update(
        attempts=1, next_attempt_at=clock.now + datetime.timedelta(minutes=10)
    )
    DBTaskResult.objects.update(status="RUNNING")

    call_command("send_pending_emails", stdout=io.StringIO())
    run_worker()
    assert mail.outbox == []  # still inside its sending lease

    clock.advance(minutes=11)
    call_command("send_pending_emails", stdout=io.StringIO())
    run_worker()
    email.refresh_from_db()
    assert (email.state, email.attempts) == (OutboundEmail.State.SENT, 2)
    assert len(mail.outbox) == 1
