"""French counts: "0 famille", "1 famille", "2 familles" (the French rule, not the English one)."""

import io

import pytest
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import ngettext

from extranet.base.management.commands.french_plurals import french_catalogue, french_path
from extranet.base.po import read_po


def test_the_french_catalogue_is_up_to_date_with_the_msgids():
    assert french_path().read_text(encoding="utf-8") == french_catalogue(), (
        "locale/fr is out of date: run `make catalogues` (or manage.py french_plurals)"
    )


def test_every_plural_translates_to_itself_under_the_french_rule():
    header, entries = read_po(french_path())
    assert "plural=(n > 1)" in header.msgstr
    assert len(entries) >= 20
    for entry in entries:
        assert entry.msgid_plural is not None
        assert entry.translations == [entry.msgid, entry.msgid_plural]


@pytest.mark.parametrize(("count", "expected"), [(0, "0 famille"), (1, "1 famille"), (2, "2 familles")])
def test_zero_is_singular_in_french(count, expected):
    with translation.override("fr"):
        assert ngettext("%(count)d famille", "%(count)d familles", count) % {"count": count} == expected


def test_english_keeps_its_own_rule():
    with translation.override("en"):
        assert ngettext("%(count)d famille", "%(count)d familles", 0) % {"count": 0} == "0 families"


def test_the_command_rewrites_the_same_catalogue(tmp_path, settings, monkeypatch):
    monkeypatch.setattr(
        "extranet.base.management.commands.french_plurals.french_path", lambda: tmp_path / "fr" / "django.po"
    )
    out = io.StringIO()
    call_command("french_plurals", stdout=out)
    assert (tmp_path / "fr" / "django.po").read_text(encoding="utf-8") == french_catalogue()
    assert "pluriels" in out.getvalue()
