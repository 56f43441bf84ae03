"""Planner statistics after bulk writes.

PostgreSQL plans queries from table statistics that autovacuum refreshes some time after
a change; right after thousands of rows arrive in one go (an import, seeded families) it
still plans for empty tables: one Accueil query scanned every enrolment until ANALYZE ran.
"""

from __future__ import annotations

from django.db import connection


def refresh_planner_statistics(*, tables: list[str] | None = None) -> bool:
    """Run ANALYZE (on ``tables``, or on the whole database); returns whether it ran."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        if tables:
            for table in tables:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
        else:
            cursor.execute("ANALYZE")
    return True
