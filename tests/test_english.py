"""English is really available: a complete English catalogue, and the portal switches to it.

Tutti is French first: every msgid is the French text, and locale/en/LC_MESSAGES/django.po
holds the English. These tests read that .po with a small parser (no extra dependency),
check it with msgfmt when gettext is installed, and check that Django serves its translations.
"""

import re
import shutil
import subprocess
from gettext import GNUTranslations
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from extranet.base.po import Entry, read_po

PO_PATH = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"

PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sdif]|%[sdif]")
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


@pytest.fixture(scope="module")
def catalogue():
    assert PO_PATH.exists(), f"{PO_PATH} is missing: run makemessages -l en and translate it."
    return read_po(PO_PATH)


def _where(entry: Entry) -> str:
    return f"django.po:{entry.line} {entry.msgid!r}"


def test_the_english_catalogue_is_declared_as_english(catalogue):
    header, entries = catalogue

    assert header is not None
    assert "fuzzy" not in header.flags, "The .po header is fuzzy: msgfmt would ignore its charset."
    assert "Language: en\n" in header.msgstr
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.msgstr
    assert len(entries) > 500


def test_every_entry_is_translated(catalogue):
    _header, entries = catalogue

    untranslated = [_where(entry) for entry in entries if not all(t.strip() for t in entry.translations)]

    assert untranslated == [], "Untranslated English messages:\n" + "\n".join(untranslated)


def test_no_entry_is_fuzzy(catalogue):
    _header, entries = catalogue

    fuzzy = [_where(entry) for entry in entries if "fuzzy" in entry.flags]

    assert fuzzy == [], "Fuzzy English messages (check them, then remove the flag):\n" + "\n".join(fuzzy)


def test_translations_keep_placeholders_and_html(catalogue):
    _header, entries = catalogue
    problems = []
    for entry in entries:
        if entry.msgid_plural is None:
            pairs = [(entry.msgid, entry.msgstr)]
        else:
            # The singular may leave out the count ("Document à refuser :"); the plural keeps it all.
            pairs = [(entry.msgid_plural, entry.translations[1])]
            extra = set(PLACEHOLDER.findall(entry.translations[0])) - set(
                PLACEHOLDER.findall(entry.msgid + entry.msgid_plural)
            )
            if extra:
                problems.append(f"{_where(entry)}: unknown placeholders {sorted(extra)}")
        for source, target in pairs:
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(target)):
                problems.append(f"{_where(entry)}: placeholders differ in {target!r}")
            if sorted(HTML_TAG.findall(source)) != sorted(HTML_TAG.findall(target)):
                problems.append(f"{_where(entry)}: HTML tags differ in {target!r}")
            if source.count("\n") != target.count("\n"):
                problems.append(f"{_where(entry)}: line breaks differ in {target!r}")

    assert problems == [], "\n".join(problems)


def test_translations_use_english_quotes(catalogue):
    _header, entries = catalogue

    french = [_where(entry) for entry in entries if any("«" in t or "»" in t for t in entry.translations)]

    assert french == [], "French quotation marks « » left in English text:\n" + "\n".join(french)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
def test_msgfmt_compiles_every_entry(catalogue, tmp_path):
    _header, entries = catalogue
    compiled = tmp_path / "django.mo"

    result = subprocess.run(
        ["msgfmt", "--check-format", "--check-header", "-o", str(compiled), str(PO_PATH)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    with compiled.open("rb") as stream:
        messages = GNUTranslations(stream)
    keys = {key if isinstance(key, str) else key[0] for key in messages._catalog if key != ""}
    # msgfmt leaves out fuzzy and untranslated entries: all of them must be in the .mo.
    expected = {f"{e.msgctxt}\x04{e.msgid}" if e.msgctxt else e.msgid for e in entries}
    assert keys == expected


def test_django_serves_every_english_translation(catalogue):
    """The compiled catalogue that Django loads (make messages) is the one of this .po."""
    _header, entries = catalogue
    stale = []
    with translation.override("en"):
        for entry in entries:
            if entry.msgid_plural is None:
                got = (
                    translation.pgettext(entry.msgctxt, entry.msgid)
                    if entry.msgctxt
                    else translation.gettext(entry.msgid)
                )
                if got != entry.msgstr:
                    stale.append(_where(entry))
            else:
                got = [translation.ngettext(entry.msgid, entry.msgid_plural, n) for n in (1, 2)]
                if got != entry.translations:
                    stale.append(_where(entry))

    assert stale == [], (
        "Django does not serve these English translations: recompile with `make messages` "
        "(manage.py compilemessages).\n" + "\n".join(stale)
    )


@pytest.mark.django_db
def test_login_page_in_english_for_an_english_browser(client):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<html lang="en" class="no-js">' in page
    assert "Log in" in page
    assert "Username" in page
    assert "Password" in page
    assert "Forgotten password" in page
    assert "Choose your conservatoire" in page
    assert "Family portal" in page
    assert "Se connecter" not in page
    assert "Identifiant" not in page
    assert "Mot de passe perdu" not in page


@pytest.mark.django_db
def test_login_errors_in_english_for_an_english_browser(client):
    empty = {"site": "", "username": "", "password": ""}
    page = client.post(reverse("login"), empty, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()

    assert "Choose your site." in page
    assert "Enter your username." in page
    assert "Enter your password." in page


@pytest.mark.django_db
@pytest.mark.parametrize("headers", [{}, {"HTTP_ACCEPT_LANGUAGE": "fr"}, {"HTTP_ACCEPT_LANGUAGE": "de"}])
def test_login_page_stays_french_otherwise(client, headers):
    page = client.get(reverse("login"), **headers).content.decode()

    assert '<html lang="fr" class="no-js">' in page
    assert "Se connecter" in page
    assert "Identifiant" in page
    assert "Mot de passe perdu" in page
    assert "Log in" not in page
