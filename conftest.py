import pytest
from django.core.cache import cache
from django.utils import translation

from extranet.base import sitewide


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Each test writes uploaded files to its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: throttle counters do not carry over between tests,
    nor the site-wide reads a process keeps (rows a rolled-back test wrote, say)."""
    cache.clear()
    sitewide.forget()


@pytest.fixture(autouse=True)
def _default_language(settings):
    """Each test starts in French, the site's language. A request in English activates
    English for the rest of the thread (LocaleMiddleware never deactivates it), so without
    this a test's outcome would depend on which test ran before it on the same worker."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Transactional tests end by emptying every table, including the reference data that
    migrations load (civilities, payment means, document types…). Serialized rollback puts
    it back at the start of the next transactional test, not of the next ordinary one: so,
    as Django's runner does, every transactional test runs after every ordinary database test.
    pytest-django sorts them so, but a plugin that shuffles the tests after it (pytest-randomly)
    would undo it: this hook runs last and sorts again, keeping the shuffled order inside each
    group (database tests, then transactional ones, then the tests without a database)."""
    groups = {}
    for item in items:
        marker = item.get_closest_marker("django_db")
        transactional = (marker is not None and marker.kwargs.get("transaction")) or bool(
            {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
        )
        if transactional:
            kwargs = dict(marker.kwargs) if marker is not None else {}
            kwargs.update(transaction=True, serialized_rollback=True)
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)
            groups[item] = 1
        elif marker is not None or "db" in getattr(item, "fixturenames", ()):
            groups[item] = 0
        else:
            groups[item] = 2
    items.sort(key=groups.__getitem__)
