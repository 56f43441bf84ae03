"""The domain error of the paying modules (mandates, debits, rejects, online payments)."""

from __future__ import annotations


class PaymentError(Exception):
    """A refused operation; ``message`` is French, ``field`` names the form field it belongs to."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
