"""Write the French catalogue's plural entries from the msgids the English catalogue lists.

The msgids are French, so French needs no translation, except for plurals: without a French
entry, gettext falls back to the English rule (only 1 is singular) and prints "0 familles".
French says "0 famille". This writes locale/fr/LC_MESSAGES/django.po with every plural msgid
translated to itself under the French rule ``n > 1``. Run it after ``makemessages -l en``
(``make catalogues`` does both); a test fails when the two catalogues drift apart.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from extranet.base.po import quote, read_po

HEADER = """# Tutti: French plural forms. The msgids are French; only plurals need a French entry.
# Written by `manage.py french_plurals` from locale/en/LC_MESSAGES/django.po: do not edit.
msgid ""
msgstr ""
"Project-Id-Version: Tutti\\n"
"PO-Revision-Date: 2026-11-23 00:00+0100\\n"
"Last-Translator: Tutti\\n"
"Language-Team: French\\n"
"Language: fr\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\\n"
"""


def english_path() -> Path:
    return Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"


def french_path() -> Path:
    return Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def french_catalogue() -> str:
    _header, entries = read_po(english_path())
    blocks = [HEADER]
    for entry in entries:
        if entry.msgid_plural is None:
            continue
        lines = []
        if entry.msgctxt is not None:
            lines.append(f"msgctxt {quote(entry.msgctxt)}")
        lines += [
            f"msgid {quote(entry.msgid)}",
            f"msgid_plural {quote(entry.msgid_plural)}",
            f"msgstr[0] {quote(entry.msgid)}",
            f"msgstr[1] {quote(entry.msgid_plural)}",
        ]
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


class Command(BaseCommand):
    help = "Écrit les pluriels du catalogue français (locale/fr) à partir des msgid du catalogue anglais."
    requires_system_checks = []

    def handle(self, *args, **options):
        path = french_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        text = french_catalogue()
        path.write_text(text, encoding="utf-8")
        count = text.count("\nmsgid_plural ")
        self.stdout.write(
            ngettext("%(path)s : %(count)d pluriel.", "%(path)s : %(count)d pluriels.", count)
            % {"path": path, "count": count}
        )
