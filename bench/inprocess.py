"""The benchmark's in-process measures, printed as JSON for bench/run.py.

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=… python bench/inprocess.py

- queries per family page, for a family of 1 pupil and the same family with 6 (pupils of
  other seeded families moved in, inside a transaction that is rolled back);
- the secretariat's lists and searches (superuser, best of 3, server-side time);
- the password hasher: logins per second per core (CPU time of one check).
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
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
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
    "Responsables : recherche": "/admin/families/guardian/?q=dupont",
    "Élèves (liste)": "/admin/students/student/",
    "Élèves : recherche": "/admin/students/student/?q=lucas",
    "Dossiers de réinscription (liste)": "/admin/reenrolment/reenrolment/",
    "Documents (liste)": "/admin/documents/document/",
}


def admin_lists() -> dict[str, float]:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.filter(is_superuser=True, site=None).first())
    timings = {}
    for name, url in ADMIN.items():
        client.get(url)
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            response = client.get(url)
            best = min(best, time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
        timings[name] = best * 1000
    return timings


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


if __name__ == "__main__":
    print(json.dumps({"queries": queries_per_page(), "admin": admin_lists(), "logins": logins_per_core()}))
