import os

import pytest

# Playwright's sync API runs an event loop in the test thread; Django refuses database calls
# from a thread with a running loop unless told it is safe (the browser tests only drive the
# live server and set up data synchronously).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, started with a MEDIA_URL.

    Uploaded files have no public URL in Tutti (MEDIA_URL = None), but Django's live server
    wraps its handler in a media handler that cannot start without one. The path below only
    exists in this test server; the portal itself never links to it.
    """
    from django.test.utils import override_settings
    from pytest_django.live_server_helper import LiveServer

    address = (
        request.config.getvalue("liveserver") or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost"
    )
    with override_settings(MEDIA_URL="/test-live-server-media/"):
        server = LiveServer(address)
    request.addfinalizer(server.stop)
    return server
