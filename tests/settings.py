"""Test configuration: production settings plus what makes tests fast and hermetic."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
# A developer's .env (DEBUG=1, another database…) never reaches the tests.
os.environ["TUTTI_ENV_FILE"] = ""

from extranet.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests read django.core.mail.outbox right after the on-commit callbacks: tasks run inline
# (the worker's own tests switch to the database backend).
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "QUEUES": ["default", "emails", "pdfs"],
    }
}
MEDIA_ROOT = tempfile.mkdtemp(prefix="tutti-test-media-")
# WhiteNoise reads STATIC_ROOT at start-up; tests never run collectstatic.
STATIC_ROOT = tempfile.mkdtemp(prefix="tutti-test-static-")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# Card payments through eopayment's dummy backend only: tests never call a real provider.
PAYMENTS_ONLINE_PROVIDERS = {"*": {"backend": "dummy"}}
PAYMENTS_SEPA_DIR = tempfile.mkdtemp(prefix="tutti-test-sepa-")
