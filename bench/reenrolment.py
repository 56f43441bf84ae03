"""Re-enrolment benchmark: dossiers submitted per second and validations per second, under load.

Run: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/tutti .venv/bin/python bench/reenrolment.py``
(PostgreSQL, as in production) or without DATABASE_URL (a temporary SQLite file). It creates its
own scratch test database (``test_<name>`` on PostgreSQL), fills it, runs the families' submissions
then the secretariat's validations from several threads at once, prints the rates and drops the
database. It asserts only that nothing was lost or given twice.

Options: ``--dossiers 400 --workers 8 --seats 300``. Workers are processes, like web workers.
"""

from __future__ import annotations

import argparse
import datetime
import multiprocessing
import os
import queue
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORKDIR = Path(tempfile.mkdtemp(prefix="tutti-bench-"))
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
os.environ.setdefault("DATABASE_URL", f"sqlite:///{WORKDIR / 'bench.sqlite3'}")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402
from django.utils import timezone  # noqa: E402


def _worker(work, todo, start, errors) -> None:
    from django.db import connection as child_connection

    child_connection.close()  # never share the parent's connection: open a fresh one
    start.wait()
    try:
        while True:
            try:
                item = todo.get_nowait()
            except queue.Empty:
                return
            try:
                work(item)
            except Exception as error:
                errors.put(repr(error))
    finally:
        child_connection.close()


def in_workers(work, items, workers: int) -> tuple[float, list[str]]:
    """Run ``work(item)`` on every item from ``workers`` processes started together, as web workers
    would (threads would measure Python's global lock, not the database); (seconds, errors)."""
    context = multiprocessing.get_context("fork")
    todo = context.Queue()
    for item in items:
        todo.put(item)
    time.sleep(0.2)  # let the queue's feeder thread flush
    errors = context.Queue()
    start = context.Barrier(workers + 1)
    connection.close()
    pool = [context.Process(target=_worker, args=(work, todo, start, errors)) for _ in range(workers)]
    for process in pool:
        process.start()
    start.wait()
    began = time.perf_counter()
    for process in pool:
        process.join()
    seconds = time.perf_counter() - began
    found = []
    while not errors.empty():
        found.append(errors.get())
    return seconds, found


def build(dossiers: int, seats: int):
    """A site with an open window, one family per pupil carrying on piano and asking for the choir."""
    from extranet.tests.factories import PoleFactory, current_season, next_season
    from families.tests.factories import FamilyFactory, guardian_of
    from reenrolment.tests.factories import WindowFactory
    from students.models import CourseCategory, Enrolment
    from students.tests.factories import CourseFactory, DisciplineFactory, StudentFactory

    current_season()
    window = WindowFactory(opens_at=timezone.now() - datetime.timedelta(hours=1))
    pole = PoleFactory(site=window.site)
    piano = DisciplineFactory(name="Piano", slug="piano")
    current = CourseFactory(pole=pole, discipline=piano, name="Piano cycle 1", capacity=dossiers)
    CourseFactory(
        season=next_season(),
        pole=pole,
        discipline=piano,
        name="Piano cycle 1",
        capacity=seats,
        continues=current,
    )
    CourseFactory(
        season=next_season(),
        pole=pole,
        discipline=DisciplineFactory(name="Chœur", slug="choeur"),
        category=CourseCategory.COLLECTIVE,
        name="Chœur",
        capacity=dossiers,
        min_age=None,
        max_age=None,
    )
    pupils = []
    for _ in range(dossiers):
        family = FamilyFactory(site=window.site)
        guardian = guardian_of(family)
        student = StudentFactory(family=family)
        enrolment = Enrolment.objects.create(student=student, course=current, season=current.season)
        pupils.append((student, guardian, enrolment))
    return window, pupils


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=400)
    parser.add_argument("--workers", type=int, default=8, help="processes working at once (default 8)")
    parser.add_argument(
        "--seats", type=int, default=None, help="seats in the piano course (default: 3/4 of dossiers)"
    )
    args = parser.parse_args()
    workers = args.workers
    seats = args.seats if args.seats is not None else args.dossiers * 3 // 4

    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        from extranet.tests.factories import StaffUserFactory
        from families.models import Guardian
        from reenrolment import services
        from reenrolment.models import Reenrolment
        from students.models import Course, Enrolment

        started = time.perf_counter()
        window, pupils = build(args.dossiers, seats)
        staff = StaffUserFactory()
        choir = Course.objects.get(season=window.season, name="Chœur")
        print(
            f"Tutti re-enrolment benchmark on {connection.vendor} ({connection.settings_dict['NAME']}): "
            f"{args.dossiers} dossiers, {seats} piano seats, {workers} workers "
            f"(data built in {time.perf_counter() - started:.1f} s)"
        )

        def submit(enrolment_id):
            enrolment = Enrolment.objects.select_related("student").get(pk=enrolment_id)
            guardian = (
                Guardian.objects.select_related("user").filter(families=enrolment.student.family_id).first()
            )
            services.save_reenrolment(
                student=enrolment.student,
                window=window,
                actor=guardian.user,
                continue_enrolment_ids=[enrolment.pk],
                wish_course_ids=[choir.pk],
                administrative=False,
                information="Banc d'essai.",
                accepted_house_rules=True,
                expected_version=0,
            )

        seconds, errors = in_workers(submit, [enrolment.pk for _s, _g, enrolment in pupils], workers)
        sent = Reenrolment.objects.filter(state=Reenrolment.State.SUBMITTED).count()
        print(
            f"  submissions : {sent / seconds:8.1f} dossiers/s ({sent} in {seconds:.2f} s, {len(errors)} errors)"
        )
        if errors:
            print(f"    first error: {errors[0]}")

        def validate(dossier_id):
            services.validate_reenrolment(reenrolment=Reenrolment.objects.get(pk=dossier_id), actor=staff)

        dossiers = list(
            Reenrolment.objects.order_by("complete_at", "submitted_at", "pk").values_list("pk", flat=True)
        )
        seconds, errors = in_workers(validate, dossiers, workers)
        decided = Reenrolment.objects.exclude(state=Reenrolment.State.SUBMITTED).count()
        piano = Course.objects.get(season=window.season, name="Piano cycle 1")
        seated = Enrolment.objects.filter(course=piano, status=Enrolment.Status.ACTIVE).count()
        print(
            f"  validations : {decided / seconds:8.1f} dossiers/s ({decided} in {seconds:.2f} s, "
            f"{len(errors)} errors; piano {seated}/{piano.capacity} seats, "
            f"{Reenrolment.objects.filter(state=Reenrolment.State.WAITLISTED).count()} waitlisted)"
        )
        if errors:
            print(f"    first error: {errors[0]}")
        if sent != len(pupils) or seated > piano.capacity:
            raise SystemExit("a submission was lost or a seat given twice")
    finally:
        connection.close()
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(WORKDIR, ignore_errors=True)
