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
    env_bool,
    env_int,
    env_list,
    env_str,
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
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "extranet.base.axes_app.AxesConfig",  # django-axes, named in French in the admin
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
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "extranet.shell.middleware.SessionExpiryMiddleware",
    "extranet.shell.middleware.PortalFamilyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout into the French page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "extranet.urls"
WSGI_APPLICATION = "extranet.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
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
# Failures are counted per identifier on purpose (see AXES_LOCKOUT_PARAMETERS): the lockout
# protects one account whatever address the attacker uses, and expires after the cool-off.
SILENCED_SYSTEM_CHECKS = ["auth.W004", "axes.W006"]

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

# Brute force (django-axes): 5 failures on one identifier of one site lock it for 15 minutes.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_CALLABLE = "extranet.base.backends.axes_username"
# authenticate(site=..., username=..., password=...) reaches axes as {"username": ..., "site": ...}
# (the default key would be the user model's USERNAME_FIELD, "identifier").
AXES_USERNAME_FORM_FIELD = "username"
# Attempts during a lockout do not restart the 15 minutes: an attacker cannot keep a family out.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "extranet.shell.views.lockout"
AXES_VERBOSE = False

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
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
        )
    },
}

# Email: console by default, SMTP through EMAIL_URL in production.
for _key, _value in parse_email_url("EMAIL_URL", env_str("EMAIL_URL")).items():
    globals()[_key] = _value
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Tutti <no-reply@tutti.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_MAX_ATTEMPTS = env_int("EMAIL_MAX_ATTEMPTS", 8)
# Send after commit in a background thread (the page does not wait for the mail server);
# the outbox and send_pending_emails catch whatever a thread could not send.
EMAIL_SEND_IN_BACKGROUND = env_bool("EMAIL_SEND_IN_BACKGROUND", True)

# Uploads.
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)
DOCUMENT_FAMILY_QUOTA_BYTES = env_int("DOCUMENT_FAMILY_QUOTA_BYTES", 200 * 1024 * 1024)
DOCUMENT_MAX_PIXELS = env_int("DOCUMENT_MAX_PIXELS", 40_000_000)
# "django" streams files from Python; "nginx" (X-Accel-Redirect) or "apache" (X-Sendfile)
# hands the transfer to the web server after the permission check.
DOCUMENT_SERVE_MODE = env_str("DOCUMENT_SERVE_MODE", "django")
if DOCUMENT_SERVE_MODE not in {"django", "nginx", "apache"}:
    raise ImproperlyConfigured("DOCUMENT_SERVE_MODE must be django, nginx or apache.")
DOCUMENT_ACCEL_PREFIX = env_str("DOCUMENT_ACCEL_PREFIX", "/protected/")
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
