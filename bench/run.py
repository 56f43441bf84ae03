"""``make bench``: Tutti under gunicorn and PostgreSQL, measured end to end, in one table.

    .venv/bin/python bench/run.py            # or: make bench

It creates a scratch PostgreSQL database (``tutti_bench`` on BENCH_PG, default
postgres://postgres@127.0.0.1:5432), seeds the demo and BENCH_FAMILIES generated families
(default 20,000), collects the static files, starts gunicorn with the production settings
(deploy/gunicorn.conf.py, BENCH_WORKERS sync workers, default 2; sessions through Redis when
one answers on 127.0.0.1:6379) and the task worker, then measures, from this machine's loopback
only:

1. every family page and the bare hello view (anonymous and logged in) at 10 and 50
   concurrent families: requests/s, p50, p95, and the ratios to the hello views;
2. the opening rush: Locust, headless, RUSH_USERS families for RUSH_SECONDS (default 60 and
   120 s) logging in, browsing, uploading one document and submitting each pupil's dossier;
   then a database check (no duplicate dossier, no course over capacity);
3. queries per family page for 1 and 6 pupils; the secretariat's lists and searches; the
   password hasher's logins per second per core; the memory of each gunicorn worker.

It prints the table and writes it, with the machine, to bench/RESULTS.md. Total time on
2 cores is about 10 minutes; BENCH_SECONDS (per measure, default 5), BENCH_FAMILIES,
RUSH_USERS and RUSH_SECONDS scale it.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import json
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import measure  # noqa: E402
from bench.portal import Portal, PortalError  # noqa: E402

PYTHON = sys.executable
FAMILIES = int(os.environ.get("BENCH_FAMILIES", 20000))
SECONDS = float(os.environ.get("BENCH_SECONDS", 5))
WORKERS = int(os.environ.get("BENCH_WORKERS", 2))
RUSH_USERS = int(os.environ.get("RUSH_USERS", 60))
RUSH_SECONDS = int(os.environ.get("RUSH_SECONDS", 120))
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DATABASE = os.environ.get("BENCH_DATABASE", "tutti_bench")
CONCURRENCY = (10, 50)
PASSWORD = "Demo2026x"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def psql(sql: str, database: str = "postgres") -> list[tuple]:
    import psycopg

    with psycopg.connect(f"{PG}/{database}", autocommit=True) as connection:
        rows = connection.execute(sql)
        return rows.fetchall() if rows.description else []


def environment(scratch: Path) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "PYTHONPATH": str(ROOT),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        # Persistent connections, as in production (docs/deploy.md).
        "DATABASE_URL": f"{PG}/{DATABASE}?conn_max_age=60",
        "MEDIA_ROOT": str(scratch / "media"),
        "STATIC_ROOT": str(scratch / "static"),
        "EMAIL_URL": "locmem://",
        "TASKS_BACKEND": "database",
        "GUNICORN_WORKERS": str(WORKERS),
        "GUNICORN_ACCESS_LOG": str(scratch / "access.log"),
        "GUNICORN_ERROR_LOG": str(scratch / "error.log"),
        "LOG_LEVEL": "ERROR",
    }
    if redis_answers():
        env["CACHE_URL"] = "redis://127.0.0.1:6379/7"
    return env


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return result.stdout


def start_server(env: dict, port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "extranet.wsgi"],
        cwd=ROOT,
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if (
                Portal([f"http://127.0.0.1:{port}"], retries_per_request=1).request("GET", "/healthz").status
                == 200
            ):
                return server
        except PortalError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer /healthz")


def malakoff_families(limit: int, offset: int = 0) -> list[dict]:
    rows = psql(
        f"""
        SELECT u.identifier, array_agg(s.id ORDER BY s.id)
        FROM families_family f
        JOIN extranet_site site ON site.id = f.site_id AND site.slug = 'malakoff'
        JOIN families_membership m ON m.family_id = f.id AND m.is_payer
        JOIN families_guardian g ON g.id = m.guardian_id
        JOIN extranet_user u ON u.id = g.user_id
        JOIN students_student s ON s.family_id = f.id
        WHERE f.external_reference LIKE 'GEN-%%'
        GROUP BY f.id, u.identifier ORDER BY f.id LIMIT {int(limit)} OFFSET {int(offset)}
        """,
        DATABASE,
    )
    return [{"identifier": identifier, "pupils": list(pupils)} for identifier, pupils in rows]


def page_paths(pupil: int) -> dict[str, str]:
    return {
        "Accueil": "/accueil/",
        "Famille": "/famille/",
        "Élèves": "/eleves/",
        "Identité": f"/eleves/{pupil}/",
        "Cours": f"/eleves/{pupil}/cours/",
        "Historique": f"/eleves/{pupil}/historique/",
        "Répertoire": f"/eleves/{pupil}/repertoire/",
        "Réinscription": f"/eleves/{pupil}/reinscription/",
        "Documents (élève)": f"/eleves/{pupil}/documents/",
        "Documents (famille)": "/famille/documents/",
        "Facturation": "/facturation/",
    }


def sessions(port: int, families: list[dict]) -> list[tuple[str, int]]:
    """Log each family in once: (cookie header, first pupil)."""
    logged = []
    for family in families:
        portal = Portal([f"http://127.0.0.1:{port}"])
        portal.log_in(site="malakoff", identifier=family["identifier"], password=PASSWORD)
        cookie = "; ".join(f"{key}={value}" for key, value in portal.cookies.items())
        logged.append((cookie, family["pupils"][0]))
        portal.close()
    return logged


def worker_memory(server: subprocess.Popen) -> list[float]:
    import psutil

    return [child.memory_info().rss / 2**20 for child in psutil.Process(server.pid).children()]


def pages_table(port: int, logged: list[tuple[str, int]]) -> dict:
    results: dict = {}
    for concurrency in CONCURRENCY:
        clients = logged[:concurrency]
        row = {}
        row["hello (anonyme)"] = measure(
            host="127.0.0.1",
            port=port,
            targets=[("/bench/hello/", "")],
            concurrency=concurrency,
            seconds=SECONDS,
        )
        row["hello (connecté)"] = measure(
            host="127.0.0.1",
            port=port,
            targets=[("/bench/hello/", cookie) for cookie, _ in clients],
            concurrency=concurrency,
            seconds=SECONDS,
        )
        for name in page_paths(0):
            targets = [(page_paths(pupil)[name], cookie) for cookie, pupil in clients]
            row[name] = measure(
                host="127.0.0.1", port=port, targets=targets, concurrency=concurrency, seconds=SECONDS
            )
            log(f"  {concurrency} familles, {name}: {row[name].per_second:.0f} req/s")
        results[concurrency] = row
    return results


def rush(port: int, families: list[dict], scratch: Path, env: dict) -> dict:
    path = scratch / "rush_families.json"
    path.write_text(json.dumps(families))
    started = datetime.datetime.now(datetime.UTC)
    subprocess.run(
        [
            PYTHON,
            "-m",
            "locust",
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "--host",
            f"http://127.0.0.1:{port}",
            "-u",
            str(len(families)),
            "-r",
            str(max(1, len(families) // 30)),
            "-t",
            f"{RUSH_SECONDS}s",
            "--stop-timeout",
            "30",
            "--csv",
            str(scratch / "rush"),
            "--only-summary",
            "--loglevel",
            "ERROR",
        ],
        cwd=ROOT,
        env={**env, "RUSH_FAMILIES": str(path)},
        check=False,
        stdout=subprocess.DEVNULL,
    )
    with open(scratch / "rush_stats.csv", newline="") as stats:
        total = next(row for row in csv.DictReader(stats) if row["Name"] == "Aggregated")
    window = "(SELECT id FROM reenrolment_reenrolmentwindow w WHERE w.site_id = (SELECT id FROM extranet_site WHERE slug = 'malakoff'))"
    submitted = psql(
        f"SELECT count(*) FROM reenrolment_reenrolment WHERE submitted_at >= '{started.isoformat()}' AND window_id IN {window}",
        DATABASE,
    )[0][0]
    duplicates = psql(
        "SELECT count(*) FROM (SELECT student_id, window_id FROM reenrolment_reenrolment "
        "GROUP BY 1, 2 HAVING count(*) > 1) twice",
        DATABASE,
    )[0][0]
    over_capacity = psql(
        f"""SELECT count(*) FROM (
            SELECT c.id FROM students_course c
            JOIN students_enrolment e ON e.course_id = c.id AND e.status = 'active'
            WHERE c.season_id IN (SELECT season_id FROM reenrolment_reenrolmentwindow WHERE id IN {window})
            GROUP BY c.id, c.capacity HAVING count(*) > c.capacity) full_courses""",
        DATABASE,
    )[0][0]
    uploads = psql(
        f"SELECT count(*) FROM documents_document WHERE uploaded_at >= '{started.isoformat()}'", DATABASE
    )
    return {
        "families": len(families),
        "seconds": RUSH_SECONDS,
        "requests": int(total["Request Count"]),
        "errors": int(total["Failure Count"]),
        "p50": float(total["50%"]),
        "p95": float(total["95%"]),
        "per_second": float(total["Requests/s"]),
        "dossiers": submitted,
        "dossiers_per_second": submitted / RUSH_SECONDS,
        "uploads": uploads[0][0] if uploads else 0,
        "duplicates": duplicates,
        "over_capacity": over_capacity,
    }


def machine() -> str:
    cpu = "?"
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    postgres = psql("SHOW server_version")[0][0]
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB RAM, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, PostgreSQL {postgres}; load average at the end {load}"
    )


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def render(pages: dict, rush_result: dict, inprocess: dict, memory: list[float], info: dict) -> str:
    lines = [
        f"## Tutti bench, {info['date']}",
        "",
        f"Machine: {info['machine']}. Load generator on the same machine (loopback).",
        f"Server: gunicorn, {WORKERS} sync workers, production settings, sessions {info['sessions']}; "
        f"{info['families']} seeded families. Each measure: {SECONDS:.0f} s after 1 s of warm-up.",
        "",
        "### Family pages next to the hello view",
        "",
        "| page | "
        + " | ".join(f"{c} fam.: req/s | p50 ms | p95 ms | × hello conn." for c in CONCURRENCY)
        + " |",
        "| --- | " + " | ".join("---: | ---: | ---: | ---:" for _ in CONCURRENCY) + " |",
    ]
    for name in pages[CONCURRENCY[0]]:
        cells = []
        for concurrency in CONCURRENCY:
            row = pages[concurrency]
            result, hello = row[name], row["hello (connecté)"]
            cells.append(
                f"{result.per_second:.0f} | {ms(result.p50)} | {ms(result.p95)} | "
                f"{result.per_second / hello.per_second:.2f}"
                + (f" ({result.errors} err.)" if result.errors else "")
            )
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    for concurrency in CONCURRENCY:
        row = pages[concurrency]
        lines.append(
            f"\nAt {concurrency} families: logged-in hello = "
            f"{row['hello (connecté)'].per_second / row['hello (anonyme)'].per_second:.2f} × anonymous hello."
        )
    lines += [
        "",
        f"### Opening rush (Locust, headless, {rush_result['families']} families, {rush_result['seconds']} s)",
        "",
        "| requests | errors | req/s | p50 ms | p95 ms | dossiers | dossiers/s | uploads | duplicate dossiers | courses over capacity |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {rush_result['requests']} | {rush_result['errors']} | {rush_result['per_second']:.1f} | "
        f"{rush_result['p50']:.0f} | {rush_result['p95']:.0f} | {rush_result['dossiers']} | "
        f"{rush_result['dossiers_per_second']:.2f} | {rush_result['uploads']} | {rush_result['duplicates']} | "
        f"{rush_result['over_capacity']} |",
        "",
        "### Queries per family page",
        "",
        "| page | 1 pupil | 6 pupils |",
        "| --- | ---: | ---: |",
    ]
    for name, (one, six) in inprocess["queries"].items():
        lines.append(f"| {name} | {one} | {six} |")
    lines += [
        "",
        f"### Secretariat lists and searches ({info['families']} families; server time, best of 3)",
        "",
        "| list | ms |",
        "| --- | ---: |",
    ]
    for name, value in inprocess["admin"].items():
        lines.append(f"| {name} | {value:.0f} |")
    costs = inprocess.get("costs")
    if costs:
        anonymous = costs["requests"]["hello (anonyme)"]["cpu_ms"]
        lines += [
            "",
            "### One request in-process (no HTTP: CPU of the Django process, stable on a busy machine)",
            "",
            "| page | CPU ms | × anonymous hello | queries | cache calls |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for name, cost in costs["requests"].items():
            ratio = anonymous / cost["cpu_ms"] if cost["cpu_ms"] else 0
            lines.append(
                f"| {name} | {cost['cpu_ms']:.2f} | {ratio:.2f} | {cost['queries']} | {cost['cache_calls']} |"
            )
        for name, render_cost in costs["renders"].items():
            lines.append(
                f"\n{name}: template rendering {render_cost['render_ms']:.1f} ms of "
                f"{render_cost['request_ms']:.1f} ms per request."
            )
    logins = inprocess["logins"]
    lines += [
        "",
        "### Logins and memory",
        "",
        f"- Password hasher {logins['hasher']}: {logins['cpu_ms']:.0f} ms CPU, {logins['wall_ms']:.0f} ms wall per "
        f"check: **{logins['per_core']:.1f} logins/s per core**.",
        f"- Memory per gunicorn worker after the page measures: {', '.join(f'{value:.0f} MiB' for value in memory)}.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    began = time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix="tutti-bench-"))
    (scratch / "media").mkdir()
    env = environment(scratch)
    log(f"scratch database {DATABASE}, files in {scratch}")
    psql(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{DATABASE}"')
    server = worker = None
    try:
        manage(env, "migrate", "--no-input", "-v", "0")
        log(f"seeding the demo and {FAMILIES} families")
        manage(env, "seed_demo", "--force", "-v", "0")
        manage(env, "seed_demo", "--force", "-v", "0", "--families", str(FAMILIES))
        manage(env, "collectstatic", "--no-input", "-v", "0")
        port = free_port()
        server = start_server(env, port)
        worker = subprocess.Popen(
            [PYTHON, "manage.py", "db_worker", "--queue-name", "*", "--no-reload", "-v", "0"],
            cwd=ROOT,
            env=env,
        )
        log(f"gunicorn on 127.0.0.1:{port}; logging in {max(CONCURRENCY)} families")
        logged = sessions(port, malakoff_families(max(CONCURRENCY)))
        pages = pages_table(port, logged)
        memory = worker_memory(server)
        log(f"rush: {RUSH_USERS} families for {RUSH_SECONDS} s")
        rush_result = rush(port, malakoff_families(RUSH_USERS, offset=max(CONCURRENCY)), scratch, env)
        log("queries per page, secretariat lists, password hasher")
        inprocess = json.loads(
            subprocess.run(
                [PYTHON, "bench/inprocess.py"], cwd=ROOT, env=env, check=True, capture_output=True, text=True
            ).stdout
        )
        info = {
            "date": datetime.date.today().isoformat(),
            "machine": machine(),
            "sessions": "cached_db + Redis" if "CACHE_URL" in env else "in the database",
            "families": f"{FAMILIES:,}".replace(",", " "),
        }
        table = render(pages, rush_result, inprocess, memory, info)
        table += f"\n`make bench` took {(time.monotonic() - began) / 60:.1f} minutes.\n"
        print(table)
        results = ROOT / "bench" / "RESULTS.md"
        header = "# Benchmark results\n\nWritten by `make bench` (bench/run.py); the newest run first.\n\n"
        previous = results.read_text().split("\n", 4)[-1] if results.exists() else ""
        previous = previous[previous.find("## ") :] if "## " in previous else ""
        results.write_text(header + table + "\n" + previous)
    finally:
        for process in (worker, server):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
        psql(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


if __name__ == "__main__":
    main()
