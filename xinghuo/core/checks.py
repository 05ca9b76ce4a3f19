"""System checks that refuse a production start (``XINGHUO_ENV=production``) with a setting
that would otherwise fail late or quietly: keys found missing only at the first identity
read, payouts "paid" by the in-process sandbox, a per-process cache under several web
processes. docs/operations.md lists what to set.

They run with every management command (``migrate``, ``check``, ``runserver``) and when
``config/wsgi.py`` builds the application, so a misconfigured server does not start. In the
demo and the tests (``PRODUCTION`` false) only the checks that are wrong everywhere report.
"""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

# Its own tag, so config/wsgi.py can run just these (cheap) checks when the server starts.
PRODUCTION_TAG = "xinghuo_production"

# Cache backends that keep their data in one process (or nowhere): login throttling and
# rate limits counted there let every extra web process multiply the allowed attempts.
_PROCESS_LOCAL_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}
_SANDBOX_BACKENDS = {"sandbox", "xinghuo.settlement.channels.sandbox.SandboxChannel"}


def _production() -> bool:
    return bool(getattr(settings, "PRODUCTION", False))


def _hint(variable: str) -> str:
    return f"Set {variable} (docs/operations.md)."


@register(PRODUCTION_TAG)
def check_encryption_keys(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Explicit keys for personal data at rest; every encryption key a Fernet key."""
    errors: list[CheckMessage] = []
    keys = tuple(getattr(settings, "IDENTITY_ENCRYPTION_KEYS", None) or ())
    for key in keys:
        try:
            Fernet(key)
        except (ValueError, TypeError):
            errors.append(
                Error(
                    "IDENTITY_ENCRYPTION_KEYS holds a value that is not a Fernet key.",
                    hint="Make keys with cryptography.fernet.Fernet.generate_key().",
                    id="xinghuo.E002",
                )
            )
            break
    if not _production():
        return errors
    if not keys:
        errors.append(
            Error(
                "IDENTITY_ENCRYPTION_KEYS is unset: ID numbers, payout accounts and ID images "
                "could not be read or written.",
                hint=_hint("IDENTITY_ENCRYPTION_KEYS"),
                id="xinghuo.E001",
            )
        )
    if not getattr(settings, "IDENTITY_BLIND_INDEX_KEY", None):
        errors.append(
            Error(
                "IDENTITY_BLIND_INDEX_KEY is unset: ID numbers could not be looked up.",
                hint=_hint("IDENTITY_BLIND_INDEX_KEY"),
                id="xinghuo.E003",
            )
        )
    return errors


@register(PRODUCTION_TAG)
def check_payout_channels(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Production pays through configured channels, never the in-process sandbox (which
    answers "paid" without moving any money)."""
    if not _production():
        return []
    channels = getattr(settings, "PAYOUT_CHANNELS", None)
    if not channels:
        return [
            Error(
                "PAYOUT_CHANNELS is unset: every payout would go to the in-process sandbox.",
                hint=_hint("PAYOUT_CHANNELS_FILE"),
                id="xinghuo.E010",
            )
        ]
    sandboxed = sorted(
        name
        for name, config in channels.items()
        if str((config or {}).get("BACKEND", name)) in _SANDBOX_BACKENDS
    )
    if sandboxed:
        return [
            Error(
                f"Payout channels served by the sandbox in production: {', '.join(sandboxed)}.",
                hint="Give each channel the alipay or bank backend (docs/operations.md).",
                id="xinghuo.E011",
            )
        ]
    return []


@register(PRODUCTION_TAG)
def check_shared_cache(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Login throttling and rate limits count in the cache: production needs one that every
    web process shares."""
    if not _production():
        return []
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend in _PROCESS_LOCAL_CACHES:
        return [
            Error(
                f"The default cache ({backend}) is not shared between processes: login "
                "throttling and rate limits would count per process.",
                hint=_hint("REDIS_URL"),
                id="xinghuo.E020",
            )
        ]
    return []


@register(PRODUCTION_TAG)
def check_operator_second_factor(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Operators see every worker's personal data: production requires their second factor."""
    if _production() and not getattr(settings, "OPERATOR_2FA_REQUIRED", False):
        return [
            Error(
                "OPERATOR_2FA_REQUIRED is off: operators could sign in with a password alone.",
                hint=_hint("OPERATOR_2FA_REQUIRED=1"),
                id="xinghuo.E030",
            )
        ]
    return []


@register(PRODUCTION_TAG)
def check_debug_and_secret_key(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """No DEBUG (tracebacks and settings on error pages) and no weak or demo SECRET_KEY."""
    if not _production():
        return []
    errors: list[CheckMessage] = []
    if settings.DEBUG:
        errors.append(
            Error(
                "DEBUG is on in production: error pages would show code and settings.",
                hint="Unset DEBUG (or set DEBUG=0).",
                id="xinghuo.E040",
            )
        )
    key = str(settings.SECRET_KEY or "")
    if len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure-"):
        errors.append(
            Error(
                "SECRET_KEY is short, repetitive or Django's insecure default.",
                hint="Use at least 50 random characters, e.g. "
                "python -c 'import secrets; print(secrets.token_urlsafe(50))'.",
                id="xinghuo.E041",
            )
        )
    return errors


@register(PRODUCTION_TAG)
def check_agreement_signing(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Agreements are signed with the platform's CA-issued certificate or through e签宝;
    production refuses the self-signed demo certificate only at the first signature."""
    if not _production():
        return []
    signer = getattr(settings, "CONTRACTS_SIGNER", "local") or "local"
    if signer == "esign":
        if getattr(settings, "CONTRACTS_ESIGN", None):
            return []
        return [
            Error(
                "CONTRACTS_SIGNER is 'esign' but CONTRACTS_ESIGN is unset.",
                hint=_hint("CONTRACTS_ESIGN"),
                id="xinghuo.E051",
            )
        ]
    if signer == "local" and not (
        getattr(settings, "CONTRACTS_SIGNING_KEY", "")
        and getattr(settings, "CONTRACTS_SIGNING_CERT", "")
    ):
        return [
            Error(
                "CONTRACTS_SIGNING_KEY and CONTRACTS_SIGNING_CERT are unset: agreements could "
                "not be signed.",
                hint=_hint("CONTRACTS_SIGNING_KEY and CONTRACTS_SIGNING_CERT"),
                id="xinghuo.E050",
            )
        ]
    return []


@register(PRODUCTION_TAG)
def check_task_broker(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Without a broker, tasks run inside the web request and nothing runs the periodic
    sweeps unless ``manage.py run_periodic`` is started: a warning, not a refusal."""
    if _production() and not getattr(settings, "CELERY_BROKER_URL", ""):
        return [
            Warning(
                "CELERY_BROKER_URL is unset: tasks run inside web requests and the periodic "
                "sweeps run only if `manage.py run_periodic` is started beside the server.",
                hint=_hint("CELERY_BROKER_URL"),
                id="xinghuo.W060",
            )
        ]
    return []
