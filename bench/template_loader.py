"""CPU time of rendering one portal page's template with Django's cached loader and with Tutti's.

    . /work/wt/tasks/benv.sh   # or DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=… (seeded)
    python bench/template_loader.py [template] [rounds]

Renders ``extranet/accessibility.html`` (base.html around an almost static page) for a logged-in
family's request, alternating the two loaders, and prints the best and median CPU ms of each and
whether the HTML is the same (the CSRF token aside).
"""

from __future__ import annotations

import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.template.backends.django import DjangoTemplates  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import translation  # noqa: E402

from extranet.base.models import User  # noqa: E402
from families.models import Family  # noqa: E402

LOADERS = {
    "Django (cached)": "django.template.loaders.cached.Loader",
    "Tutti": "extranet.base.template_loader.Loader",
}
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def engine(name: str, loader: str) -> DjangoTemplates:
    options = dict(settings.TEMPLATES[0]["OPTIONS"])
    options["loaders"] = [(loader, options["loaders"][0][1])]
    return DjangoTemplates(
        {"NAME": name, "DIRS": settings.TEMPLATES[0]["DIRS"], "APP_DIRS": False, "OPTIONS": options}
    )


def main(template_name: str = "extranet/accessibility.html", rounds: int = 50) -> None:
    family = (
        Family.objects.filter(site__slug="malakoff", external_reference__startswith="GEN-")
        .annotate(pupils=Count("students"))
        .filter(pupils=1)
        .order_by("-pk")
        .first()
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(
        User.objects.filter(guardian__memberships__family=family).first(),
        backend="extranet.base.backends.SiteIdentifierBackend",
    )
    request = client.get("/accessibilite/").wsgi_request  # user, guardian and family set
    context = {"site": request.family.site, "sites": []}
    engines = {name: engine(name, loader) for name, loader in LOADERS.items()}
    times: dict[str, list[float]] = {name: [] for name in engines}
    translation.activate("fr")
    for _ in range(12):
        for name, backend in engines.items():
            template = backend.get_template(template_name)
            template.render(context, request)
            started = time.process_time()
            for _ in range(rounds):
                template.render(context, request)
            times[name].append((time.process_time() - started) / rounds * 1000)
    html = {
        name: _CSRF.sub("", backend.get_template(template_name).render(context, request))
        for name, backend in engines.items()
    }
    print(template_name)
    for name, measured in times.items():
        print(f"  {name:16} best {min(measured):.3f} ms, median {statistics.median(measured):.3f} ms CPU")
    print("  same HTML:", len(set(html.values())) == 1)


if __name__ == "__main__":
    main(*sys.argv[1:2], *(int(arg) for arg in sys.argv[2:3]))
