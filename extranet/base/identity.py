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

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

GENERATION_KEY = "tutti:identity:generation"

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
