"""Correct under the rush: many staff validating, guardians double-submitting, the window closing.

Real threads, each with its own database connection, against committed data
(``transaction=True``). The PostgreSQL tests run when DATABASE_URL points to PostgreSQL; the
SQLite ones run on the file test database (BEGIN IMMEDIATE + busy timeout, see settings) and
must never fail with "database is locked".
"""

from __future__ import annotations

import datetime
import queue
import threading

import pytest
from django.db import connection
from django.utils import timezone

from extranet.base.models import Civility, OutboundEmail
from extranet.tests.factories import StaffUserFactory
from reenrolment import services
from reenrolment.models import Reenrolment, ReenrolmentChoice, ReenrolmentStateChange
from reenrolment.tests.factories import setting, submitted_dossier
from students.models import CourseCategory, Enrolment


@pytest.fixture(scope="module", autouse=True)
def _leave_the_reference_data(django_db_setup, django_db_blocker):
    """Transactional tests end with a flush: put the migrations' reference data back for the tests after."""
    yield
    with django_db_blocker.unblock():
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents and not Civility.objects.exists():
            connection.creation.deserialize_db_from_string(contents)


on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite variant")


def run_at_once(work, items, *, threads: int) -> tuple[list, list[BaseException]]:
    """Run ``work(item)`` for every item from ``threads`` threads released together."""
    todo: queue.Queue = queue.Queue()
    for item in items:
        todo.put(item)
    start = threading.Barrier(threads)
    results, errors, lock = [], [], threading.Lock()

    def worker():
        try:
            start.wait()
            while True:
                try:
                    item = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    result = work(item)
                except BaseException as error:  # collected and asserted by the test
                    with lock:
                        errors.append(error)
                else:
                    with lock:
                        results.append(result)
        finally:
            connection.close()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return results, errors


def validations_never_exceed_capacity(*, dossiers: int, seats: int, threads: int):
    ctx = setting()
    course = ctx.next_course("Piano cycle 1", category=CourseCategory.INSTRUMENT, capacity=seats)
    staff = StaffUserFactory()
    base = timezone.now() - datetime.timedelta(days=1)
    queue_ = [
        submitted_dossier(course, window=ctx.window, complete_at=base + datetime.timedelta(seconds=i))
        for i in range(dossiers)
    ]

    _results, errors = run_at_once(
        lambda dossier: services.validate_reenrolment(reenrolment=dossier, actor=staff),
        queue_,
        threads=threads,
    )

    assert errors == []
    assert Enrolment.objects.filter(course=course, status=Enrolment.Status.ACTIVE).count() == seats
    assert Reenrolment.objects.filter(state=Reenrolment.State.VALIDATED).count() == seats
    assert Reenrolment.objects.filter(state=Reenrolment.State.WAITLISTED).count() == dossiers - seats
    waiting = list(
        ReenrolmentChoice.objects.filter(course=course, state=ReenrolmentChoice.State.WAITLISTED)
        .order_by("waitlist_position")
        .values_list("waitlist_position", "reenrolment__complete_at")
    )
    assert [position for position, _complete in waiting] == list(range(1, dossiers - seats + 1))
    completes = [complete for _position, complete in waiting]
    assert completes == sorted(completes)  # the list follows the order dossiers became complete
    assert ReenrolmentStateChange.objects.filter(actor=staff).count() == dossiers


def submissions_give_one_dossier(*, threads: int):
    ctx = setting()
    student = ctx.pupil()
    choir = ctx.next_course("Chœur", category=CourseCategory.COLLECTIVE, min_age=None, max_age=None)

    def submit(_n):
        return services.save_reenrolment(
            student=student,
            window=ctx.window,
            actor=ctx.guardian.user,
            continue_enrolment_ids=[],
            wish_course_ids=[choir.pk],
            administrative=False,
            information="Même formulaire, envoyé plusieurs fois.",
            accepted_house_rules=True,
            expected_version=0,
        )

    results, errors = run_at_once(submit, range(threads), threads=threads)

    assert errors == []
    assert len(results) == threads
    assert sum(1 for result in results if result.changed) == 1
    assert Reenrolment.objects.count() == 1
    assert Reenrolment.objects.get().choices.count() == 1
    assert ReenrolmentStateChange.objects.count() == 1
    assert OutboundEmail.objects.filter(name="reenrolment_submitted").count() == 1


def closing_during_submissions_accepts_or_refuses_each(*, pupils: int, threads: int):
    ctx = setting()
    choir = ctx.next_course("Chœur", category=CourseCategory.COLLECTIVE, min_age=None, max_age=None)
    students = [ctx.pupil() for _ in range(pupils)]

    def work(item):
        if item == "close":
            return services.close_window(window=ctx.window)
        return services.save_reenrolment(
            student=item,
            window=ctx.window,
            actor=ctx.guardian.user,
            continue_enrolment_ids=[],
            wish_course_ids=[choir.pk],
            administrative=False,
            information="",
            accepted_house_rules=True,
            expected_version=0,
        )

    items = students[: pupils // 2] + ["close"] + students[pupils // 2 :]
    results, errors = run_at_once(work, items, threads=threads)

    ctx.window.refresh_from_db()
    assert all(isinstance(error, services.WindowClosed) for error in errors), errors
    saved = list(Reenrolment.objects.all())
    assert len(saved) + len(errors) == pupils
    assert all(dossier.submitted_at < ctx.window.closes_at for dossier in saved)
    assert OutboundEmail.objects.filter(name="reenrolment_submitted").count() == len(saved)


@pytest.mark.postgres
@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_200_concurrent_validations_for_20_seats_on_postgresql():
    validations_never_exceed_capacity(dossiers=200, seats=20, threads=40)


@pytest.mark.postgres
@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_10_concurrent_submissions_of_one_dossier_give_one_dossier_on_postgresql():
    submissions_give_one_dossier(threads=10)


@pytest.mark.postgres
@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_closing_the_window_during_submissions_on_postgresql():
    closing_during_submissions_accepts_or_refuses_each(pupils=30, threads=15)


@on_sqlite
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_validations_never_exceed_capacity_on_sqlite():
    validations_never_exceed_capacity(dossiers=40, seats=5, threads=10)


@on_sqlite
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_10_concurrent_submissions_of_one_dossier_give_one_dossier_on_sqlite():
    submissions_give_one_dossier(threads=10)


@on_sqlite
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_closing_the_window_during_submissions_on_sqlite():
    closing_during_submissions_accepts_or_refuses_each(pupils=20, threads=8)
