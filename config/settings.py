"""Django settings for Xinghuo.

Every value that differs between the demo, CI and production is read from the
environment here and nowhere else:

- ``XINGHUO_ENV``: ``demo`` (default) or ``production``.
- ``DATABASE_URL``: default SQLite at ``var/xinghuo.sqlite3``.
- ``SECRET_KEY``: required in production; the demo generates one into ``var/``.
- ``CELERY_BROKER_URL``: absent → Celery tasks run eagerly in-process.
- ``REDIS_URL``: shared cache (login throttling) — required for more than one process.
- ``ALLOWED_HOSTS``: comma separated, production only.
- HTTPS behind a proxy, cookies, HSTS, CSP: see the block "HTTPS, cookies and browser
  security headers" below. Every production variable is listed in docs/operations.md;
  ``xinghuo/core/checks.py`` refuses production without the ones it cannot run safely without.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
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
    "django_otp",
    "django_otp.plugins.otp_totp",
    # Serves the API docs (Swagger UI) from its own static files, not a CDN.
    "ninja",
    "csp",
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
    "xinghuo.workflows",
    "xinghuo.demo",
    "xinghuo.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before anything reads the body: oversized bodies → 413, NUL characters → 422.
    "xinghuo.core.middleware.RequestGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "xinghuo.web.middleware.OperatorSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
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

# --- login: one path, progressive delay, client address, second factor (issue 12) ------
# Counters live in CACHES["default"] (Redis with REDIS_URL): shared by every process.
# After LOGIN_FREE_FAILURES failures for a number (LOGIN_ADDRESS_FREE_FAILURES for a client
# address) each further attempt waits LOGIN_DELAY_BASE_SECONDS, doubling per failure up to
# LOGIN_DELAY_MAX_SECONDS; nobody is locked out for longer than that. Failures are counted
# over LOGIN_FAILURE_MEMORY_SECONDS.
LOGIN_FREE_FAILURES = int(os.environ.get("LOGIN_FREE_FAILURES", "5"))
LOGIN_ADDRESS_FREE_FAILURES = int(os.environ.get("LOGIN_ADDRESS_FREE_FAILURES", "50"))
LOGIN_DELAY_BASE_SECONDS = int(os.environ.get("LOGIN_DELAY_BASE_SECONDS", "2"))
LOGIN_DELAY_MAX_SECONDS = int(os.environ.get("LOGIN_DELAY_MAX_SECONDS", "300"))
LOGIN_FAILURE_MEMORY_SECONDS = int(os.environ.get("LOGIN_FAILURE_MEMORY_SECONDS", "86400"))
# Client address (xinghuo/core/proxies.py): X-Forwarded-For is believed only from these
# proxies (comma-separated addresses or networks), or else from the last N hops.
TRUSTED_PROXIES = [p.strip() for p in os.environ.get("TRUSTED_PROXIES", "").split(",") if p.strip()]
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
if TRUSTED_PROXIES:  # a typo fails at start, not as a 500 at the first login
    from ipaddress import ip_network

    for _proxy in TRUSTED_PROXIES:
        ip_network(_proxy, strict=False)
# Operators' second factor (TOTP, django-otp): required in production unless turned off.
OPERATOR_2FA_REQUIRED = os.environ.get("OPERATOR_2FA_REQUIRED", "1" if PRODUCTION else "0") == "1"
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "星火平台")
# Our login throttle is the one that counts; django-otp's own per-device one would only
# make a right code fail after a wrong one.
OTP_TOTP_THROTTLE_FACTOR = 0
# The admin's TOTP device pages must not show another operator's key or QR code.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# --- end login block --------------------------------------------------------------------
API_TOKEN_TTL_DAYS = int(os.environ.get("API_TOKEN_TTL_DAYS", "30"))

# Dispatch: candidate lists (eligible workers of an order) an organization may open per
# window, against harvesting workers' names; assignment offers a worker has not answered
# lapse after ASSIGNMENT_OFFER_TTL_MINUTES (swept with dispatch.sweep).
CANDIDATE_LISTS_PER_WINDOW = int(os.environ.get("CANDIDATE_LISTS_PER_WINDOW", "120"))
CANDIDATE_LIST_WINDOW_SECONDS = int(os.environ.get("CANDIDATE_LIST_WINDOW_SECONDS", "3600"))
ASSIGNMENT_OFFER_TTL_MINUTES = int(os.environ.get("ASSIGNMENT_OFFER_TTL_MINUTES", "120"))
# Team invitations a leader may send per day (each answer is the same, registered or not).
TEAM_INVITATIONS_PER_DAY = int(os.environ.get("TEAM_INVITATIONS_PER_DAY", "30"))
# Members an organization may try to add per day (the answer tells whether a number is
# registered, so it is bounded like the team invitations).
MEMBERSHIP_ADDS_PER_DAY = int(os.environ.get("MEMBERSHIP_ADDS_PER_DAY", "30"))
# Registration attempts per client address (an IPv6 /64) per hour: "number taken" answers
# tell which numbers are registered.
REGISTRATIONS_PER_ADDRESS_PER_HOUR = int(os.environ.get("REGISTRATIONS_PER_ADDRESS_PER_HOUR", "30"))

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

# --- HTTPS, cookies and browser security headers (docs/operations.md) --------------------
# Production turns every protection on by default; the demo (plain http on localhost) keeps
# them off except the headers that cost nothing there. Each can be overridden by its variable.


def _env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    return default if not value else value in {"1", "true", "yes"}


def _env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


# Behind a reverse proxy that terminates TLS, Django sees plain http: trust the proxy's
# X-Forwarded-Proto only when told to (a client could send the header itself otherwise, so
# the proxy must overwrite it; see the nginx example in docs/operations.md).
if _env_flag("XINGHUO_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Origins (scheme://host[:port]) whose form posts are accepted besides the request's own
# host, e.g. "https://xinghuo.example.com" when the proxy rewrites the Host header.
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS")
SECURE_SSL_REDIRECT = _env_flag("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if PRODUCTION else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_flag("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = _env_flag("SECURE_HSTS_PRELOAD", PRODUCTION)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = _env_flag("SESSION_COOKIE_SECURE", PRODUCTION)
CSRF_COOKIE_SECURE = _env_flag("CSRF_COOKIE_SECURE", PRODUCTION)
SESSION_COOKIE_HTTPONLY = True
# Pages send the token from the form's hidden field, never read it from the cookie.
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"

# Content-Security-Policy (django-csp), sent in the demo too so the tests exercise it.
# Scripts and <style> blocks only from our own origin (vendored libraries included) or with
# the per-response nonce (`<script nonce="{{ request.csp_nonce }}">`); never inline event
# handlers. Style *attributes* stay allowed (style-src-attr): ECharts writes them into its
# tooltips, and an attribute cannot run code or read the page. Map tiles (MAP_TILES) add
# their origin to img-src.
# MAP_TILES: JSON {"url", "datum", "attribution", "subdomains", "max_zoom"}; unset → no tiles.
if os.environ.get("MAP_TILES"):
    import json

    MAP_TILES = json.loads(os.environ["MAP_TILES"])


def _tile_sources() -> list[str]:
    from urllib.parse import urlsplit

    url = (globals().get("MAP_TILES") or {}).get("url", "")
    if not url:
        return []
    parts = urlsplit(url.replace("{s}", "*"))
    return [f"{parts.scheme}://{parts.netloc}"]


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "style-src-attr": [UNSAFE_INLINE],
        # blob: previews of a chosen photo; data: Leaflet's and ECharts' small images.
        "img-src": [SELF, "data:", "blob:", *_tile_sources()],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

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

# A body read into memory (JSON, form fields) may have this many bytes; a multipart upload
# (streamed to disk) REQUEST_MAX_BYTES in all. Larger requests are answered 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440))
REQUEST_MAX_BYTES = int(os.environ.get("REQUEST_MAX_BYTES", 210 * 1024 * 1024))

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 200

# Periodic jobs: each app registers its tasks (tasks.py) and this is the one schedule.
# `manage.py run_periodic` runs the same tasks by name, labelled by the entry's name less
# "-sweep".
CELERY_BEAT_SCHEDULE = {
    "orders-sweep": {"task": "workflows.work_orders_sweep", "schedule": 300.0},
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
# Payout retry policy (settlement.services.payouts.RetryPolicy, driven by the per-minute sweep): a
# submitted payout its channel does not know is resubmitted, with the same channel id, once
# its last submission is this old; after PAYOUT_MAX_ATTEMPTS submissions it waits for an
# operator on the finance page instead.
PAYOUT_RESUBMIT_AFTER_SECONDS = int(os.environ.get("PAYOUT_RESUBMIT_AFTER_SECONDS", "600"))
PAYOUT_MAX_ATTEMPTS = int(os.environ.get("PAYOUT_MAX_ATTEMPTS", "3"))

# A correction of a settled order that takes back more than this (fen) waits for a second
# operator's approval (not the one who asked for it).
CORRECTION_APPROVAL_THRESHOLD_FEN = int(
    os.environ.get("CORRECTION_APPROVAL_THRESHOLD_FEN", "100000")
)
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
# Operators' reveals of clear ID numbers / images per operator per hour (429 beyond, and
# the other operators are alerted).
IDENTITY_REVEALS_PER_HOUR = int(os.environ.get("IDENTITY_REVEALS_PER_HOUR", "30"))

# Every uploaded image (core/images.py): the most pixels its header may declare (a JPEG is
# decoded at 1/8 scale); a PNG or WebP, decoded in full, must also fit the decode budget
# (4 bytes a pixel for colour: 64 MiB ≈ 16.7 MP).
UPLOAD_MAX_PIXELS = int(os.environ.get("UPLOAD_MAX_PIXELS", "40000000"))
UPLOAD_MAX_DECODE_BYTES = int(os.environ.get("UPLOAD_MAX_DECODE_BYTES", str(64 * 2**20)))

# Agreements (docs/agreements.md): the local PAdES signer or e签宝.
CONTRACTS_SIGNER = os.environ.get("CONTRACTS_SIGNER", "local")
CONTRACTS_SIGNING_KEY = os.environ.get("CONTRACTS_SIGNING_KEY", "")
CONTRACTS_SIGNING_CERT = os.environ.get("CONTRACTS_SIGNING_CERT", "")
CONTRACTS_SIGNING_KEY_PASSWORD = os.environ.get("CONTRACTS_SIGNING_KEY_PASSWORD", "")
if os.environ.get("CONTRACTS_ESIGN"):
    import json

    CONTRACTS_ESIGN = json.loads(os.environ["CONTRACTS_ESIGN"])
IDENTITY_OCR_READS_PER_HOUR = int(os.environ.get("IDENTITY_OCR_READS_PER_HOUR", "30"))
