"""Invoices issued and PDFs rendered on N seeded families (20,000 by default), with both cores.

    .venv/bin/python bench/billing.py                  # 20,000 families, scratch SQLite
    .venv/bin/python bench/billing.py 2000 --processes 2
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tutti_bench .venv/bin/python bench/billing.py

Without DATABASE_URL it migrates a scratch SQLite file in a temporary folder. It seeds the demo
and N generated families (``seed_demo --families N``), then, for each site, times
``billing_issue --no-pdf --processes P`` (numbering, lines, schedules, one transaction per family;
P processes on PostgreSQL, one on SQLite, which writes one transaction at a time) and
``billing_render_pdfs`` in P parallel shards (WeasyPrint, one PDF per invoice). It prints the
wall clock of both, the CPU cost of one invoice and of one PDF, and the projected time of a
20,000-family season (about 18,270 invoices) on 2 dedicated cores: goal under 10 minutes,
invoices and PDFs together.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SITES = ("malakoff", "sevre-loire")
GOAL_SECONDS = 600
SEASON_FAMILIES = 20_000
CORES = 2


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def children_cpu() -> float:
    """CPU seconds used by the finished child processes: what the work costs whatever else runs."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def count(env: dict[str, str], code: str) -> int:
    return int(manage(env, "shell", "-c", code).strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "families", nargs="?", type=int, default=SEASON_FAMILIES, help="families to seed (20000)"
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=2,
        help="parallel issuers (PostgreSQL) and PDF renderers (default 2, one per core)",
    )
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="tutti-bench-billing-") as scratch:
        env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "extranet.settings"}
        env.setdefault("DATABASE_URL", f"sqlite:///{scratch}/bench.sqlite3")
        env["MEDIA_ROOT"] = f"{scratch}/media"
        # As in production: each invoice's email is written to the outbox and handed to the task
        # runner (one row, part of the cost); the worker that talks to the mail server is not
        # timed. DEBUG=1 would pick the immediate backend, which delivers inside billing_issue.
        env.update(EMAIL_URL="locmem://", TASKS_BACKEND="database")
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(env, "seed_demo", "-v", "0", "--families", str(options.families))
        season = (
            manage(
                env,
                "shell",
                "-c",
                "from extranet.base.models import Season; print(Season.objects.current().label)",
            )
            .strip()
            .splitlines()[-1]
        )
        # The demo's own invoices are issued by seed_demo: time only the generated families'.
        before = count(env, "from billing.models import Invoice; print(Invoice.objects.count())")

        issuers = options.processes if env["DATABASE_URL"].startswith("postgres") else 1
        started, cpu_started = time.perf_counter(), children_cpu()
        for site in SITES:
            manage(
                env,
                *("billing_issue", "--site", site, "--season", season, "--no-pdf", "-v", "0"),
                *("--processes", str(issuers)),
            )
        issue_seconds = time.perf_counter() - started
        issue_cpu = children_cpu() - cpu_started
        invoices = count(env, "from billing.models import Invoice; print(Invoice.objects.count())") - before

        started, cpu_started = time.perf_counter(), children_cpu()
        for site in SITES:  # one site at a time, its invoices shared out between the processes
            renderers = [
                subprocess.Popen(
                    [sys.executable, "manage.py", "billing_render_pdfs", "--site", site]
                    + ["--shard", f"{shard}/{options.processes}", "-v", "0"],
                    cwd=BASE_DIR,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                for shard in range(options.processes)
            ]
            for renderer in renderers:
                if renderer.wait() != 0:
                    raise SystemExit("billing_render_pdfs failed")
        pdf_seconds = time.perf_counter() - started
        pdf_cpu = children_cpu() - cpu_started
        pdfs = count(env, "from billing.models import InvoicePdf; print(InvoicePdf.objects.count())")
        missing = count(
            env, "from billing.models import Invoice; print(Invoice.objects.filter(pdf__isnull=True).count())"
        )

    engine = "PostgreSQL" if env["DATABASE_URL"].startswith("postgres") else "SQLite"
    invoice_rate = invoices / max(issue_seconds, 0.001)
    pdf_rate = pdfs / max(pdf_seconds, 0.001)
    # On a machine of its own, issuing runs on min(issuers, 2) cores and the PDFs on
    # min(--processes, 2): the CPU cost of the work divided by the cores that share it.
    invoice_cpu = issue_cpu / max(invoices, 1)
    pdf_cpu_each = pdf_cpu / max(pdfs, 1)
    invoice_cpu_rate = min(issuers, CORES) / max(invoice_cpu, 1e-6)
    pdf_cpu_rate = min(options.processes, CORES) / max(pdf_cpu_each, 1e-6)
    per_family = invoices / max(options.families, 1)
    season_invoices = SEASON_FAMILIES * per_family
    projected = season_invoices * (1 / invoice_rate + 1 / pdf_rate)
    projected_cpu = season_invoices * (1 / invoice_cpu_rate + 1 / pdf_cpu_rate)
    load = os.getloadavg()[0]
    print(
        f"{options.families} families on {engine} (load average {load:.1f}): {invoices} invoices, {pdfs} PDFs"
    )
    print(
        f"invoices issued per second: {invoice_rate:.1f} wall clock with {issuers} processes, "
        f"{invoice_cpu_rate:.1f} on {min(issuers, CORES)} dedicated cores"
    )
    print(
        f"PDFs rendered per second: {pdf_rate:.1f} wall clock with {options.processes} processes, "
        f"{pdf_cpu_rate:.1f} on {min(options.processes, CORES)} dedicated cores ({missing} missing)"
    )
    print(
        f"CPU cost: {invoice_cpu * 1000:.1f} ms per invoice issued, "
        f"{pdf_cpu_each * 1000:.1f} ms per PDF (process start-ups included)"
    )
    for label, seconds in (("wall clock here", projected), (f"on {CORES} dedicated cores", projected_cpu)):
        verdict = "within" if seconds < GOAL_SECONDS else "OVER"
        print(
            f"a {SEASON_FAMILIES}-family season ({season_invoices:.0f} invoices), {label}: "
            f"{seconds / 60:.1f} min for invoices and PDFs "
            f"({verdict} the 10-minute goal)"
        )


if __name__ == "__main__":
    main()
