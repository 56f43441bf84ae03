"""Gapless, unique invoice numbers when several processes issue at once (PostgreSQL row locks).

Real threads, each with its own connection, on committed data (``transaction=True``).
"""

from __future__ import annotations

import datetime
import queue
import threading

import pytest
from django.db import connection
from django.utils import timezone

from billing import services
from billing.models import Invoice, InvoiceSequence
from billing.tests.factories import BillingSettingsFactory, enrol, tariff_grid
from extranet.base.models import Civility
from extranet.tests.factories import current_season
from families.tests.factories import FamilyFactory
from students.tests.factories import StudentFactory

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
AT = timezone.make_aware(datetime.datetime(2025, 9, 20, 10))


@pytest.fixture(scope="module", autouse=True)
def _leave_the_reference_data(django_db_setup, django_db_blocker):
    """Transactional tests end with a flush: put the migrations' reference data back for the tests after."""
    yield
    with django_db_blocker.unblock():
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents and not Civility.objects.exists():
            connection.creation.deserialize_db_from_string(contents)


def run_at_once(work, items, *, threads: int):
    todo: queue.Queue = queue.Queue()
    for item in items:
        todo.put(item)
    start = threading.Barrier(threads)
    errors, lock = [], threading.Lock()

    def worker():
        try:
            start.wait()
            while True:
                try:
                    item = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    work(item)
                except BaseException as error:  # asserted by the test
                    with lock:
                        errors.append(error)
        finally:
            connection.close()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return errors


@pytest.mark.postgres
@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_numbers_stay_gapless_and_unique_when_eight_threads_issue_at_once():
    rules = BillingSettingsFactory(invoice_prefix="MAL")
    tariff_grid(rules.site)
    season = current_season()
    families = []
    for _ in range(40):
        family = FamilyFactory(site=rules.site)
        enrol(StudentFactory(family=family))
        families.append(family)
    # Each family twice: the second issue of a family must find it already billed.
    work = families + families

    errors = run_at_once(
        lambda family: services.issue_invoice(
            site=rules.site, season=season, family=family, actor=None, at=AT, render_pdf=False
        ),
        work,
        threads=8,
    )

    assert errors == []
    sequences = sorted(Invoice.objects.filter(site=rules.site, year=2025).values_list("sequence", flat=True))
    assert sequences == list(range(1, 41))
    assert Invoice.objects.values("family").distinct().count() == 40
    assert InvoiceSequence.objects.get(site=rules.site, year=2025).last_number == 40
    assert len(set(Invoice.objects.values_list("number", flat=True))) == 40
