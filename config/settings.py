"""Django settings for Xinghuo.

Every value that differs between the demo, CI and production is read from the
environment here and nowhere else:

- ``XINGHUO_ENV``: ``demo`` (default) or ``production``.
- ``DATABASE_URL``: default SQLite at ``var/xinghuo.sqlite3``.
- ``SECRET_KEY``: required in production; the demo generates one into ``var/``.
- ``CELERY_BROKER_URL``: absent → Celery tasks run eagerly in-process.
- ``REDIS_URL``: shared cache (login rate limits) for several web processes.
- ``ALLOWED_HOSTS``: comma separated, production only.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("XINGHUO_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

ENVIRONMENT = os.environ.get("XINGHUO_ENV", "demo")
PRODUCTION = ENVIRONMENT == "production"
DEBUG = os.environ.get("DEBUG", "0" if PRODUCTION else "1") == "1"


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise RuntimeError("SECRET_KEY must be set when XINGHUO_ENV=production")
    # The demo keeps one generated key so sessions survive a restart.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = (
    [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    if PRODUCTION
    else ["127.0.0.1", "localhost", "testserver", "[::1]"]
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Serves the API docs (Swagger UI) from its own static files, not a CDN.
    "ninja",
    "xinghuo.core",
    "xinghuo.accounts",
    "xinghuo.regions",
    "xinghuo.workforce",
    "xinghuo.work_orders",
    "xinghuo.dispatch",
    "xinghuo.notifications",
    "xinghuo.settlement",
    "xinghuo.identity",
    "xinghuo.contracts",
    "xinghuo.certification",
    "xinghuo.analytics",
    "xinghuo.demo",
    "xinghuo.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'xinghuo.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for the writer instead of failing at once when two requests write, and take the
    # write lock when a transaction begins: with SQLite's default (deferred) transactions two
    # concurrent grabs that both read first fail with "database is locked" on upgrade.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
ATOMIC_REQUESTS = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

_redis_url = os.environ.get("REDIS_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _redis_url}
        if _redis_url
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Login throttling: this many failures for one phone number (or one client
# address) within the window locks further attempts until the window ends.
LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("LOGIN_FAILURE_WINDOW_SECONDS", "900"))
API_TOKEN_TTL_DAYS = int(os.environ.get("API_TOKEN_TTL_DAYS", "30"))

# Dispatch: candidate lists (eligible workers of an order) an organization may open per
# window, against harvesting workers' names; assignment offers a worker has not answered
# lapse after ASSIGNMENT_OFFER_TTL_MINUTES (swept with work_orders.sweep).
CANDIDATE_LISTS_PER_WINDOW = int(os.environ.get("CANDIDATE_LISTS_PER_WINDOW", "120"))
CANDIDATE_LIST_WINDOW_SECONDS = int(os.environ.get("CANDIDATE_LIST_WINDOW_SECONDS", "3600"))
ASSIGNMENT_OFFER_TTL_MINUTES = int(os.environ.get("ASSIGNMENT_OFFER_TTL_MINUTES", "120"))
# Team invitations a leader may send per day (each answer is the same, registered or not).
TEAM_INVITATIONS_PER_DAY = int(os.environ.get("TEAM_INVITATIONS_PER_DAY", "30"))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"

CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_HTTPONLY = True

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 200

CELERY_BEAT_SCHEDULE = {
    "work-orders-sweep": {"task": "work_orders.sweep", "schedule": 300.0},
}
SMS_BACKEND = os.environ.get("SMS_BACKEND", "xinghuo.notifications.sms.LoggingSmsSender")
CELERY_BEAT_SCHEDULE["settlement-sweep"] = {"task": "settlement.sweep", "schedule": 60.0}
CELERY_BEAT_SCHEDULE["certification-sweep"] = {"task": "certification.sweep", "schedule": 60.0}
CELERY_BEAT_SCHEDULE["dispatch-sweep"] = {"task": "dispatch.sweep", "schedule": 60.0}
# Payout channels: unset → every channel is the in-process sandbox. `make run` starts the
# local fake Alipay and bank servers and points here at the setting they write.
_payout_channels_file = os.environ.get("PAYOUT_CHANNELS_FILE")
if _payout_channels_file:
    import json

    PAYOUT_CHANNELS = json.loads(Path(_payout_channels_file).read_text())
# Wallet withdrawals above this (fen) wait for a platform operator's approval.
PAYOUT_APPROVAL_THRESHOLD_FEN = int(os.environ.get("PAYOUT_APPROVAL_THRESHOLD_FEN", "500000"))
# The withholding agent's legal name on tax declarations.
PLATFORM_LEGAL_NAME = os.environ.get("PLATFORM_LEGAL_NAME", "星火平台")

# Identity (docs/identity.md): Fernet keys for personal data at rest, comma-separated, the
# newest first (it encrypts; all decrypt; `manage.py identity_rotate_keys` re-encrypts),
# and the HMAC key of the blind index (never rotates). Unset: derived from SECRET_KEY,
# which production refuses.
IDENTITY_ENCRYPTION_KEYS = tuple(
    k.strip() for k in os.environ.get("IDENTITY_ENCRYPTION_KEYS", "").split(",") if k.strip()
)
IDENTITY_BLIND_INDEX_KEY = os.environ.get("IDENTITY_BLIND_INDEX_KEY") or None

# Agreements (docs/agreements.md): the local PAdES signer or e签宝.
CONTRACTS_SIGNER = os.environ.get("CONTRACTS_SIGNER", "local")
CONTRACTS_SIGNING_KEY = os.environ.get("CONTRACTS_SIGNING_KEY", "")
CONTRACTS_SIGNING_CERT = os.environ.get("CONTRACTS_SIGNING_CERT", "")
CONTRACTS_SIGNING_KEY_PASSWORD = os.environ.get("CONTRACTS_SIGNING_KEY_PASSWORD", "")
if os.environ.get("CONTRACTS_ESIGN"):
    import json

    CONTRACTS_ESIGN = json.loads(os.environ["CONTRACTS_ESIGN"])
IDENTITY_OCR_READS_PER_HOUR = int(os.environ.get("IDENTITY_OCR_READS_PER_HOUR", "30"))
