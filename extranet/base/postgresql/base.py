"""Django's PostgreSQL backend, with a health check that costs no round trip.

With ``CONN_HEALTH_CHECKS`` (parse_database_url turns it on), Django checks a kept connection
before the first query of each request; its check is a ``SELECT 1`` sent to the server, one
more round trip on every family page, which waits while the worker could have served. A kept
connection that sits idle between requests has nothing to read: a server that ends it
(restarted, ``pg_terminate_backend``, an idle timeout) sends its last message and closes the
socket, which makes it readable. So an idle connection is usable when psycopg does not know it
broken and its socket has nothing to read; a connection left in a transaction is still checked
by Django's query.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        if connection.info.transaction_status != TransactionStatus.IDLE:
            return super().is_usable()
        try:
            poller = select.poll()
            poller.register(connection.fileno(), select.POLLIN | select.POLLPRI)
            readable = poller.poll(0)
        except (OSError, ValueError):
            return False
        return not readable
