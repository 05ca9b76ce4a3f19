"""How agreements get their signature: the local PAdES signer or e签宝, by settings.

``CONTRACTS_SIGNER`` names the backend: ``"local"`` (default: pyHanko with the platform's
certificate) or ``"esign"`` (options in ``CONTRACTS_ESIGN``: app_id, app_secret, base_url,
trust_roots (PEM paths of the provider's CA certificates), notify_url).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .base import Signer, SigningError, SignRequest, SignResult, Verification
from .pades import LocalPadesSigner

__all__ = [
    "LocalPadesSigner",
    "SignRequest",
    "SignResult",
    "Signer",
    "SigningError",
    "Verification",
    "get_signer",
]


def get_signer(name: str | None = None) -> Signer:
    name = name or getattr(settings, "CONTRACTS_SIGNER", "local") or "local"
    if name == "local":
        return LocalPadesSigner()
    if name == "esign":
        from .esign import EsignSigner

        options = getattr(settings, "CONTRACTS_ESIGN", None)
        if not options:
            raise ImproperlyConfigured("CONTRACTS_SIGNER is 'esign' but CONTRACTS_ESIGN is unset")
        return EsignSigner.from_options(options)
    raise ImproperlyConfigured(f"unknown CONTRACTS_SIGNER {name!r}")
