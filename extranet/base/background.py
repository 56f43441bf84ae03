"""Handing work to the task runner (django-tasks) after the transaction that asked for it commits.

The queues the worker runs (``db_worker --queue-name *``): ``emails`` (extranet.base.emails) and
``pdfs`` (invoices, credit notes, bulletins). A failure to enqueue is logged, never raised to the
page that asked: each caller says what happens then (a download renders the PDF itself, …).
"""

from __future__ import annotations

import logging

from django.db import transaction

logger = logging.getLogger(__name__)

PDF_QUEUE = "pdfs"


def enqueue(task, *args, failure: str) -> bool:
    """Queue ``task(*args)``; returns whether it was queued (``failure`` is logged otherwise)."""
    try:
        task.enqueue(*args)
    except Exception:
        logger.exception(failure)
        return False
    return True


def enqueue_after_commit(task, *args, failure: str) -> None:
    """Queue ``task(*args)`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: enqueue(task, *args, failure=failure))
