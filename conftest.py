import pytest
from django.core.cache import cache
from django.utils import translation


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Each test writes uploaded files to its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: throttle counters do not carry over between tests."""
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language(settings):
    """Each test starts in French, the site's language. A request in English activates
    English for the rest of the thread (LocaleMiddleware never deactivates it), so without
    this a test's outcome would depend on which test ran before it on the same worker."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


def pytest_collection_modifyitems(items):
    """Transactional tests end by emptying every table, including the reference data that
    migrations load (civilities, payment means, document types…). Serialized rollback puts
    it back, so every test, whatever ran before it, sees the database migrations built."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        transactional = (marker is not None and marker.kwargs.get("transaction")) or bool(
            {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
        )
        if transactional:
            kwargs = dict(marker.kwargs) if marker is not None else {}
            kwargs.update(transaction=True, serialized_rollback=True)
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)
