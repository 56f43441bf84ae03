"""``/healthz``: what a load balancer and a monitoring probe ask, without logging in.

200 while the database answers, 503 when it does not (the load balancer takes the server out).
The task queue's backlog is reported too: tasks due for more than ``HEALTHZ_TASK_LATE_SECONDS``
mean no worker is running; the web server itself still works, so that gives "degraded" with
a 200, for monitoring to alert on rather than for the load balancer to act on.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.models import Q
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max


def _database_answers() -> bool:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False


def _task_backlog() -> dict:
    if not isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
        return {"backend": "immediate"}
    now = timezone.now()
    ready = DBTaskResult.objects.ready()
    late_after = now - timedelta(seconds=settings.HEALTHZ_TASK_LATE_SECONDS)
    # A deferred task is due at run_after; one to run at once (run_after at the far end of
    # time, as django-tasks-db stores it) is due from when it was queued.
    late = ready.filter(
        Q(run_after=get_date_max(), enqueued_at__lte=late_after) | Q(run_after__lte=late_after)
    )
    return {"backend": "database", "ready": ready.count(), "late": late.count()}


@never_cache
@require_safe
def healthz(request):
    if not _database_answers():
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    try:
        tasks = _task_backlog()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "error"}, status=503)
    late = tasks.get("late", 0)
    return JsonResponse({"status": "degraded" if late else "ok", "database": "ok", "tasks": tasks})
