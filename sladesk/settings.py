"""Django settings, all read from the environment, with defaults for a local checkout.

With no environment at all, `sladesk migrate && sladesk runserver` works: DEBUG is on and
the database is SQLite at var/sladesk.sqlite3. A deployment sets at least

    DEBUG=0  SECRET_KEY=<50+ random characters>  ALLOWED_HOSTS=desk.example.com
    DATABASE_URL=postgres://…  SITE_URL=https://desk.example.com

and then `sladesk check --deploy` is clean. Importing this module reads the environment
and nothing else: the var/ folder of the default SQLite database is created by `sladesk`
(sladesk/cli.py) before a management command runs.
"""

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent
VAR_DIR = BASE_DIR / "var"  # the SQLite database and collected static files; git-ignored


def envbool(name: str, default: bool) -> bool:
    """1/true/yes/on or 0/false/no/off; unset or empty means the default."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name}={value!r}: expected 1/true/yes/on or 0/false/no/off")


def envint(name: str, default: int | None) -> int | None:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r}: expected a whole number") from None


def envlist(name: str, default: list[str]) -> list[str]:
    """A comma-separated list: `ALLOWED_HOSTS=desk.example.com,desk.internal`."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# -- core -------------------------------------------------------------------------------

DEBUG = envbool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set: with DEBUG off, set SECRET_KEY to 50 or more random "
            "characters (python -c 'import secrets; print(secrets.token_urlsafe(50))')"
        )
    SECRET_KEY = "sladesk-insecure-development-key-used-only-while-DEBUG-is-on"  # noqa: S105

SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000").rstrip("/")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", [])  # empty + DEBUG: localhost only
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])  # e.g. https://desk.example.com

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves the API docs' JavaScript from our static files, not from a CDN
    "sladesk.front",
    "sladesk.people",
    "sladesk.sla",
    "sladesk.desk",
    "sladesk.notify",
    "sladesk.inbound",
    "sladesk.worker",
    "sladesk.reports",
    "sladesk.catalog",
    "sladesk.agreements",
    "sladesk.search",
    "sladesk.kb",
    "django_tasks_db",
]

AUTH_USER_MODEL = "people.User"

# A resolved ticket that its requester neither confirms nor rejects closes itself after
# this many working days (on the calendar of its resolution clock).
SLADESK_CONFIRM_DAYS = envint("SLADESK_CONFIRM_DAYS", 3)
# A knowledge article is due for review by its owner this many days after it was written or
# last reviewed.
SLADESK_KB_REVIEW_DAYS = envint("SLADESK_KB_REVIEW_DAYS", 180)
# Background work (notifications, timers, mail polling) runs through Django's tasks,
# stored in our own database by django-tasks-db: `sladesk worker` runs them.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# The outbox: a worker owns the notifications it took for this many seconds (if it dies,
# another retries them after), and gives up after this many attempts (dead letter).
SLADESK_OUTBOX_LEASE = envint("SLADESK_OUTBOX_LEASE", 300)
SLADESK_OUTBOX_MAX_ATTEMPTS = envint("SLADESK_OUTBOX_MAX_ATTEMPTS", 10)
# Webhook and robot URLs that resolve to private or loopback addresses are refused (SSRF),
# unless the operator allows them here (an internal chat server, tests).
SLADESK_ALLOW_PRIVATE_URLS = envbool("SLADESK_ALLOW_PRIVATE_URLS", False)
# How often the worker looks for due timers and notifications, in seconds.
SLADESK_WORKER_TICK = envint("SLADESK_WORKER_TICK", 5)
# Due timers a worker takes per transaction (several workers share a backlog batch by batch).
SLADESK_TIMER_BATCH = envint("SLADESK_TIMER_BATCH", 500)

LOGIN_URL = "people:login"
LOGIN_REDIRECT_URL = "desk:start"  # agents to the queue, requesters to the portal
LOGOUT_REDIRECT_URL = "front:home"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "sladesk.people.middleware.PreferencesMiddleware",  # the person's time zone and language
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "sladesk.urls"
WSGI_APPLICATION = "sladesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# -- database ---------------------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'sladesk.sqlite3'}",
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
# Under pytest, TEST_DATABASE_URL names the server the test database is created on (CI:
# postgres://postgres@127.0.0.1:5432/postgres; pytest-django creates test_postgres there).
# Without it, tests use DATABASE_URL's server, or SQLite in memory by default. It is read
# only under pytest, so a developer's shell never points `sladesk runserver` at it, and
# here rather than in tests/conftest.py because Django asks the database backend for its
# limits on names while the models are imported, before any conftest runs.
if "pytest" in sys.modules and os.environ.get("TEST_DATABASE_URL"):
    DATABASES["default"] = dj_database_url.parse(os.environ["TEST_DATABASE_URL"])
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves a web process and a worker at once: writers take the
    # lock when their transaction begins and wait for it (instead of failing at once with
    # "database is locked" when a read turns into a write), and readers never block
    # writers (WAL).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE",
        timeout=20,
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# -- language and time ------------------------------------------------------------------

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

# -- static files (whitenoise) ----------------------------------------------------------

MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))  # ticket attachments
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
# While DEBUG is on (as configured: the test runner turns DEBUG off, not this), whitenoise
# serves straight from the source folders and var/static need not exist.
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # In production, hashed names (run `sladesk collectstatic`) so browsers cache forever.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# -- e-mail -----------------------------------------------------------------------------


def _mailers() -> dict:
    """SMTP when EMAIL_HOST is set, and always with DEBUG off (then a local MTA by default);
    while debugging without EMAIL_HOST, each mail is written as a file under var/mail/
    (the demo's notifications would otherwise flood the worker's console)."""
    host = os.environ.get("EMAIL_HOST", "")
    if DEBUG and not host:
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                "OPTIONS": {"file_path": str(VAR_DIR / "mail")},
            }
        }
    options = {
        "host": host or "localhost",
        "port": envint("EMAIL_PORT", None),  # unset: 465 with SSL, 587 with TLS, else 25
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": envbool("EMAIL_USE_TLS", False),  # STARTTLS
        "use_ssl": envbool("EMAIL_USE_SSL", False),  # TLS from the start, port 465
        "timeout": 30,
    }
    return {
        "default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": options}
    }


MAILERS = _mailers()  # Django 6.1's replacement of the EMAIL_* settings
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "sladesk@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# -- HTTPS: on by default when DEBUG is off; each switch is the Django setting's name ---

SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^api/health$"]  # load balancers probe over plain HTTP
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", not DEBUG)
# Behind a proxy that terminates TLS: the header it sets to "https", as Django names it,
# e.g. SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO. Or let the proxy redirect and set
# SECURE_SSL_REDIRECT=0.
if os.environ.get("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = (os.environ["SECURE_PROXY_SSL_HEADER"].strip(), "https")

# -- logging: everything to stderr, so tracebacks reach the service's log ---------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Django's own console and mail handlers are replaced by the root logger's.
    "loggers": {"django": {"handlers": [], "level": "INFO"}},
}
