"""More than one server: sessions, caches and uploaded files where every server finds them."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from extranet.base.env import cache_is_shared, parse_cache_url

BASE_DIR = Path(__file__).resolve().parents[2]
SHOW = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({
    "cache": settings.CACHES["default"]["BACKEND"],
    "location": settings.CACHES["default"].get("LOCATION"),
    "session": settings.SESSION_ENGINE,
    "storage": settings.STORAGES["default"]["BACKEND"],
    "storage_options": settings.STORAGES["default"].get("OPTIONS", {}),
    "tasks": settings.TASKS["default"]["BACKEND"],
}))
"""


def configured(tmp_path, **variables) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "extranet.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "DEBUG": "1",
        **variables,
    }
    return subprocess.run(
        [sys.executable, "-c", SHOW], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )


def settings_for(tmp_path, **variables) -> dict:
    result = configured(tmp_path, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("url", "backend", "shared"),
    [
        (None, "django.core.cache.backends.locmem.LocMemCache", False),
        ("redis://127.0.0.1:6379/1", "extranet.base.cache.RedisCache", True),
        ("rediss://cache.example.fr:6380/0", "extranet.base.cache.RedisCache", True),
        ("db://tutti_cache", "django.core.cache.backends.db.DatabaseCache", True),
        ("dummy://", "django.core.cache.backends.dummy.DummyCache", False),
    ],
)
def test_cache_url_chooses_the_cache(url, backend, shared):
    cache = parse_cache_url("CACHE_URL", url)
    assert cache["BACKEND"] == backend
    assert cache_is_shared(cache) is shared


@pytest.mark.parametrize("url", ["memcached://x", "redis://", "db://not-a-table"])
def test_a_bad_cache_url_names_the_variable(url):
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL"):
        parse_cache_url("CACHE_URL", url)


def test_by_default_sessions_are_in_the_database_every_server_shares(tmp_path):
    found = settings_for(tmp_path)
    assert found["session"] == "django.contrib.sessions.backends.db"
    assert found["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert found["storage"] == "django.core.files.storage.FileSystemStorage"
    assert found["tasks"] == "django_tasks.backends.immediate.ImmediateBackend"  # the demo


def test_with_redis_sessions_are_read_through_the_shared_cache(tmp_path):
    found = settings_for(tmp_path, CACHE_URL="redis://127.0.0.1:6379/3")
    assert found["cache"] == "extranet.base.cache.RedisCache"
    assert found["location"] == "redis://127.0.0.1:6379/3"
    # Django's cached_db, reading the session and its user's identity in one round trip.
    assert found["session"] == "extranet.base.sessions"


def test_cached_sessions_refuse_a_cache_of_one_process(tmp_path):
    result = configured(tmp_path, SESSION_BACKEND="cached_db")
    assert result.returncode != 0
    assert "SESSION_BACKEND=cached_db needs a cache every process shares" in result.stderr


def test_uploaded_files_can_go_to_a_private_s3_bucket(tmp_path):
    found = settings_for(
        tmp_path,
        FILE_STORAGE="s3",
        S3_BUCKET="tutti-documents",
        S3_ENDPOINT_URL="https://s3.example.fr",
        S3_ACCESS_KEY_ID="key",
        S3_SECRET_ACCESS_KEY="secret",
    )
    assert found["storage"] == "storages.backends.s3.S3Storage"
    options = found["storage_options"]
    assert (options["bucket_name"], options["endpoint_url"]) == ("tutti-documents", "https://s3.example.fr")
    assert (options["default_acl"], options["querystring_auth"], options["querystring_expire"]) == (
        "private",
        True,
        60,
    )


def test_s3_without_a_bucket_stops_start_up(tmp_path):
    result = configured(tmp_path, FILE_STORAGE="s3")
    assert result.returncode != 0
    assert "S3_BUCKET" in result.stderr


def test_production_queues_tasks_in_the_database(tmp_path):
    found = settings_for(tmp_path, DEBUG="0", SECRET_KEY="x" * 60, ALLOWED_HOSTS="tutti.example.fr")
    assert found["tasks"] == "django_tasks_db.DatabaseBackend"
