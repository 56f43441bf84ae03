"""The Nu Html Checker (vnu.jar, the W3C validator) on every page and state the axe test visits.

RGAA 8.2 asks for valid code. The checker runs on the machine's Java from the ``vnu-jar`` npm
package, which ``.ci/run`` installs into ``var/vnu`` when it is missing; ``VNU_JAR`` points at
another copy. Nothing is sent over the network: the pages are written to files and checked
in one run of the checker.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from tests.browser import chromium_page, log_in
from tests.pages import PAGES, make_portal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DEFAULT_VNU_JAR = (
    Path(settings.BASE_DIR) / "var" / "vnu" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
)


def vnu_jar() -> Path:
    jar = Path(os.environ.get("VNU_JAR") or DEFAULT_VNU_JAR)
    if jar.is_file() and shutil.which("java"):
        return jar
    message = f"Nu Html Checker introuvable ({jar}) ou Java absent : lancez .ci/run ou « npm install --prefix var/vnu vnu-jar »."
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def check_html(jar: Path, folder: Path) -> dict[str, list[str]]:
    """Errors per file name, as "line N: message" (warnings and info are left out)."""
    result = subprocess.run(
        [
            "java",
            "-Xss1m",
            "-jar",
            str(jar),
            "--errors-only",
            "--format",
            "json",
            "--exit-zero-always",
            str(folder),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    errors: dict[str, list[str]] = {}
    for message in json.loads(result.stderr or result.stdout)["messages"]:
        if message.get("type") != "error":
            continue
        name = Path(message.get("url", "")).name
        errors.setdefault(name, []).append(f"ligne {message.get('lastLine', '?')} : {message['message']}")
    return errors


def test_every_family_page_is_valid_html(live_server, tmp_path):
    jar = vnu_jar()
    folder = tmp_path / "pages"
    folder.mkdir()
    portal = make_portal()
    anonymous = [(name, reach) for name, logged_in, reach in PAGES if not logged_in]
    family = [(name, reach) for name, logged_in, reach in PAGES if logged_in]
    with chromium_page(360, 740) as page:
        for name, reach in anonymous:
            reach(page, live_server.url, portal)
            (folder / f"{name}.html").write_text(page.content(), encoding="utf-8")
        log_in(page, live_server.url, portal.identifier)
        for name, reach in family:
            reach(page, live_server.url, portal)
            (folder / f"{name}.html").write_text(page.content(), encoding="utf-8")

    errors = check_html(jar, folder)

    assert len(list(folder.glob("*.html"))) == len(PAGES)
    assert not errors, "Nu Html Checker :\n" + "\n".join(
        f"- {name} : {message}" for name, messages in sorted(errors.items()) for message in messages
    )
