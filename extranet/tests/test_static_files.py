"""Static files in production: hashed, compressed names, served by WhiteNoise with long caching."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def production_env(tmp_path) -> dict:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "extranet.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(45)[:60],
        "ALLOWED_HOSTS": "tutti.example.fr",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "STATIC_ROOT": str(tmp_path / "static"),
        "SECURE_SSL_REDIRECT": "0",
    }


SERVE = """
import django
django.setup()
from django.templatetags.static import static
from django.test import Client
url = static("css/tutti.css")
response = Client(HTTP_HOST="tutti.example.fr").get(url, HTTP_ACCEPT_ENCODING="gzip")
print(url, response.status_code, response["Cache-Control"], response.get("Content-Encoding", ""), sep="|")
"""


def test_collectstatic_writes_hashed_and_compressed_files_that_whitenoise_serves(tmp_path):
    env = production_env(tmp_path)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
        timeout=300,
    )
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
    hashed = manifest["paths"]["css/tutti.css"]
    assert hashed != "css/tutti.css" and hashed.startswith("css/tutti.")
    assert (tmp_path / "static" / f"{hashed}.gz").exists()

    result = subprocess.run(
        [sys.executable, "-c", SERVE], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    url, status, cache_control, encoding = result.stdout.strip().split("|")
    assert url == f"/static/{hashed}"
    assert status == "200"
    assert "max-age=315360000" in cache_control and "immutable" in cache_control
    assert encoding in {"gzip", "br"}
