"""A small reader and writer of gettext .po files (no extra dependency).

Used by the catalogue tests and by ``french_plurals``, which writes the French catalogue's
plural entries so that French counts say "0 famille", "1 famille", "2 familles".
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: str = ""
    msgstr_plural: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def translations(self) -> list[str]:
        if self.msgid_plural is None:
            return [self.msgstr]
        return [self.msgstr_plural.get(index, "") for index in range(2)]


def _unquote(text: str) -> str:
    # A .po string is a C string; its escapes (\" \\ \n \t) read the same in Python.
    return ast.literal_eval(text)


def read_po(path: Path) -> tuple[Entry | None, list[Entry]]:
    """(header, entries) of a .po file; obsolete (#~) entries are left out."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int | None] | None = None

    def finish():
        nonlocal current, target
        if current is not None:
            entries.append(current)
        current, target = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue
        if current is None:
            current = Entry(line=number)
        if line.startswith("#,"):
            current.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        if line.startswith("#"):
            continue
        match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(".*")$', line)
        if match:
            keyword, index, text = match.group(1), match.group(2), _unquote(match.group(3))
            target = (keyword, int(index) if index is not None else None)
        elif line.startswith('"') and target is not None:
            text = _unquote(line)
        else:
            raise AssertionError(f"{path}:{number}: unexpected line {raw!r}")
        keyword, index = target
        if keyword == "msgstr" and index is not None:
            current.msgstr_plural[index] = current.msgstr_plural.get(index, "") + text
        elif keyword == "msgid_plural":
            current.msgid_plural = (current.msgid_plural or "") + text
        elif keyword == "msgctxt":
            current.msgctxt = (current.msgctxt or "") + text
        else:
            setattr(current, keyword, getattr(current, keyword) + text)
    finish()

    header = entries[0] if entries and entries[0].msgid == "" else None
    return header, [entry for entry in entries if entry.msgid != ""]


def quote(text: str) -> str:
    """``text`` as a .po (C) string literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'
