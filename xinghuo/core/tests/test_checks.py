"""Production refuses to start with an unsafe configuration (core/checks.py), and the
documented production environment (docs/operations.md) gives a clean `check --deploy`,
HTTPS behind a TLS proxy and working form posts there.

The environment-driven tests run Django in a subprocess: config/settings.py reads the
environment once, at import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.checks import ERROR, WARNING, run_checks

from xinghuo.core.checks import PRODUCTION_TAG

BASE_DIR = Path(__file__).resolve().parents[3]
STRONG_KEY = "k3V9x-" + "Qm7pL2wZr8tY4nB6cD1fG5hJ0sA3eU9iO7kX2vN8bM4qW6zR1y"


def _error_ids() -> set[str]:
    return {m.id or "" for m in run_checks(tags=[PRODUCTION_TAG]) if m.level >= ERROR}


@pytest.fixture
def production(settings: Any) -> Any:
    """Settings of a correctly configured production: no check reports."""
    settings.PRODUCTION = True
    settings.DEBUG = False
    settings.SECRET_KEY = STRONG_KEY
    settings.IDENTITY_ENCRYPTION_KEYS = (Fernet.generate_key().decode(),)
    settings.IDENTITY_BLIND_INDEX_KEY = "a blind index key of its own"
    settings.PAYOUT_CHANNELS = {
        "alipay": {"BACKEND": "alipay", "OPTIONS": {}},
        "bank": {"BACKEND": "bank", "OPTIONS": {}},
    }
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
        }
    }
    settings.OPERATOR_2FA_REQUIRED = True
    settings.CONTRACTS_SIGNER = "local"
    settings.CONTRACTS_SIGNING_KEY = "/etc/xinghuo/signing.key"
    settings.CONTRACTS_SIGNING_CERT = "/etc/xinghuo/signing.crt"
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/1"
    return settings


def test_configured_production_passes(production: Any) -> None:
    assert _error_ids() == set()


def test_demo_needs_none_of_it(settings: Any) -> None:
    settings.PRODUCTION = False
    settings.IDENTITY_ENCRYPTION_KEYS = ()
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert _error_ids() == set()


def test_production_refuses_missing_encryption_keys(production: Any) -> None:
    production.IDENTITY_ENCRYPTION_KEYS = ()
    assert "xinghuo.E001" in _error_ids()
    production.IDENTITY_ENCRYPTION_KEYS = (Fernet.generate_key().decode(),)
    production.IDENTITY_BLIND_INDEX_KEY = None
    assert _error_ids() == {"xinghuo.E003"}


def test_a_key_that_is_not_a_fernet_key_is_refused_everywhere(settings: Any) -> None:
    settings.PRODUCTION = False
    settings.IDENTITY_ENCRYPTION_KEYS = ("not-a-fernet-key",)
    assert _error_ids() == {"xinghuo.E002"}


def test_production_refuses_unset_payout_channels(production: Any) -> None:
    del production.PAYOUT_CHANNELS
    assert _error_ids() == {"xinghuo.E010"}


def test_production_refuses_sandbox_payout_channels(production: Any) -> None:
    production.PAYOUT_CHANNELS = {
        "alipay": {"BACKEND": "alipay", "OPTIONS": {}},
        "bank": {"BACKEND": "sandbox"},
    }
    assert _error_ids() == {"xinghuo.E011"}
    production.PAYOUT_CHANNELS = {
        "sandbox": {"BACKEND": "xinghuo.settlement.channels.sandbox.SandboxChannel"}
    }
    assert _error_ids() == {"xinghuo.E011"}


@pytest.mark.parametrize(
    "backend",
    [
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.dummy.DummyCache",
    ],
)
def test_production_refuses_a_per_process_cache(production: Any, backend: str) -> None:
    production.CACHES = {"default": {"BACKEND": backend}}
    assert _error_ids() == {"xinghuo.E020"}


def test_production_requires_operators_second_factor(production: Any) -> None:
    production.OPERATOR_2FA_REQUIRED = False
    assert _error_ids() == {"xinghuo.E030"}
    del production.OPERATOR_2FA_REQUIRED
    assert _error_ids() == {"xinghuo.E030"}


def test_production_refuses_debug(production: Any) -> None:
    production.DEBUG = True
    assert _error_ids() == {"xinghuo.E040"}


@pytest.mark.parametrize("key", ["short", "django-insecure-" + "x" * 50, "ab" * 40])
def test_production_refuses_a_weak_secret_key(production: Any, key: str) -> None:
    production.SECRET_KEY = key
    assert _error_ids() == {"xinghuo.E041"}


def test_production_refuses_agreements_it_could_not_sign(production: Any) -> None:
    production.CONTRACTS_SIGNING_CERT = ""
    assert _error_ids() == {"xinghuo.E050"}
    production.CONTRACTS_SIGNER = "esign"
    assert _error_ids() == {"xinghuo.E051"}
    production.CONTRACTS_ESIGN = {"app_id": "a", "app_secret": "s", "base_url": "https://e"}
    assert _error_ids() == set()


def test_production_warns_without_a_task_broker(production: Any) -> None:
    production.CELERY_BROKER_URL = ""
    assert _error_ids() == set()
    warnings = {m.id for m in run_checks(tags=[PRODUCTION_TAG]) if m.level == WARNING}
    assert warnings == {"xinghuo.W060"}


# --- the documented environment, in a real process --------------------------------------


def _production_env(tmp_path: Path) -> dict[str, str]:
    """docs/operations.md's required variables, with made-up values."""
    channels = tmp_path / "payout_channels.json"
    channels.write_text(
        json.dumps(
            {
                "alipay": {"BACKEND": "alipay", "OPTIONS": {}},
                "bank": {"BACKEND": "bank", "OPTIONS": {}},
            }
        )
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "XINGHUO_"))}
    env.update(
        XINGHUO_ENV="production",
        XINGHUO_VAR_DIR=str(tmp_path / "var"),
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="xinghuo.example.com",
        CSRF_TRUSTED_ORIGINS="https://xinghuo.example.com",
        XINGHUO_BEHIND_TLS_PROXY="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        REDIS_URL="redis://127.0.0.1:6379/0",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/1",
        IDENTITY_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        IDENTITY_BLIND_INDEX_KEY="a blind index key of its own",
        PAYOUT_CHANNELS_FILE=str(channels),
        CONTRACTS_SIGNING_KEY="/etc/xinghuo/signing.key",
        CONTRACTS_SIGNING_CERT="/etc/xinghuo/signing.crt",
        OPERATOR_2FA_REQUIRED="1",
    )
    env.pop("DEBUG", None)
    return env


# OPERATOR_2FA_REQUIRED is read from the environment by the operator second-factor work;
# until that is merged here the script sets it as that setting would.
_SETUP = """
import django
from django.conf import settings
django.setup()
if not hasattr(settings._wrapped, "OPERATOR_2FA_REQUIRED"):
    settings.OPERATOR_2FA_REQUIRED = True
"""


def _run(env: dict[str, str], code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", _SETUP + code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_the_documented_production_environment(
    tmp_path: Path,
) -> None:
    result = _run(
        _production_env(tmp_path),
        "from django.core.management import call_command\n"
        "call_command('check', deploy=True, fail_level='WARNING')\n",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_production_server_refuses_to_start_without_its_settings(tmp_path: Path) -> None:
    env = _production_env(tmp_path)
    for name in ("IDENTITY_ENCRYPTION_KEYS", "PAYOUT_CHANNELS_FILE", "REDIS_URL"):
        env.pop(name)
    result = _run(env, "import config.wsgi\n")
    assert result.returncode != 0
    for error_id in ("xinghuo.E001", "xinghuo.E010", "xinghuo.E020"):
        assert error_id in result.stderr


def test_https_behind_a_tls_proxy(tmp_path: Path) -> None:
    """Behind the proxy: plain http is redirected, https gets HSTS and a CSP (with the map
    tiles' origin for images), and a form post from the public origin passes the CSRF
    check."""
    env = _production_env(tmp_path)
    env["MAP_TILES"] = json.dumps({"url": "https://{s}.tiles.example.com/{z}/{x}/{y}.png"})
    result = _run(
        env,
        """
import json
import config.wsgi
from django.test import Client
c = Client(enforce_csrf_checks=True, HTTP_HOST="xinghuo.example.com")
https = {"HTTP_X_FORWARDED_PROTO": "https"}
plain = c.get("/login/")
page = c.get("/login/", **https)
token = c.cookies["csrftoken"].value
post = c.post(
    "/i18n/setlang/",
    {"language": "en", "next": "/login/", "csrfmiddlewaretoken": token},
    HTTP_ORIGIN="https://xinghuo.example.com",
    HTTP_REFERER="https://xinghuo.example.com/login/",
    **https,
)
cookie = c.cookies["csrftoken"]
print(json.dumps({
    "plain": [plain.status_code, plain.headers.get("Location")],
    "page": page.status_code,
    "hsts": page.headers.get("Strict-Transport-Security"),
    "csp": page.headers.get("Content-Security-Policy"),
    "post": post.status_code,
    "cookie_secure": bool(cookie["secure"]),
    "cookie_httponly": bool(cookie["httponly"]),
}))
""",
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["plain"] == [301, "https://xinghuo.example.com/login/"]
    assert out["page"] == 200
    assert out["hsts"] == "max-age=31536000; includeSubDomains; preload"
    directives = dict(d.strip().split(" ", 1) for d in out["csp"].split(";"))
    assert directives["script-src"].startswith("'self'")
    assert "unsafe" not in directives["script-src"]
    assert directives["img-src"] == "'self' data: blob: https://*.tiles.example.com"
    assert out["post"] == 302  # not 403 "CSRF Failed: origin checking failed"
    assert out["cookie_secure"] and out["cookie_httponly"]
