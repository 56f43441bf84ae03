"""Every answer and every log line of a request carry the same request id."""

import json
import logging

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from extranet.shell.requestid import (
    JsonFormatter,
    KeyValueFormatter,
    RequestIdFilter,
    RequestIdMiddleware,
)

pytestmark = pytest.mark.django_db


def record(message="e-mail 4 non envoyé", **extra) -> logging.LogRecord:
    entry = logging.LogRecord("extranet.base.emails", logging.WARNING, __file__, 1, message, (), None)
    for key, value in extra.items():
        setattr(entry, key, value)
    return entry


def test_each_answer_has_a_fresh_request_id(client):
    first = client.get(reverse("login"))["X-Request-ID"]
    second = client.get(reverse("login"))["X-Request-ID"]

    assert len(first) == 32 and first != second


def test_the_id_set_by_the_web_server_is_kept(client):
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID="nginx-3f2a9c0d41")

    assert response["X-Request-ID"] == "nginx-3f2a9c0d41"


def test_a_forged_id_is_replaced(client):
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID='x" level=CRITICAL')

    assert response["X-Request-ID"] != 'x" level=CRITICAL'
    assert len(response["X-Request-ID"]) == 32


def test_log_lines_inside_a_request_carry_its_id():
    seen = []

    def view(request):
        entry = record()
        RequestIdFilter().filter(entry)
        seen.append(entry.request_id)
        return HttpResponse("ok")

    response = RequestIdMiddleware(view)(RequestFactory().get("/", HTTP_X_REQUEST_ID="lb-0123456789"))

    assert seen == ["lb-0123456789"] == [response["X-Request-ID"]]
    outside = record()
    RequestIdFilter().filter(outside)
    assert outside.request_id == "-"  # a command or the worker


def test_key_value_lines_quote_what_has_spaces():
    line = KeyValueFormatter().format(record(request_id="abc123"))

    assert line.endswith(
        'level=WARNING logger=extranet.base.emails request_id=abc123 message="e-mail 4 non envoyé"'
    )
    assert "\n" not in line


def test_json_lines_are_one_object_each():
    line = JsonFormatter().format(record(message="deux\nlignes", request_id="abc123"))

    assert "\n" not in line
    fields = json.loads(line)
    assert (fields["request_id"], fields["message"], fields["level"]) == ("abc123", "deux\nlignes", "WARNING")
