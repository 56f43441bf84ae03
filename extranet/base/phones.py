"""French phone numbers: stored as ten digits ("0612345678"), shown as "06 12 34 56 78"."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s.\-/()]")


def normalise_phone(value: str) -> str:
    """Digits only, with +33 / 0033 turned into the leading 0. Does not validate."""
    digits = _SEPARATORS.sub("", value or "")
    for prefix in ("+33", "0033"):
        if digits.startswith(prefix):
            rest = digits[len(prefix) :]
            # "+33 (0)6 12 …": the trunk 0 written in brackets is dropped.
            return "0" + (rest[1:] if rest.startswith("0") else rest)
    return digits


def format_phone(value: str) -> str:
    """ "0612345678" -> "06 12 34 56 78"; anything else is returned unchanged."""
    if value and len(value) == 10 and value.isdigit():
        return " ".join(value[i : i + 2] for i in range(0, 10, 2))
    return value or ""
