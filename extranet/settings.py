"""Tutti settings, read from environment variables (see README, "Production").

Every variable is read through ``extranet.base.env``: a value that cannot be understood stops
start-up with a message that names the variable.
"""

import os
import sys
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key
from django.utils.translation import gettext_lazy as _

from extranet.base.env import (
    cache_is_shared,
    env_bool,
    env_int,
    env_json,
    env_list,
    env_str,
    parse_cache_url,
    parse_database_url,
    parse_email_url,
    read_env_file,
    sqlite_database,
)

BASE_DIR = Path(__file__).resolve().parent.parent

# Development: a .env file beside manage.py (copy .env.example) sets DEBUG=1 and the like for
# every command; the real environment always wins. TUTTI_ENV_FILE names another file, or ""
# for none (the tests). Production sets real environment variables and has no .env.
read_env_file(os.environ.get("TUTTI_ENV_FILE", BASE_DIR / ".env") or "")

DEBUG = env_bool("DEBUG", False)

# Commands that work on source files only and never sign anything: they may run without a key.
_KEYLESS_COMMANDS = {"makemigrations", "makemessages", "compilemessages"}

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG and not (
        sys.argv[0].endswith("manage.py") and sys.argv[1:2] and sys.argv[1] in _KEYLESS_COMMANDS
    ):
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off: set it to a long random string."
        )
    # A development key, stable for the life of the process only.
    SECRET_KEY = "dev-" + get_random_secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "extranet.base.axes_app.AxesConfig",  # django-axes, named in French in the admin
    "csp",
    "django_tasks",
    "django_tasks_db",
    # The base layer, then the feature apps in their declared order, then the shell.
    "extranet.base",
    "families",
    "students",
    "documents",
    "reenrolment",
    "billing",
    "extranet.shell",
]

MIDDLEWARE = [
    "extranet.shell.requestid.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files from the app server itself, hashed and compressed (the web server may still
    # serve STATIC_ROOT directly: see docs/deploy.md).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # django-csp's middleware, building the headers from the settings once.
    "extranet.shell.middleware.ContentSecurityPolicyMiddleware",
    # Personal pages are never cached; a locked database answers a page that keeps what was typed.
    "extranet.shell.middleware.PrivatePagesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "extranet.shell.middleware.SessionExpiryMiddleware",
    "extranet.shell.middleware.PortalFamilyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "extranet.shell.middleware.TemporaryFailureMiddleware",
    # Last, as django-axes asks: it turns a lockout into the French page (on POSTs only).
    "extranet.shell.lockout.CredentialsLockoutMiddleware",
]

ROOT_URLCONF = "extranet.urls"
WSGI_APPLICATION = "extranet.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            # Django's cached loader, one compiled template per language with the constant
            # translations, URLs and static paths worked out once (extranet.base.template_loader).
            "loaders": [
                (
                    "extranet.base.template_loader.Loader",
                    [
                        "django.template.loaders.filesystem.Loader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "extranet.shell.context_processors.portal",
            ],
        },
    },
]

# Database: SQLite file by default, PostgreSQL in production through DATABASE_URL.
SQLITE_TIMEOUT = env_int("SQLITE_TIMEOUT", 30)
_database_url = env_str("DATABASE_URL")
if _database_url:
    DATABASES = {"default": parse_database_url("DATABASE_URL", _database_url, sqlite_timeout=SQLITE_TIMEOUT)}
else:
    DATABASES = {"default": sqlite_database(str(BASE_DIR / "db.sqlite3"), timeout=SQLITE_TIMEOUT)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "extranet.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out identifier before any password is hashed.
    "axes.backends.AxesStandaloneBackend",
    "extranet.base.backends.SiteIdentifierBackend",
]
# Identifiers are unique per site, not globally: the backend above looks users up by
# (site, identifier), so Django's "USERNAME_FIELD must be unique" check does not apply.
# axes.W002 looks for its own middleware by name: extranet.shell.lockout runs a subclass of it,
# only on POST requests (where credentials can be).
SILENCED_SYSTEM_CHECKS = ["auth.W004", "axes.W002"]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("identifier", "first_name", "last_name", "email")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "extranet.base.validators.PasswordCompositionValidator"},
    {"NAME": "extranet.base.validators.PasswordNotReusedValidator"},
    {"NAME": "extranet.base.validators.PasswordNotNamedAfterValidator"},
]
PASSWORD_RESET_TIMEOUT = 24 * 60 * 60  # the guides' reset link: valid 24 hours

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Caches and sessions: nothing a request needs lives in one process's memory when several
# processes or servers serve the same families. CACHE_URL=redis://127.0.0.1:6379/0 (or
# db://tutti_cache after `createcachetable`) is shared; the default local-memory cache is per
# process and holds only what may differ between processes.
CACHES = {"default": parse_cache_url("CACHE_URL", env_str("CACHE_URL"))}
# SESSION_BACKEND: "db" (sessions in the database), "cached_db" (the database, read through the
# shared cache: one cache hit instead of a query per request) or "cache" (the shared cache only).
SESSION_BACKEND = env_str("SESSION_BACKEND", "cached_db" if cache_is_shared(CACHES["default"]) else "db")
_SESSION_ENGINES = {
    "db": "django.contrib.sessions.backends.db",
    # Django's cached_db, reading the session and its user's identity in one round trip.
    "cached_db": "extranet.base.sessions",
    "cache": "django.contrib.sessions.backends.cache",
}
if SESSION_BACKEND not in _SESSION_ENGINES:
    raise ImproperlyConfigured("SESSION_BACKEND must be db, cached_db or cache.")
if SESSION_BACKEND != "db" and not cache_is_shared(CACHES["default"]):
    raise ImproperlyConfigured(
        f"SESSION_BACKEND={SESSION_BACKEND} needs a cache every process shares: set CACHE_URL to "
        "redis://… or db://…"
    )
SESSION_ENGINE = _SESSION_ENGINES[SESSION_BACKEND]
# The logged-in request's user, guardian and households, read from the shared cache instead of
# two queries (extranet.base.identity): on with a shared cache only, since every write forgets
# the entries there and a per-process cache would keep another process's stale copy.
IDENTITY_CACHE = env_bool("IDENTITY_CACHE", cache_is_shared(CACHES["default"]))
if IDENTITY_CACHE and not cache_is_shared(CACHES["default"]):
    raise ImproperlyConfigured("IDENTITY_CACHE=1 needs a cache every process shares: set CACHE_URL.")
IDENTITY_CACHE_TIMEOUT = env_int("IDENTITY_CACHE_TIMEOUT", 300)
# Reads that are the same for every family of a site (seasons, re-enrolment windows, document
# types, reference lists, news), kept this many seconds in each process (extranet.base.sitewide):
# this process's own writes show at once, the other processes' within this delay. 0: read
# every time.
SITE_READS_SECONDS = env_int("SITE_READS_SECONDS", 5)

# Sessions: 30 minutes idle, 12 hours at most (enforced by SessionExpiryMiddleware).
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_IDLE_TIMEOUT = 30 * 60
SESSION_ABSOLUTE_TIMEOUT = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if env_bool("BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
# The load balancer's probe speaks plain HTTP to each server.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Content-Security-Policy (django-csp): everything from the site itself, no inline script or
# style anywhere (templates, admin included), never framed except the admin's document preview
# (same origin). Served files get a sandbox instead (extranet.shell.middleware).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # The one inline <style> of Django's admin (a change list without actions), by its hash.
        "style-src": ["'self'", "'sha256-blvLUW3UscWqsXGByNOqdBboM+ShWAuugp2mC/wbafU='"],
        # Bootstrap draws its select arrows and check marks as data: SVG images.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-src": ["'self'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Browser features the portal never uses, refused to every page and frame.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), interest-cohort=(), browsing-topics=()"
)
CSRF_FAILURE_VIEW = "extranet.shell.views.csrf_failure"

# Brute force (django-axes, extranet.base.backends.LoginAttemptsHandler): 5 failures on one
# login of one site from one address lock that pair for 15 minutes (the owner still logs in from
# elsewhere, or after a "Mot de passe perdu" link); 30 failures from one address, whatever the
# logins, lock that address for 15 minutes.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_HANDLER = "extranet.base.backends.LoginAttemptsHandler"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env_int("LOGIN_FAILURE_LIMIT_PER_ADDRESS", 30)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["ip_address", "username"], "ip_address"]
AXES_USERNAME_CALLABLE = "extranet.base.backends.axes_username"
# authenticate(site=..., username=..., password=...) reaches axes as {"username": ..., "site": ...}
# (the default key would be the user model's USERNAME_FIELD, "identifier").
AXES_USERNAME_FORM_FIELD = "username"
# Attempts during a lockout do not restart the 15 minutes: an attacker cannot keep a family out.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "extranet.shell.views.lockout"
AXES_VERBOSE = False
# The client's address: behind a reverse proxy (nginx), every request comes from the proxy and
# one address would lock everyone out; TRUSTED_PROXY_COUNT proxies append X-Forwarded-For and
# the address they saw is read from its right end (the left end is whatever the client sent).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1 if env_bool("BEHIND_HTTPS_PROXY", False) else 0)
AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT or None
AXES_IPWARE_PROXY_ORDER = "right-most"
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if TRUSTED_PROXY_COUNT else ("REMOTE_ADDR",)
)

# "Mot de passe perdu": at most this many requests per login and per address each hour
# (counted in the cache, extranet.base.throttle).
PASSWORD_RESET_LIMIT_PER_LOGIN = env_int("PASSWORD_RESET_LIMIT_PER_LOGIN", 5)
PASSWORD_RESET_LIMIT_PER_ADDRESS = env_int("PASSWORD_RESET_LIMIT_PER_ADDRESS", 20)
PASSWORD_RESET_THROTTLE_WINDOW = 60 * 60

# Internationalisation: French first, English available.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "staticfiles")))
# Uploaded files are private: MEDIA_ROOT is outside static/ and has no public URL.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = None
# FILE_STORAGE: "filesystem" (MEDIA_ROOT; shared between servers through NFS or similar) or
# "s3" (an S3-compatible bucket through django-storages, private, short signed URLs).
FILE_STORAGE = env_str("FILE_STORAGE", "filesystem")
if FILE_STORAGE == "filesystem":
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif FILE_STORAGE == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("S3_BUCKET"),
            "endpoint_url": env_str("S3_ENDPOINT_URL"),
            "region_name": env_str("S3_REGION"),
            "access_key": env_str("S3_ACCESS_KEY_ID"),
            "secret_key": env_str("S3_SECRET_ACCESS_KEY"),
            "location": env_str("S3_PREFIX", ""),
            # Private objects; a family gets a signed link valid one minute, after the view's check.
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": env_int("S3_URL_SECONDS", 60),
            "file_overwrite": False,
        },
    }
    if not _default_storage["OPTIONS"]["bucket_name"]:
        raise ImproperlyConfigured("FILE_STORAGE=s3 needs S3_BUCKET (and S3_ENDPOINT_URL outside AWS).")
else:
    raise ImproperlyConfigured("FILE_STORAGE must be filesystem or s3.")
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Email: console by default, SMTP through EMAIL_URL in production.
for _key, _value in parse_email_url("EMAIL_URL", env_str("EMAIL_URL")).items():
    globals()[_key] = _value
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Tutti <no-reply@tutti.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_MAX_ATTEMPTS = env_int("EMAIL_MAX_ATTEMPTS", 8)

# Background work (Django's task API through the django-tasks backport). "database" queues
# tasks in the database and `manage.py db_worker` runs them (systemd in production): a page
# only inserts a row, never waits for the mail server. "immediate" runs a task as soon as it
# is enqueued, in the same process: the demo and the tests, where nobody runs a worker.
TASKS_BACKEND = env_str("TASKS_BACKEND", "immediate" if DEBUG else "database")
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured("TASKS_BACKEND must be database or immediate.")
TASKS = {
    "default": {
        "BACKEND": _TASK_BACKENDS[TASKS_BACKEND],
        "QUEUES": ["default", "emails", "pdfs"],
    }
}

# Uploads.
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)
DOCUMENT_FAMILY_QUOTA_BYTES = env_int("DOCUMENT_FAMILY_QUOTA_BYTES", 200 * 1024 * 1024)
DOCUMENT_MAX_PIXELS = env_int("DOCUMENT_MAX_PIXELS", 40_000_000)
# "django" streams files from Python; "nginx" (X-Accel-Redirect) or "apache" (X-Sendfile)
# hands the transfer to the web server after the permission check.
DOCUMENT_SERVE_MODE = env_str("DOCUMENT_SERVE_MODE", "django")
if DOCUMENT_SERVE_MODE not in {"django", "nginx", "apache"}:
    raise ImproperlyConfigured("DOCUMENT_SERVE_MODE must be django, nginx or apache.")
if DOCUMENT_SERVE_MODE != "django" and FILE_STORAGE != "filesystem":
    raise ImproperlyConfigured("DOCUMENT_SERVE_MODE=nginx or apache needs FILE_STORAGE=filesystem.")
DOCUMENT_ACCEL_PREFIX = env_str("DOCUMENT_ACCEL_PREFIX", "/protected/")
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Payments (issue 11): SEPA direct debit, card online. See README, "Paiements".
# Keys that encrypt IBANs at rest, newest first (a Fernet key or a long passphrase each);
# without one, a key derived from SECRET_KEY (fine for a demo; in production set it, since
# changing SECRET_KEY would then make the stored IBANs unreadable).
TUTTI_FIELD_KEYS = env_list("TUTTI_FIELD_KEY", [])
# Where billing_sepa_export writes its pain.008 files (private: they hold full IBANs).
PAYMENTS_SEPA_DIR = Path(env_str("PAYMENTS_SEPA_DIR", str(BASE_DIR / "var" / "sepa")))
# Card payment providers per site slug ("*" for every other site), e.g.
# {"malakoff": {"backend": "payfip_ws", "numcli": "012345", "saisie": "T"},
#  "*": {"backend": "payzen", "site_id": "12345678", "secret_test": "…", "secret_production": "…"}}
# A site without a provider takes no card payment. The demo uses eopayment's dummy backend.
PAYMENTS_ONLINE_PROVIDERS = env_json(
    "PAYMENTS_ONLINE_PROVIDERS", {"*": {"backend": "dummy"}} if DEBUG else {}
)
if not isinstance(PAYMENTS_ONLINE_PROVIDERS, dict) or any(
    not isinstance(config, dict)
    or config.get("backend") not in {"dummy", "payfip_ws", "systempayv2", "payzen"}
    for config in PAYMENTS_ONLINE_PROVIDERS.values()
):
    raise ImproperlyConfigured(
        'PAYMENTS_ONLINE_PROVIDERS maps site slugs to {"backend": dummy|payfip_ws|systempayv2|payzen, …}.'
    )
# billing_poll_payments asks the provider about a transaction after this many minutes without
# notification, and gives it up (expired) after this many hours.
PAYMENTS_ONLINE_POLL_AFTER_MINUTES = env_int("PAYMENTS_ONLINE_POLL_AFTER_MINUTES", 20)
PAYMENTS_ONLINE_EXPIRE_AFTER_HOURS = env_int("PAYMENTS_ONLINE_EXPIRE_AFTER_HOURS", 24)
# --- end of Payments

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Logs: one line per record on stderr (journald keeps it), with the request's id, as
# key=value pairs (LOG_FORMAT=keyvalue, the default) or JSON (LOG_FORMAT=json).
LOG_FORMAT = env_str("LOG_FORMAT", "keyvalue")
_LOG_FORMATTERS = {
    "keyvalue": "extranet.shell.requestid.KeyValueFormatter",
    "json": "extranet.shell.requestid.JsonFormatter",
}
if LOG_FORMAT not in _LOG_FORMATTERS:
    raise ImproperlyConfigured("LOG_FORMAT must be keyvalue or json.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "extranet.shell.requestid.RequestIdFilter"}},
    "formatters": {"line": {"()": _LOG_FORMATTERS[LOG_FORMAT]}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": "line"}
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    "loggers": {
        # Every task's start and end are INFO lines: the worker shows them (db_worker -v 1 sets
        # its own level); elsewhere, with the immediate backend, they would drown a command's output.
        "django_tasks": {"level": env_str("TASKS_LOG_LEVEL", "WARNING")},
        "django_tasks_db": {"level": env_str("TASKS_LOG_LEVEL", "WARNING")},
    },
}
# Tasks queued for longer than this make /healthz say "degraded": no worker is running.
HEALTHZ_TASK_LATE_SECONDS = env_int("HEALTHZ_TASK_LATE_SECONDS", 15 * 60)
