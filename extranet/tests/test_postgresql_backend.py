"""The PostgreSQL backend's health check: no round trip on a live connection, and a connection
the server ended is replaced before the request's first query."""

import time

import pytest
from django.db import connection

from extranet.base.models import Site

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the health check of the PostgreSQL backend")
    connection.ensure_connection()
    return connection


def test_a_live_idle_connection_is_usable_without_asking_the_server(postgresql):
    pid = postgresql.connection.info.backend_pid
    opened = []
    original = postgresql.connection.cursor
    postgresql.connection.cursor = lambda *args, **kwargs: opened.append(args) or original(*args, **kwargs)
    try:
        postgresql.health_check_done = False
        postgresql.close_if_health_check_failed()
    finally:
        del postgresql.connection.cursor
    assert postgresql.connection is not None
    assert postgresql.connection.info.backend_pid == pid
    assert opened == []  # Django's own check opens a cursor to send SELECT 1
    assert postgresql.is_usable()


def test_a_connection_the_server_ended_is_replaced_before_the_next_query(postgresql):
    pid = postgresql.connection.info.backend_pid
    other = postgresql.get_new_connection(postgresql.get_connection_params())
    try:
        other.autocommit = True
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + 10
        while other.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
            assert time.monotonic() < deadline, "the backend did not stop"
            time.sleep(0.02)
    finally:
        other.close()
    assert not postgresql.is_usable()
    # What Django does before a request's first query: the dead connection is closed...
    postgresql.health_check_done = False
    postgresql.close_if_health_check_failed()
    assert postgresql.connection is None
    # ...and the query runs on a new one instead of failing.
    assert Site.objects.filter(slug="no-such-site").count() == 0
    assert postgresql.connection.info.backend_pid != pid


def test_a_connection_inside_a_transaction_is_still_checked_by_a_query(postgresql):
    with postgresql.cursor() as cursor:
        cursor.execute("BEGIN")
        try:
            assert postgresql.is_usable()
        finally:
            cursor.execute("ROLLBACK")
