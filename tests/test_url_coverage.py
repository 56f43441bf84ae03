"""Every URL of the project is covered by an access test (anonymous, other family, staff only).

Each app lists what its ``<app>/tests/test_access.py`` covers in ``COVERED_URLS``; the admin's
own URLs (the ones Django, or a library such as django-axes, builds for every registered model)
are covered by extranet's test that families are refused from /admin/. A custom admin URL (the
document desk, the re-enrolment decisions…) is the project's own: it needs its access test.
"""

import importlib
from pathlib import Path

from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver

ADMIN_NAMESPACE = "admin"
PROJECT_PACKAGES = ("extranet", "families", "students", "documents", "reenrolment", "billing")


def named_patterns(resolver=None, namespace="", route=""):
    """(name, route) of every URL pattern, names prefixed with their namespaces."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from named_patterns(entry, inner, route + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield (f"{namespace}{entry.name}" if entry.name else None), route + str(entry.pattern)


def covered_urls() -> set[str]:
    covered = set()
    for path in sorted(Path(settings.BASE_DIR).glob("*/tests/test_access.py")):
        module = importlib.import_module(f"{path.parent.parent.name}.tests.test_access")
        covered |= set(getattr(module, "COVERED_URLS", set()))
    return covered


def _library_admin_class(model_admin) -> type:
    """The nearest class of ``model_admin`` that Django or a library wrote (not the project)."""
    for cls in type(model_admin).__mro__:
        if issubclass(cls, admin.ModelAdmin) and not cls.__module__.startswith(PROJECT_PACKAGES):
            return cls
    return admin.ModelAdmin


def library_admin_names() -> set[str]:
    """Admin URL names that Django or a library builds, not the project."""
    names = {f"{ADMIN_NAMESPACE}:{p.name}" for p in admin.AdminSite().get_urls() if getattr(p, "name", None)}
    names.add(f"{ADMIN_NAMESPACE}:app_list")  # added by the site once a model is registered
    for model, model_admin in admin.site._registry.items():
        library_admin = _library_admin_class(model_admin)(model, admin.site)
        names |= {f"{ADMIN_NAMESPACE}:{p.name}" for p in library_admin.get_urls() if p.name}
    return names


def custom_admin_names() -> set[str]:
    admin_names = {
        name for name, _route in named_patterns() if (name or "").startswith(f"{ADMIN_NAMESPACE}:")
    }
    return admin_names - library_admin_names()


def project_patterns():
    custom = custom_admin_names()
    return [
        (name, route)
        for name, route in named_patterns()
        if not (name or "").startswith(f"{ADMIN_NAMESPACE}:") or name in custom
    ]


def test_every_url_pattern_has_a_name():
    unnamed = [route for name, route in project_patterns() if name is None and not route.startswith("admin/")]

    assert unnamed == [], f"URL patterns without a name cannot be covered: {unnamed}"


def test_every_named_url_is_covered_by_an_access_test():
    names = {name for name, _route in project_patterns() if name}

    missing = sorted(names - covered_urls())

    assert missing == [], (
        f"URLs with no access test (add them to an app's tests/test_access.py COVERED_URLS): {missing}"
    )


def test_covered_urls_all_exist():
    names = {name for name, _route in named_patterns() if name}

    assert sorted(covered_urls() - names) == []


def test_the_custom_admin_urls_are_held_to_an_access_test():
    custom = custom_admin_names()

    assert {
        "admin:documents_document_desk",
        "admin:documents_document_validate",
        "admin:documents_document_refuse",
        "admin:reenrolment_reenrolment_decision",
    } <= custom
    assert "admin:families_family_changelist" not in custom  # Django's own, covered below
    assert custom <= {name for name, _route in project_patterns()}


def test_the_admin_is_covered_by_the_families_refused_test():
    from extranet.tests import test_access

    assert hasattr(test_access, "test_families_are_refused_from_the_admin")
    assert any(name.startswith("admin:") for name, _route in named_patterns())
