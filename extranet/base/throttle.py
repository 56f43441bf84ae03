"""Counters in the cache that slow down a request repeated too often (per login, per address).

Each counter lives ``window`` seconds from its first hit. The cache is the project's default
one: per process with the default local-memory cache, shared between processes with a shared
cache (CACHES in the settings).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from axes.helpers import get_client_ip_address
from django.core.cache import cache


@dataclass(frozen=True)
class Throttle:
    """At most ``limit`` hits per ``window`` seconds for one value (a login, an address)."""

    name: str
    limit: int
    window: int

    def _key(self, value: str) -> str:
        digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()
        return f"tutti:throttle:{self.name}:{digest}"

    def hit(self, value: str) -> bool:
        """Count one more request for ``value``; False once it is over the limit."""
        key = self._key(value)
        cache.add(key, 0, timeout=self.window)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=self.window)
            count = 1
        return count <= self.limit

    def reset(self, value: str) -> None:
        cache.delete(self._key(value))


def client_address(request) -> str:
    """The visitor's address, read the way django-axes reads it (AXES_IPWARE_* settings)."""
    return get_client_ip_address(request) or ""
