"""/healthz: the load balancer's and the monitoring's question, answered without logging in."""

import datetime
from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from extranet.base.emails import EMAIL_QUEUE, send_queued_email

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", EMAIL_QUEUE]}
    }


def test_healthz_answers_200_without_login(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "tasks": {"backend": "immediate"}}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_is_away(client):
    with mock.patch.object(
        BaseDatabaseWrapper, "ensure_connection", side_effect=OperationalError("connection refused")
    ):
        response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}


def test_healthz_counts_the_task_backlog(client, database_tasks):
    send_queued_email.enqueue(1)

    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json()["tasks"] == {"backend": "database", "ready": 1, "late": 0}


def test_tasks_waiting_for_long_mean_no_worker_runs(client, database_tasks, settings):
    settings.HEALTHZ_TASK_LATE_SECONDS = 600
    send_queued_email.enqueue(1)
    send_queued_email.enqueue(2)
    DBTaskResult.objects.filter(args_kwargs__args=[1]).update(
        enqueued_at=timezone.now() - datetime.timedelta(minutes=11)
    )
    future = send_queued_email.using(run_after=timezone.now() + datetime.timedelta(hours=1)).enqueue(3)

    body = client.get(reverse("healthz")).json()

    assert body["status"] == "degraded"
    assert body["tasks"] == {"backend": "database", "ready": 2, "late": 1}
    assert DBTaskResult.objects.get(id=future.id).status == "READY"  # deferred: not counted yet


def test_healthz_is_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("login")).status_code == 301


def test_healthz_only_reads(client):
    assert client.post(reverse("healthz")).status_code == 405
