"""IBANs at rest: encrypted with Fernet (AES-128-CBC + HMAC-SHA256), never stored in clear.

The key comes from ``TUTTI_FIELD_KEY`` (a Fernet key, or any passphrase that is derived into
one); without it, development derives a key from ``SECRET_KEY``. Several keys may be given,
newest first, separated by commas: the first encrypts, all decrypt (key rotation).
A keyed fingerprint (HMAC-SHA256) lets the code tell whether two IBANs are the same account
without decrypting either.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class FieldKeyError(Exception):
    """The stored value cannot be decrypted with the configured keys."""


def _fernet_key(secret: str) -> bytes:
    """A Fernet key as given, or derived from a passphrase (SHA-256 of it)."""
    raw = secret.encode()
    try:
        if len(base64.urlsafe_b64decode(raw)) == 32:
            return raw
    except ValueError:
        pass
    return base64.urlsafe_b64encode(hashlib.sha256(b"tutti-field-key:" + raw).digest())


def _secrets() -> list[str]:
    configured = settings.TUTTI_FIELD_KEYS
    return list(configured) if configured else [settings.SECRET_KEY]


@cache
def _cipher(secrets: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(secret)) for secret in secrets])


def encrypt(value: str) -> str:
    return _cipher(tuple(_secrets())).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _cipher(tuple(_secrets())).decrypt(token.encode()).decode()
    except InvalidToken:
        raise FieldKeyError("the IBAN cannot be decrypted with TUTTI_FIELD_KEY") from None


def fingerprint(value: str) -> str:
    """Same account, same fingerprint; not reversible without the key."""
    key = _fernet_key(_secrets()[0])
    return hmac.new(key, b"iban:" + value.encode(), hashlib.sha256).hexdigest()
