"""Every URL of the project is covered by an access test (anonymous, other family, staff only).

Each app lists what its ``<app>/tests/test_access.py`` covers in ``COVERED_URLS``; the admin's
own URLs are covered by extranet's test that families are refused from /admin/.
"""

import importlib
from pathlib import Path

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

ADMIN_NAMESPACE = "admin"


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


def project_patterns():
    return [
        (name, route)
        for name, route in named_patterns()
        if not (name or "").startswith(f"{ADMIN_NAMESPACE}:")
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


def test_the_admin_is_covered_by_the_families_refused_test():
    from extranet.tests import test_access

    assert hasattr(test_access, "test_families_are_refused_from_the_admin")
    assert any(name.startswith("admin:") for name, _route in named_patterns())
