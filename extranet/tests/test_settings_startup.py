"""Start-up stops with a message naming the variable when the environment is wrong."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
SETUP = "import django; django.setup()"


def start(tmp_path, **variables) -> subprocess.CompletedProcess:
    """Start Django in a fresh process with only these variables (plus PATH and HOME)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "extranet.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        **variables,
    }
    return subprocess.run(
        [sys.executable, "-c", SETUP], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )


def test_a_good_environment_starts(tmp_path):
    result = start(tmp_path, DEBUG="1")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "url", ["mysql://x", "postgres://host:notaport/db", "sqlite://relative", "postgres://host:5432/"]
)
def test_a_bad_database_url_stops_start_up_naming_it(tmp_path, url):
    result = start(tmp_path, DEBUG="1", DATABASE_URL=url)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DATABASE_URL" in result.stderr


def test_a_bad_debug_value_stops_start_up_naming_it(tmp_path):
    result = start(tmp_path, DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_production_without_a_secret_key_stops_start_up_naming_it(tmp_path):
    result = start(tmp_path, DEBUG="0", ALLOWED_HOSTS="tutti.example.fr")
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_a_bad_email_url_stops_start_up_naming_it(tmp_path):
    result = start(tmp_path, DEBUG="1", EMAIL_URL="imap://mail.example.fr")
    assert result.returncode != 0
    assert "EMAIL_URL" in result.stderr


def test_a_bad_list_of_hosts_stops_start_up_naming_it(tmp_path):
    result = start(tmp_path, DEBUG="1", ALLOWED_HOSTS="tutti.example.fr,")
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def manage(tmp_path, *arguments) -> subprocess.CompletedProcess:
    """Run manage.py with no DEBUG and no SECRET_KEY, as on a server before it is configured."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_checking_migrations_needs_no_secret_key(tmp_path):
    result = manage(tmp_path, "makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_serving_commands_still_need_the_secret_key(tmp_path):
    result = manage(tmp_path, "check")
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr
