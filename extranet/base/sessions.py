"""Sessions in the database, read through the shared cache together with their user's identity.

Django's ``cached_db`` engine reads the session from the cache, then the identity cache
(``extranet.base.identity``) reads the user, guardian and households: two round trips to Redis
on every logged-in request. This engine asks for both in one ``get_many`` once it knows which
user the session belongs to (learnt from the session itself on its first read in the process);
on a miss, or for a session it has not seen yet, it reads exactly as Django does.
"""

from __future__ import annotations

from django.contrib.sessions.backends import cached_db

from extranet.base import identity


class SessionStore(cached_db.SessionStore):
    def load(self):
        data = identity.read_session(self._cache, self.cache_key, self.session_key)
        if data is None:
            data = super().load()
        identity.remember_session_user(self.session_key, data)
        return data
