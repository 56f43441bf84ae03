"""The domain error of the paying modules (mandates, debits, rejects, online payments)."""

from __future__ import annotations

from extranet.base.errors import DomainError


class PaymentError(DomainError):
    """A refused operation; ``message`` is French, ``field`` names the form field it belongs to."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message, field=field)
