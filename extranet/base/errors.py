"""The one way a write says no: a ``DomainError`` with a French message, and where to show it.

Every service raises a subclass (``StaleEditError``, ``DocumentError``, ``ReenrolmentError``…);
nothing was written when it is raised. Views and the admin turn it into a form error or a
message with ``show_domain_error``, never by reading its attributes themselves.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest


class DomainError(Exception):
    """A refusal of the domain: ``message`` is French, ``field`` names the form field it concerns.

    A subclass may set ``default_message``; one that refuses several fields at once passes
    ``errors`` ({field or None: [messages]}), as the re-enrolment rules do.
    """

    default_message = ""

    def __init__(
        self,
        message: str | None = None,
        *,
        field: str | None = None,
        errors: dict[str | None, list[str]] | None = None,
    ):
        if message is None:
            message = " ".join(str(text) for texts in (errors or {}).values() for text in texts)
        self.message = str(message or self.default_message)
        self.field = field
        self.errors = errors if errors is not None else {field: [self.message]}
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


def show_domain_error(
    error: DomainError, *, form=None, request: HttpRequest | None = None, level: int = messages.ERROR
) -> None:
    """Put ``error`` next to its field on ``form`` (top of the form for an unknown field), else in
    the messages of ``request`` (the portal's banner, the admin's message list)."""
    if form is not None:
        for field, texts in error.errors.items():
            for text in texts:
                form.add_error(field if field in form.fields else None, text)
        return
    if request is None:
        raise ValueError("show_domain_error needs a form or a request")
    messages.add_message(request, level, error.message)
