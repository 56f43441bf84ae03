"""Build the demo conservatory (idempotent), and optionally N generated families for scale tests."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from extranet.demo import (
    ADMIN_PASSWORD,
    DEMO_PASSWORD,
    SECRETARIAT_PASSWORD,
    add_generated_families,
    build_demo,
)
from extranet.management.progress import ProgressBar


class Command(BaseCommand):
    help = (
        "Creates or updates the demo conservatory: sites Malakoff and Sèvre Loire, seasons "
        "2024/2025 to 2026/2027, disciplines, courses, news, re-enrolment windows (Malakoff's "
        "open), demo families with known passwords, the secretariat and admin accounts. Running it "
        "again changes nothing. --families N adds N generated families for scale tests. Refuses "
        "to run when DEBUG is off unless --force, since it creates known passwords."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--families", type=int, default=0, metavar="N", help="Also add N generated families."
        )
        parser.add_argument(
            "--batch-size", type=int, default=500, help="Generated families inserted per batch (default 500)."
        )
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (creates known passwords)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Do everything in a transaction, then roll it back."
        )

    def handle(self, *args, families: int, batch_size: int, force: bool, dry_run: bool, **options):
        self.verbosity = options["verbosity"]
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts with known passwords: it runs only with DEBUG=1, "
                "or with --force on a database you can throw away."
            )
        if families < 0:
            raise CommandError("--families must be 0 or more.")
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more.")
        if not dry_run:
            # Each batch of generated families commits on its own: an interrupted load keeps
            # what it inserted, and the next run continues the numbering.
            self.seed(families=families, batch_size=batch_size)
            return
        with transaction.atomic():
            self.seed(families=families, batch_size=batch_size)
            transaction.set_rollback(True)
        self.stdout.write("Dry run: nothing was saved.")

    def seed(self, *, families: int, batch_size: int) -> None:
        summary = build_demo()
        if self.verbosity >= 1:
            self.stdout.write(
                f"Demo ready: {summary.sites} sites, {summary.courses} courses, "
                f"{summary.families} demo families, {summary.students} pupils "
                f"({summary.documents} documents and {summary.dossiers} re-enrolment dossiers added).\n"
                f"  families (site Malakoff): famille.demo, famille.demo2, famille.voisin / {DEMO_PASSWORD}\n"
                f"  families (site Sèvre Loire): famille.loire, famille.moreau, famille.giraud / {DEMO_PASSWORD}\n"
                f"  secretariat (admin): secretariat / {SECRETARIAT_PASSWORD}\n"
                f"  superuser (admin): admin / {ADMIN_PASSWORD}"
            )
        if not families:
            return
        started = time.monotonic()
        bar = ProgressBar(families, stream=self.stdout._out, unit="families") if self.verbosity >= 1 else None
        added = add_generated_families(families, batch_size=batch_size, progress=bar.update if bar else None)
        if bar:
            bar.finish()
        elapsed = time.monotonic() - started
        rate = added.families / elapsed if elapsed else 0
        self.stdout.write(
            f"Added {added.families} families, {added.guardians} guardians, {added.students} pupils, "
            f"{added.enrolments} enrolments in {elapsed:.1f} s ({rate:.0f} families/s)."
        )
