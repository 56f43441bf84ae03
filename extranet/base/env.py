"""Strict readers for settings that come from environment variables.

A value that cannot be read stops start-up with a message naming the variable: a
typo in production must never silently become ``False`` or an empty list.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a boolean: use one of 1/0, true/false, yes/no, on/off."
    )


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return list(default)
    items = [item.strip() for item in value.split(",")]
    if any(not item for item in items):
        raise ImproperlyConfigured(f"{name}={value!r} has an empty item: separate values with commas.")
    return items


def parse_database_url(name: str, url: str, *, sqlite_timeout: int) -> dict:
    """Turn ``postgres://user:pass@host:port/db`` or ``sqlite:///path`` into a DATABASES entry."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        path = unquote(parts.path)
        if parts.netloc or not path or path == "/":
            raise ImproperlyConfigured(
                f"{name}={url!r}: a SQLite URL names a file, e.g. sqlite:////var/lib/tutti/db.sqlite3."
            )
        return sqlite_database(path[1:] if path.startswith("//") else path, timeout=sqlite_timeout)
    if scheme in {"postgres", "postgresql", "pgsql"}:
        database = unquote(parts.path.lstrip("/"))
        if not database:
            raise ImproperlyConfigured(f"{name}={url!r} names no database after the host.")
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured(f"{name}={url!r} has a port that is not a number.") from None
        options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        conn_max_age = options.pop("conn_max_age", "0")
        if not conn_max_age.isdigit():
            raise ImproperlyConfigured(f"{name}: conn_max_age must be a number of seconds.")
        # Parameters bound by the server and statements prepared after a few runs on the same
        # connection (psycopg's prepare_threshold): PostgreSQL plans a page's query once per
        # connection instead of on every request, where planning cost several times the
        # execution (2.4 ms against 0.4 for Accueil's pupils). ?server_side_binding=0 turns both
        # off, for a connection pooler that cannot keep prepared statements.
        binding = options.pop("server_side_binding", "1").strip().lower()
        if binding not in _TRUE | _FALSE:
            raise ImproperlyConfigured(f"{name}: server_side_binding must be 1 or 0.")
        threshold = options.pop("prepare_threshold", "5")
        if not threshold.isdigit():
            raise ImproperlyConfigured(f"{name}: prepare_threshold must be a number of runs.")
        if binding in _TRUE:
            options.update(server_side_binding=True, prepare_threshold=int(threshold))
        return {
            # Django's backend with a health check that sends nothing (extranet/base/postgresql).
            "ENGINE": "extranet.base.postgresql",
            "NAME": database,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "CONN_MAX_AGE": int(conn_max_age),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    raise ImproperlyConfigured(
        f"{name}={url!r}: unsupported database; use postgres://user:password@host:5432/name "
        "or sqlite:////absolute/path.sqlite3."
    )


def sqlite_database(path: str, *, timeout: int) -> dict:
    """SQLite tuned for a web server: writers queue instead of failing with 'database is locked'."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "OPTIONS": {
            # IMMEDIATE takes the write lock at BEGIN, so two transactions never deadlock
            # upgrading a read lock; the timeout makes the second one wait for the first.
            "transaction_mode": "IMMEDIATE",
            "timeout": timeout,
            "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"),
        },
        "TEST": {"NAME": path + ".test"} if path != ":memory:" else {},
    }


def parse_email_url(name: str, url: str | None) -> dict:
    """``smtp://user:pass@host:587?tls=1``, ``smtps://...``, ``console://`` or ``locmem://``."""
    if not url:
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "locmem":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if scheme not in {"smtp", "smtps", "submission"}:
        raise ImproperlyConfigured(f"{name}={url!r}: use smtp://, smtps://, console:// or locmem://.")
    if not parts.hostname:
        raise ImproperlyConfigured(f"{name}={url!r} names no host.")
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured(f"{name}={url!r} has a port that is not a number.") from None
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    use_ssl = scheme == "smtps"
    use_tls = scheme == "submission" or query.get("tls", "").lower() in _TRUE
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port or (465 if use_ssl else 587 if use_tls else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": use_ssl,
        "EMAIL_USE_TLS": use_tls and not use_ssl,
        "EMAIL_TIMEOUT": 20,
    }


def env_json(name: str, default):
    """A JSON value (object or list); a value that is not JSON stops start-up."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return json.loads(value)
    except json.JSONDecodeError as error:
        raise ImproperlyConfigured(f"{name} is not valid JSON: {error}.") from None


def parse_cache_url(name: str, url: str | None) -> dict:
    """``redis://host:6379/0`` (or ``rediss://``), ``db://table``, ``locmem://`` or ``dummy://``.

    Only Redis and the database are shared between processes and servers: sessions and
    anything else that must be the same on every server need one of them.
    """
    if not url or url.startswith("locmem://"):
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tutti"}
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in {"redis", "rediss"}:
        if not parts.hostname:
            raise ImproperlyConfigured(f"{name}={url!r} names no host.")
        return {"BACKEND": "extranet.base.cache.RedisCache", "LOCATION": url}
    if scheme == "db":
        table = parts.netloc or parts.path.lstrip("/")
        if not table.isidentifier():
            raise ImproperlyConfigured(f"{name}={url!r}: name the cache table, e.g. db://tutti_cache.")
        return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": table}
    if scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    raise ImproperlyConfigured(f"{name}={url!r}: use redis://host:6379/0, db://table, locmem:// or dummy://.")


def cache_is_shared(cache: dict) -> bool:
    return cache["BACKEND"].rsplit(".", 1)[-1] in {"RedisCache", "DatabaseCache"}


def read_env_file(path) -> list[str]:
    """Load ``NAME=value`` lines of a development ``.env`` file into the environment.

    Variables already set win (the file never overrides the real environment); blank lines and
    ``#`` comments are skipped; quotes around a value are removed. A line that is not
    ``NAME=value`` stops start-up with its line number. Returns the names it set.
    """
    file = Path(path)
    if not file.is_file():
        return []
    loaded = []
    for number, raw in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        name = name.strip().removeprefix("export ").strip()
        if not sep or not name.isidentifier():
            raise ImproperlyConfigured(f"{file}, line {number}: expected NAME=value, got {raw!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        if name not in os.environ:
            os.environ[name] = value
            loaded.append(name)
    return loaded
