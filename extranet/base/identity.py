"""Who a logged-in request is, kept in the shared cache so a page view does not ask the database.

Every request of a logged-in family needs its user, its guardian and the households it acts
for. Loading them costs two queries per request; under the opening rush that is most of what a
small page costs. The shell keeps them in the cache under the user's id (``load_user``), and
every write that could change them forgets the entry at once, so a deactivated login, a
removed membership or a new password takes effect on the very next request:

* ``save()`` and ``delete()`` of the models involved: signal receivers connected by the shell;
* writes that bypass ``save()`` (``bump_version``, the login's copy of a guardian's name and
  email, bulk imports) call ``rows_written`` or ``forget_everyone`` themselves.

The cache is used only when it is shared by every process (``IDENTITY_CACHE``, on by default
with Redis or the database cache): a per-process cache could not be told about a change made
by another process. Entries also expire after ``IDENTITY_CACHE_TIMEOUT`` seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import DEFAULT_CACHE_ALIAS, cache
from django.core.signals import request_finished, request_started
from django.db import transaction

GENERATION_KEY = "tutti:identity:generation"

# Which user a session key belongs to, learnt from the session when it is read: a key keeps its
# user for its whole life (logging in or out gives the session a new key). Only a hint, to ask
# for the identity in the same round trip as the session; what the session says is checked.
_session_users: dict[str, str] = {}
SESSION_USERS_KEPT = 50_000
# The identity entries read with this request's session: (user id, cache values), used once.
_read_with_session: ContextVar[tuple[str, dict] | None] = ContextVar(
    "tutti_identity_read_with_session", default=None
)

# Which users a written row concerns (a family: its guardians' logins), set by the shell.
_affected_users: Callable[[type, int], Iterable[int]] | None = None
# How the shell builds the cached identity from the user the backend loaded.
_identity_loader: Callable | None = None


def enabled() -> bool:
    return bool(getattr(settings, "IDENTITY_CACHE", False))


def user_key(user_id) -> str:
    return f"tutti:identity:user:{user_id}"


def register(*, affected_users: Callable[[type, int], Iterable[int]], loader: Callable) -> None:
    """Called once by the shell at start-up (the layer that knows households)."""
    global _affected_users, _identity_loader
    _affected_users = affected_users
    _identity_loader = loader


def load_user(user_id, load: Callable):
    """The user ``load(user_id)`` would return, through the cache when it is enabled."""
    if not enabled() or _identity_loader is None:
        return load(user_id)
    return _identity_loader(user_id, load)


def read_session(session_cache, session_cache_key: str, session_key: str | None):
    """The session's data in the cache (None if it is not there), with its user's identity
    entries fetched in the same round trip when the session's user is known."""
    _read_with_session.set(None)
    user_id = _session_users.get(session_key) if session_key else None
    if user_id is None or _identity_loader is None or not enabled():
        return None
    if settings.SESSION_CACHE_ALIAS != DEFAULT_CACHE_ALIAS:  # two caches: two round trips anyway
        return None
    try:
        values = session_cache.get_many([session_cache_key, user_key(user_id), GENERATION_KEY])
    except Exception:  # an invalid key: Django's own read decides (it starts a fresh session)
        return None
    _read_with_session.set((user_id, values))
    return values.get(session_cache_key)


def remember_session_user(session_key: str | None, data: dict) -> None:
    user_id = data.get(SESSION_KEY)
    if session_key and user_id is not None:
        if len(_session_users) >= SESSION_USERS_KEPT:
            _session_users.clear()
        _session_users[session_key] = str(user_id)


def read_with_session(user_id, keys: list[str]) -> dict | None:
    """The cache values of ``keys`` if this request's session read them already (once)."""
    read = _read_with_session.get()
    if read is None:
        return None
    _read_with_session.set(None)
    read_user_id, values = read
    if read_user_id != str(user_id):
        return None
    return {key: values[key] for key in keys if key in values}


def _forget_session_read(**kwargs) -> None:
    _read_with_session.set(None)


# What a request read is never used by another request (or by code outside requests).
request_started.connect(_forget_session_read, dispatch_uid="tutti-identity-forget-session-read")
request_finished.connect(_forget_session_read, dispatch_uid="tutti-identity-forget-session-read")


def _delete(keys: list[str]) -> None:
    if not keys:
        return
    cache.delete_many(keys)
    # A request that read the old rows before this transaction commits could store them again:
    # forget once more after the commit.
    transaction.on_commit(lambda: cache.delete_many(keys))


def forget_users(user_ids: Iterable[int | None]) -> None:
    if enabled():
        _delete([user_key(user_id) for user_id in set(user_ids) if user_id is not None])


def rows_written(model: type, pks: Iterable[int]) -> None:
    """Rows of ``model`` were written without ``save()``: forget the identities they concern."""
    if not enabled() or _affected_users is None:
        return
    user_ids: set[int] = set()
    for pk in pks:
        user_ids.update(_affected_users(model, pk))
    forget_users(user_ids)


def _bump_generation() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, timeout=None)


def forget_everyone() -> None:
    """A change that concerns any login (a site renamed, a bulk import): every entry goes stale."""
    if not enabled():
        return
    _bump_generation()
    transaction.on_commit(_bump_generation)
