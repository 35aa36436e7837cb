"""Django settings for Alliance: every value comes from the environment through helpers that fail loudly."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, overload

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from alliance.web.proxy import parse_trusted_proxies

BASE_DIR = Path(__file__).resolve().parent


@overload
def env_str(name: str, default: None = None) -> str | None: ...
@overload
def env_str(name: str, default: str) -> str: ...
def env_str(name: str, default: str | None = None) -> str | None:
    """Return the environment variable `name`, or `default` when unset or empty."""
    value = os.environ.get(name, "")
    return value if value.strip() else default


def env_bool(name: str, default: bool = False) -> bool:
    """Return a strict boolean: only true/false/1/0/yes/no are accepted."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    """Return a comma-separated environment variable as a list of stripped values."""
    raw = env_str(name)
    if raw is None:
        return list(default or [])
    return [part.strip() for part in raw.split(",") if part.strip()]


def env_int(name: str, default: int) -> int:
    """Return an integer environment variable, refusing anything that is not an integer."""
    raw = env_str(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from exc


# The demo and the test suite set ALLIANCE_MODE; production is the default and is strict.
MODE = env_str("ALLIANCE_MODE", "production")
if MODE not in {"production", "demo", "test"}:
    raise ImproperlyConfigured(f"ALLIANCE_MODE must be production, demo or test, not {MODE!r}")
RELAXED = MODE in {"demo", "test"}

ALLIANCE_HOME = Path(env_str("ALLIANCE_HOME", str(Path.cwd() / "alliance-data"))).resolve()
DEBUG = env_bool("ALLIANCE_DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
ALLIANCE_DATA_KEY = env_str("ALLIANCE_DATA_KEY")
# Encrypts backups (the first key; all decrypt); the data key's first key when unset.
ALLIANCE_BACKUP_KEY = env_str("ALLIANCE_BACKUP_KEY")

DATA_KEY_FILE = ALLIANCE_HOME / "data.key"
# Fixed only for the throwaway test databases; never used by the demo or production.
TEST_DATA_KEY = "dGVzdC1vbmx5LWRhdGEta2V5LWFsbGlhbmNlLTAwMDA="  # noqa: S105

if RELAXED and ALLIANCE_DATA_KEY is None:
    if MODE == "test":
        ALLIANCE_DATA_KEY = TEST_DATA_KEY
    elif DATA_KEY_FILE.exists():
        ALLIANCE_DATA_KEY = DATA_KEY_FILE.read_text().strip()

if RELAXED:
    # Demo and tests derive what they need; production must be told explicitly.
    if SECRET_KEY is None:
        SECRET_KEY = "insecure-" + MODE + "-only-secret-key-not-for-production-use-0000"  # noqa: S105
    if not ALLOWED_HOSTS:
        ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver", "[::1]"]
else:
    missing = [
        name
        for name, value in (
            ("SECRET_KEY", SECRET_KEY),
            ("ALLOWED_HOSTS", ALLOWED_HOSTS),
            ("ALLIANCE_DATA_KEY", ALLIANCE_DATA_KEY),
        )
        if not value
    ]
    if missing:
        raise ImproperlyConfigured(
            "Alliance refuses to start in production without "
            + ", ".join(missing)
            + " (set them in the environment, or run `alliance demo` for a local demo)."
        )

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{ALLIANCE_HOME / 'alliance.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
_test_db = env_str("ALLIANCE_TEST_DATABASE_URL")
if MODE == "test" and _test_db:
    DATABASES["default"] = dj_database_url.parse(_test_db)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "alliance.web.accounts",
    "alliance.web.audit",
    "alliance.web.backups",
    "alliance.web.practice",
    "alliance.web.measures",
    "alliance.web.transcripts",
    "alliance.web.insights",
    "alliance.web.research",
    "alliance.web.collaboration",
    "alliance.web.journal",
    "alliance.web.intake",
    "alliance.web.api",
    "alliance.web.webhooks",
    "alliance.web.security",
    "alliance.web.rights",
    "alliance.web.outcomes",
    "ninja",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
]

AUTH_USER_MODEL = "accounts.User"

MIDDLEWARE = [
    # First, so that everything after it (limits, lockouts) sees the client's own address.
    "alliance.web.proxy.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "alliance.web.security.middleware.SessionActivityMiddleware",
    "alliance.web.security.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "alliance.web.security.middleware.SecurityHeadersMiddleware",
    # Last, so that it turns a lockout raised anywhere during sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Axes watches every password check (and the second step) and locks out a username from an
# address after too many failures; ModelBackend then checks the password itself.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "alliance.web.urls"
WSGI_APPLICATION = "alliance.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "alliance.web.security.context_processors.two_factor",
            ],
        },
    }
]

# Widget templates of our own (e.g. the 0–10 rating scale) live with the other templates.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("ALLIANCE_TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
# Demo and tests serve static files straight from the package (no collectstatic step).
STATIC_ROOT = None if RELAXED else ALLIANCE_HOME / "static"
# Files Django writes (uploads, collected static files) are the server's own, like the rest
# of ALLIANCE_HOME (Django's default would be 0644).
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = RELAXED
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sessions end after ALLIANCE_IDLE_MINUTES without a request (sliding: the security app's
# SessionActivityMiddleware pushes the expiry forward), when the browser closes, and at the
# latest ALLIANCE_SESSION_SECONDS after sign-in, however active.
ALLIANCE_IDLE_MINUTES = env_int("ALLIANCE_IDLE_MINUTES", 30)
if ALLIANCE_IDLE_MINUTES < 1:
    raise ImproperlyConfigured(
        f"ALLIANCE_IDLE_MINUTES must be at least 1, not {ALLIANCE_IDLE_MINUTES}"
    )
SESSION_COOKIE_AGE = ALLIANCE_IDLE_MINUTES * 60
ALLIANCE_SESSION_MAX_SECONDS = env_int("ALLIANCE_SESSION_SECONDS", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Saving on every request would cost a write (three queries) per page; the activity middleware
# refreshes the expiry at most once a minute instead, which keeps the idle limit sliding.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Set by the security app's SecurityHeadersMiddleware: no page needs these browser features.
ALLIANCE_PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)

# Content Security Policy (django-csp): scripts and styles only from our own static files; no
# inline script, no inline style, no plugins, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Sign-in throttling (django-axes): ALLIANCE_LOGIN_FAILURE_LIMIT failed passwords or second-step
# codes for one username from one address lock that pair out for ALLIANCE_LOCKOUT_MINUTES.
# The failures are rows in the database (axes' database handler), so every worker and process
# counts the same attempts.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env_int("ALLIANCE_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("ALLIANCE_LOCKOUT_MINUTES", 15) / 60  # hours, as axes expects
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "security/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False

# Authenticator apps show the account as "Alliance:<username>".
OTP_TOTP_ISSUER = "Alliance"

if MODE == "production":
    SESSION_COOKIE_SECURE = env_bool("ALLIANCE_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = env_bool("ALLIANCE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("ALLIANCE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("ALLIANCE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading a domain into browsers is the operator's decision (ALLIANCE_HSTS_PRELOAD).
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

# Rate limits and lockouts must hold across every worker and process (`alliance serve` runs
# several): the cache is shared. By default it is a table in the database (created by the
# journal app's migrations); ALLIANCE_CACHE_URL names a shared Redis instead where one runs.
CACHE_TABLE = "alliance_cache"


def cache_from_url(url: str | None) -> dict[str, Any]:
    """The default cache for ALLIANCE_CACHE_URL: the database cache, or Django's RedisCache."""
    if not url:
        return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": CACHE_TABLE}
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme in {"redis", "rediss", "unix"}:
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    raise ImproperlyConfigured(
        "ALLIANCE_CACHE_URL must be a redis://, rediss:// or unix:// URL of a shared cache "
        f"(or unset for the database cache), not {url!r}"
    )


CACHES = {"default": cache_from_url(env_str("ALLIANCE_CACHE_URL"))}

# Behind nginx (or another reverse proxy) the peer is the proxy. Requests from these addresses
# or networks take the client's address from X-Forwarded-For (alliance.web.proxy), so limits and
# lockouts per address count visitors, not the proxy. Empty (the default): the header is ignored.
ALLIANCE_TRUSTED_PROXIES = parse_trusted_proxies(env_list("ALLIANCE_TRUSTED_PROXIES"))

# Background work (webhook deliveries and their retries) goes through Django's task API with the
# database backend: no broker to run. `alliance worker` runs the queue; tests run tasks at once.
TASKS = {
    "default": {
        "BACKEND": env_str("ALLIANCE_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}
# Webhook URLs must be https in production unless the operator explicitly allows plain http.
ALLIANCE_WEBHOOKS_ALLOW_HTTP = env_bool("ALLIANCE_WEBHOOKS_ALLOW_HTTP", False)
# Webhook URLs on loopback, private or link-local addresses are refused in production.
ALLIANCE_WEBHOOKS_ALLOW_PRIVATE = env_bool("ALLIANCE_WEBHOOKS_ALLOW_PRIVATE", False)
# Routes the benchmark floor view (bench/load.py); never on a live practice.
ALLIANCE_BENCH_FLOOR = env_bool("ALLIANCE_BENCH_FLOOR", False)
# Monitoring after a client's check runs in `alliance worker` (critical answers: at once).
ALLIANCE_MONITOR_IN_BACKGROUND = env_bool("ALLIANCE_MONITOR_IN_BACKGROUND", True)

ALLIANCE_BASE_URL = env_str("ALLIANCE_BASE_URL", "http://127.0.0.1:8000")
ALLIANCE_CHECK_HOURS = env_int("ALLIANCE_CHECK_HOURS", 72)
ALLIANCE_REMINDER_HOURS = env_int("ALLIANCE_REMINDER_HOURS", 24)
ALLIANCE_MAX_REMINDERS = env_int("ALLIANCE_MAX_REMINDERS", 1)

EMAIL_BACKEND = env_str(
    "ALLIANCE_EMAIL_BACKEND",
    "alliance.web.console_mail.EmailBackend"  # the console, on standard error
    if RELAXED
    else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("ALLIANCE_FROM_EMAIL", "alliance@localhost")

# Every record passes RedactTokens: the tokens of check, portal and reset links in a URL
# (e.g. Django's "Not Found: /c/<token>/") never reach a log.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_tokens": {"()": "alliance.web.security.logs.RedactTokens"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_tokens"]},
    },
    "root": {"handlers": ["console"], "level": env_str("ALLIANCE_LOG_LEVEL", "WARNING")},
    # Django's request loggers keep their own handlers in DEBUG: send them through ours.
    "loggers": {
        "django.request": {"handlers": ["console"], "propagate": False},
        "django.server": {"handlers": ["console"], "propagate": False},
    },
}
