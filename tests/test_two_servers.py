"""Two gunicorn servers on one PostgreSQL serve the same families; one stops mid-way; nothing is lost.

The servers run the production settings (extranet.settings, DEBUG off, WhiteNoise's manifest),
share the database (sessions included) and one MEDIA_ROOT, the way two machines share a
database server and a network file system. Families go through both at once (every request to
the next server, as a load balancer would), logging in, uploading a document and re-enrolling
each pupil; half-way, server A is stopped (SIGTERM: gunicorn finishes what it accepted, then
refuses connections, and the families' requests go to B). Loopback only, bounded in families,
requests and time.
"""

from __future__ import annotations

import os
import queue
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.management import call_command
from django.db import connection

from bench.portal import Portal, PortalError
from documents.models import Document
from extranet.base.models import User
from families.models import Family
from reenrolment.models import Reenrolment
from students.models import Student

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="two servers share one PostgreSQL"),
]

BASE_DIR = Path(__file__).resolve().parents[1]
FAMILIES = 12
CLIENTS = 4
PASSWORD = "Demo2026x"
# A guard against a hung server, not a speed check: on a quiet machine the load takes ~20 s, on
# a busy one several times that, and the outcome must not depend on it.
DEADLINE = 300


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(tmp_path: Path) -> dict:
    database = connection.settings_dict
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "extranet.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "EMAIL_URL": "locmem://",
        "TASKS_BACKEND": "database",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_ACCESS_LOG": str(tmp_path / "access.log"),
        "GUNICORN_ERROR_LOG": str(tmp_path / "error.log"),
    }


def start_server(env: dict, port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "extranet.wsgi"],
        cwd=BASE_DIR,
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_until_up(port: int, server: subprocess.Popen, *, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server stopped during start-up"
        try:
            answer = Portal([f"http://127.0.0.1:{port}"], retries_per_request=1).request("GET", "/healthz")
            if answer.status == 200:
                return
        except PortalError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"server on port {port} did not answer /healthz")


def families_to_serve() -> list[tuple[str, list[int]]]:
    """Generated Malakoff families (the site whose window is open) with at least one pupil."""
    chosen = []
    for family in Family.objects.filter(
        site__slug="malakoff", external_reference__startswith="GEN-"
    ).order_by("pk"):
        pupils = list(Student.objects.filter(family=family).values_list("pk", flat=True))
        login = User.objects.filter(guardian__memberships__family=family).order_by("pk").first()
        if pupils and login is not None:
            chosen.append((login.identifier, pupils))
    return chosen


@pytest.fixture
def two_servers(tmp_path):
    env = server_env(tmp_path)
    (tmp_path / "media").mkdir()
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
        timeout=120,
    )
    ports = [free_port(), free_port()]
    servers = [start_server(env, port) for port in ports]
    try:
        for port, server in zip(ports, servers, strict=True):
            wait_until_up(port, server)
        yield ports, servers
    finally:
        for server in servers:
            if server.poll() is None:
                server.terminate()
        for server in servers:
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()


def test_two_servers_lose_no_submission_and_no_upload_when_one_stops(two_servers, tmp_path):
    call_command("seed_demo", families=FAMILIES * 2, force=True, verbosity=0)
    served = families_to_serve()[:FAMILIES]
    assert len(served) >= FAMILIES // 2
    hasher = Argon2PasswordHasher()
    User.objects.filter(identifier__in=[identifier for identifier, _ in served]).update(
        password=hasher.encode(PASSWORD, hasher.salt())
    )
    documents_before = Document.objects.count()
    (port_a, port_b), (server_a, _server_b) = two_servers
    addresses = [f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"]

    todo: queue.Queue = queue.Queue()
    for item in served:
        todo.put(item)
    done, errors, failovers = [], [], []
    half_done = threading.Event()
    started = time.monotonic()

    def family_at_work():
        while time.monotonic() - started < DEADLINE:
            try:
                identifier, pupils = todo.get_nowait()
            except queue.Empty:
                return
            portal = Portal(addresses, timeout=20)
            try:
                portal.log_in(site="malakoff", identifier=identifier, password=PASSWORD)
                portal.get("/accueil/")
                assert portal.student_ids() == sorted(pupils)
                portal.upload_family_document()
                for pupil in pupils:
                    portal.submit_reenrolment(pupil)
                done.append(identifier)
            except (PortalError, AssertionError) as error:
                errors.append(f"{identifier}: {error}")
            finally:
                failovers.append(portal.failovers)
                portal.close()
            if len(done) >= len(served) // 2:
                half_done.set()

    clients = [threading.Thread(target=family_at_work) for _ in range(CLIENTS)]
    for client in clients:
        client.start()
    assert half_done.wait(timeout=DEADLINE), f"half the families never finished: {errors}"
    server_a.send_signal(signal.SIGTERM)  # server A stops in the middle of the load
    server_a.wait(timeout=30)
    for client in clients:
        client.join(timeout=DEADLINE)

    assert errors == []
    assert sorted(done) == sorted(identifier for identifier, _ in served)
    assert sum(failovers) > 0, "every family after the stop went to server B"
    # No upload lost: one new document per family, its file on the shared disk.
    new_documents = Document.objects.order_by("pk")[documents_before:]
    assert len(new_documents) == len(served)
    for document in new_documents:
        assert (tmp_path / "media" / document.file.name).stat().st_size > 0
    # No submission lost or doubled: one submitted dossier per pupil.
    pupils = [pupil for _, ids in served for pupil in ids]
    dossiers = Reenrolment.objects.filter(student_id__in=pupils)
    assert dossiers.count() == len(pupils)
    assert all(dossier.submitted_at is not None for dossier in dossiers)
