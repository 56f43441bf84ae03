"""Shared by the admin's browser tests: the demo conservatory with one of every admin row, the
pages enumerated from the admin registry, and a staff log-in."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse

from extranet.base.models import Site, User
from extranet.shell.demo import ADMIN_PASSWORD, SECRETARIAT_PASSWORD, build_demo
from extranet.tests.factories import SiteFactory
from extranet.tests.test_staff_sites import populate

PASSWORDS = {"secretariat": SECRETARIAT_PASSWORD, "admin": ADMIN_PASSWORD}


def demo_with_every_admin_row() -> None:
    """The demo (``seed_demo``), plus a third site holding one of everything the admin lists
    (mandates, debits, online payments, change records…), managed by Malakoff's secretariat too:
    every list and change page has rows to show."""
    build_demo()
    extra = SiteFactory(name="Conservatoire de Vanves", slug="vanves")
    populate(extra)
    User.objects.get(identifier="secretariat").managed_sites.add(extra)
    assert Site.objects.count() == 3


def changelist_urls() -> list[tuple[str, str]]:
    """(model label, list URL) of every registered admin."""
    return [
        (model._meta.label, reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
        for model in admin.site._registry
    ]


def inline_page_urls() -> list[tuple[str, str]]:
    """(what, URL) of the add page and of one change page of every registered admin that has
    inlines (an admin that never adds answers 403 on its add page). Reads the database: call it
    before Playwright starts."""
    pages = []
    for model, model_admin in admin.site._registry.items():
        if not model_admin.inlines:
            continue
        info = f"{model._meta.app_label}_{model._meta.model_name}"
        label = model._meta.label
        pages.append((f"{label} (ajout)", reverse(f"admin:{info}_add")))
        obj = model._default_manager.order_by("pk").first()
        assert obj is not None, f"{label} : aucune ligne dans les données de démonstration"
        pages.append((f"{label} (modification)", reverse(f"admin:{info}_change", args=[obj.pk])))
    return pages


def log_in_to_admin(page, base_url: str, identifier: str) -> None:
    page.goto(base_url + reverse("admin:login"))
    page.locator("#id_username").fill(identifier)
    page.locator("#id_password").fill(PASSWORDS[identifier])
    page.locator("input[type=submit]").click()
    page.get_by_role("heading", name="À traiter").wait_for()
