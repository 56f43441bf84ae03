"""A request id on every log line: the same id in the access log, the app's logs and the answer.

``RequestIdMiddleware`` takes the id the web server or load balancer set (``X-Request-ID``,
when it looks like one) or makes one, keeps it for the logging filter while the request runs,
and returns it in the ``X-Request-ID`` header (gunicorn's access log reads it from there).
The formatters write one line per record, as ``key=value`` pairs or as JSON.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy may pass on: letters, digits and a few separators, not too long (log injection).
_ACCEPTED_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
_NO_REQUEST = "-"

current_request_id: ContextVar[str] = ContextVar("current_request_id", default=_NO_REQUEST)


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = offered if _ACCEPTED_ID.match(offered) else uuid.uuid4().hex
        request.request_id = request_id
        token = current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` ("-" outside a request: commands, the worker)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True


def _fields(record: logging.LogRecord, formatter: logging.Formatter) -> dict:
    fields = {
        "time": formatter.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
        "level": record.levelname,
        "logger": record.name,
        "request_id": getattr(record, "request_id", _NO_REQUEST),
        "message": record.getMessage(),
    }
    if record.exc_info:
        fields["exception"] = formatter.formatException(record.exc_info)
    return fields


class KeyValueFormatter(logging.Formatter):
    """``time=… level=WARNING logger=extranet.base.emails request_id=… message="…"``."""

    def format(self, record: logging.LogRecord) -> str:
        parts = []
        for key, value in _fields(record, self).items():
            text = str(value)
            if not text or any(char in text for char in ' "=\n\t'):
                text = json.dumps(text, ensure_ascii=False)
            parts.append(f"{key}={text}")
        return " ".join(parts)


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(_fields(record, self), ensure_ascii=False)
