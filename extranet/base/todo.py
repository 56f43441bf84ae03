"""One line of the Accueil tab's "what is left to do" list. Each feature app says what it still
needs from a family as a list of these; the shell gathers them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TodoItem:
    """One thing the family still has to do, with where to do it."""

    text: str
    url: str = ""
