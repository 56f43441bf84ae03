"""The benchmark's in-process measures, printed as JSON for bench/run.py.

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=… python bench/inprocess.py

- queries per family page, for a family of 1 pupil and the same family with 6 (pupils of
  other seeded families moved in, inside a transaction that is rolled back);
- the secretariat's lists and searches (superuser, best of 3, server-side time; ``admin``: their
  CPU, SQL time and queries);
- the password hasher: logins per second per core (CPU time of one check);
- what one request costs in this process, without HTTP (``request_costs``): the hello view
  anonymous and logged in, and the family pages, in CPU ms per request with their queries and
  cache calls; and the share of Famille's and Identité's time spent rendering the template.

    DJANGO_SETTINGS_MODULE=bench.settings … python bench/inprocess.py costs   # this part only
    DJANGO_SETTINGS_MODULE=bench.settings … python bench/inprocess.py admin   # the lists' costs
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import check_password, make_password  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.template import base as template_base  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from extranet.base.models import User  # noqa: E402
from families.models import Family  # noqa: E402
from students.models import Student  # noqa: E402

BACKEND = "extranet.base.backends.SiteIdentifierBackend"


def family_pages(student_id: int) -> dict[str, str]:
    return {
        "Accueil": "/accueil/",
        "Famille": "/famille/",
        "Élèves": "/eleves/",
        "Identité": f"/eleves/{student_id}/",
        "Cours": f"/eleves/{student_id}/cours/",
        "Historique": f"/eleves/{student_id}/historique/",
        "Répertoire": f"/eleves/{student_id}/repertoire/",
        "Réinscription": f"/eleves/{student_id}/reinscription/",
        "Documents (élève)": f"/eleves/{student_id}/documents/",
        "Documents (famille)": "/famille/documents/",
        "Facturation": "/facturation/",
    }


def count_queries(client: Client, url: str) -> int:
    client.get(url)  # the first view records activity in the session; count the next one
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


def queries_per_page() -> dict[str, list[int]]:
    family = (
        Family.objects.filter(site__slug="malakoff", external_reference__startswith="GEN-")
        .annotate(pupils=Count("students"))
        .filter(pupils=1)
        .order_by("-pk")
        .first()
    )
    student = Student.objects.filter(family=family).get()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.filter(guardian__memberships__family=family).first(), backend=BACKEND)
    pages = family_pages(student.pk)
    one = {name: count_queries(client, url) for name, url in pages.items()}
    with transaction.atomic():
        others = (
            Student.objects.filter(family__site=family.site, family__external_reference__startswith="GEN-")
            .exclude(family=family)
            .order_by("pk")
            .values_list("pk", flat=True)[:5]
        )
        Student.objects.filter(pk__in=list(others)).update(family=family)
        six = {name: count_queries(client, url) for name, url in pages.items()}
        transaction.set_rollback(True)
    return {name: [one[name], six[name]] for name in pages}


ADMIN = {
    "Familles (liste)": "/admin/families/family/",
    "Familles : recherche d'un nom": "/admin/families/family/?q=martin",
    "Familles : recherche d'un identifiant": "/admin/families/family/?q=gen0012345.1",
    "Responsables (liste)": "/admin/families/guardian/",
    "Responsables : recherche": "/admin/families/guardian/?q=dupont",
    "Élèves (liste)": "/admin/students/student/",
    "Élèves : recherche": "/admin/students/student/?q=lucas",
    "Dossiers de réinscription (liste)": "/admin/reenrolment/reenrolment/",
    "Dossiers de réinscription : recherche": "/admin/reenrolment/reenrolment/?q=martin",
    "Documents (liste)": "/admin/documents/document/",
    "Documents : recherche": "/admin/documents/document/?q=martin&state=all",
}


def _admin_client() -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.filter(is_superuser=True, site=None).first())
    return client


def admin_lists(rounds: int = 3) -> dict[str, float]:
    """Server time of each list, best of ``rounds`` (ms): what the secretariat waits for."""
    client = _admin_client()
    timings = {}
    for name, url in ADMIN.items():
        client.get(url)
        best = float("inf")
        for _ in range(rounds):
            started = time.perf_counter()
            response = client.get(url)
            best = min(best, time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
        timings[name] = best * 1000
    return timings


def admin_costs(rounds: int = 10) -> dict[str, dict[str, float]]:
    """Each list's cost, steadier than wall time on a busy machine: the Django process's CPU (best
    of ``rounds``), the time PostgreSQL reported for the queries (``sql_ms``, best of ``rounds``)
    and the number of queries.

        DJANGO_SETTINGS_MODULE=bench.settings … python bench/inprocess.py admin   # this part only
    """
    client = _admin_client()
    costs = {}
    for name, url in ADMIN.items():
        client.get(url)
        cpu = wall = sql = float("inf")
        for _ in range(rounds):
            started_cpu, started = time.process_time(), time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            wall = min(wall, time.perf_counter() - started)
            cpu = min(cpu, time.process_time() - started_cpu)
            sql = min(sql, sum(float(query["time"]) for query in queries.captured_queries))
            count = len(queries)
        assert response.status_code == 200, (url, response.status_code)
        costs[name] = {"wall_ms": wall * 1000, "cpu_ms": cpu * 1000, "sql_ms": sql * 1000, "queries": count}
    return costs


def logins_per_core(rounds: int = 10) -> dict[str, float]:
    encoded = make_password("Demo2026x")
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(rounds):
        assert check_password("Demo2026x", encoded)
    cpu, wall = (time.process_time() - cpu) / rounds, (time.perf_counter() - wall) / rounds
    return {
        "hasher": encoded.split("$", 1)[0],
        "cpu_ms": cpu * 1000,
        "wall_ms": wall * 1000,
        "per_core": 1 / cpu,
    }


class _CacheCalls:
    """Counts calls to the default cache (get, get_many, set…) while active."""

    NAMES = ("get", "get_many", "set", "set_many", "add", "delete", "delete_many", "incr", "touch")

    def __init__(self):
        self.count = 0

    def __enter__(self):
        target = caches["default"]
        for name in self.NAMES:
            original = getattr(target, name)

            def counted(*args, _original=original, **kwargs):
                self.count += 1
                return _original(*args, **kwargs)

            setattr(target, name, counted)
        self._target = target
        return self

    def __exit__(self, *exc):
        for name in self.NAMES:
            delattr(self._target, name)


def _per_request(client: Client, url: str, rounds: int) -> dict[str, float]:
    client.get(url)
    client.get(url)
    with CaptureQueriesContext(connection) as queries, _CacheCalls() as calls:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    query_count = len(queries)  # read now: the next request clears the connection's log
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(rounds):
        client.get(url)
    cpu, wall = (time.process_time() - cpu) / rounds, (time.perf_counter() - wall) / rounds
    return {"cpu_ms": cpu * 1000, "wall_ms": wall * 1000, "queries": query_count, "cache_calls": calls.count}


def _render_share(client: Client, url: str, rounds: int) -> dict[str, float]:
    """Time spent in Template.render (the page's template, includes and filters) per request."""
    spent = [0.0]
    original = template_base.Template.render
    depth = [0]

    def timed(self, context):
        depth[0] += 1
        started = time.perf_counter()
        try:
            return original(self, context)
        finally:
            depth[0] -= 1
            if depth[0] == 0:
                spent[0] += time.perf_counter() - started

    client.get(url)
    template_base.Template.render = timed
    try:
        wall = time.perf_counter()
        for _ in range(rounds):
            client.get(url)
        wall = time.perf_counter() - wall
    finally:
        template_base.Template.render = original
    return {"render_ms": spent[0] / rounds * 1000, "request_ms": wall / rounds * 1000}


def request_costs(rounds: int = 200) -> dict:
    family = (
        Family.objects.filter(site__slug="malakoff", external_reference__startswith="GEN-")
        .annotate(pupils=Count("students"))
        .filter(pupils=1)
        .order_by("-pk")
        .first()
    )
    student = Student.objects.filter(family=family).get()
    anonymous = Client(HTTP_HOST="127.0.0.1")
    logged_in = Client(HTTP_HOST="127.0.0.1")
    logged_in.force_login(User.objects.filter(guardian__memberships__family=family).first(), backend=BACKEND)
    costs = {
        "hello (anonyme)": _per_request(anonymous, "/bench/hello/", rounds),
        "hello (connecté)": _per_request(logged_in, "/bench/hello/", rounds),
    }
    for name, url in family_pages(student.pk).items():
        costs[name] = _per_request(logged_in, url, max(rounds // 10, 10))
    renders = {
        name: _render_share(logged_in, url, max(rounds // 10, 10))
        for name, url in (("Famille", "/famille/"), ("Identité", f"/eleves/{student.pk}/"))
    }
    return {"requests": costs, "renders": renders}


if __name__ == "__main__":
    if sys.argv[1:] == ["costs"]:
        print(json.dumps(request_costs(), indent=1, ensure_ascii=False))
    elif sys.argv[1:] == ["admin"]:
        print(json.dumps(admin_costs(), indent=1, ensure_ascii=False))
    else:
        print(
            json.dumps(
                {
                    "queries": queries_per_page(),
                    "admin": admin_lists(),
                    "logins": logins_per_core(),
                    "costs": request_costs(),
                }
            )
        )
