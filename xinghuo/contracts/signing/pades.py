"""The local signer: PAdES (B-B) signatures with pyHanko and the platform's certificate.

Key and certificate come from settings ``CONTRACTS_SIGNING_KEY`` / ``CONTRACTS_SIGNING_CERT``
(PEM paths; the key unencrypted or with ``CONTRACTS_SIGNING_KEY_PASSWORD``). When they are
unset (the demo, the tests), a self-signed certificate for ``PLATFORM_LEGAL_NAME`` is made
on first use in ``CONTRACTS_SIGNING_DIR`` (default ``var/contracts/``) and reused after:
such a signature proves integrity, not identity to outsiders. Production
(``XINGHUO_ENV=production``) refuses to make one: configure a certificate issued by a CA.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import logging
import os
import tempfile
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from .base import Signer, SigningError, SignRequest, SignResult, Verification

T = TypeVar("T")

logger = logging.getLogger(__name__)

FIELD_NAME = "XinghuoPlatformSignature"
_BUNDLE = "platform_signing.pem"


@dataclass(frozen=True)
class SigningIdentity:
    key: asn1_keys.PrivateKeyInfo
    cert: asn1_x509.Certificate

    @property
    def certificate_sha256(self) -> str:
        return hashlib.sha256(self.cert.dump()).hexdigest()


def _run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run one of pyHanko's coroutines to completion from synchronous code.

    pyHanko's own sync wrappers call `asyncio.run`, which refuses to run in a thread whose
    event loop is already running (an async view, a Playwright-driven test). There the
    coroutine runs on a short-lived thread of its own instead.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _self_signed(common_name: str) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, common_name),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{common_name} 电子签名（演示）"),
        ]
    )
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # non-repudiation: a document signature
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ) + cert.public_bytes(serialization.Encoding.PEM)


def _demo_bundle(directory: Path) -> bytes:
    """The demo key+certificate, made once. Concurrent first uses race to hard-link
    their file into place: exactly one wins and every process reads the winner's."""
    path = directory / _BUNDLE
    if not path.exists():
        if getattr(settings, "PRODUCTION", False):
            raise ImproperlyConfigured(
                "CONTRACTS_SIGNING_KEY and CONTRACTS_SIGNING_CERT must be set in production"
            )
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".signing-")
        try:
            os.write(fd, _self_signed(settings.PLATFORM_LEGAL_NAME))
            os.close(fd)
            os.chmod(tmp, 0o600)
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
                logger.warning("contracts: made a self-signed demo signing certificate in %s", path)
        finally:
            os.unlink(tmp)
    return path.read_bytes()


def _load(key_pem: bytes, cert_pem: bytes, password: bytes | None) -> SigningIdentity:
    key = serialization.load_pem_private_key(key_pem, password=password)
    cert = x509.load_pem_x509_certificate(cert_pem)
    der_key = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return SigningIdentity(
        key=asn1_keys.PrivateKeyInfo.load(der_key),
        cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
    )


@lru_cache(maxsize=4)
def _identity(key_path: str, cert_path: str, directory: str, password: str) -> SigningIdentity:
    if key_path and cert_path:
        return _load(
            Path(key_path).read_bytes(), Path(cert_path).read_bytes(), password.encode() or None
        )
    bundle = _demo_bundle(Path(directory))
    return _load(bundle, bundle, None)


def platform_identity() -> SigningIdentity:
    """The platform's signing key and certificate (from settings, or the demo's)."""
    directory = getattr(settings, "CONTRACTS_SIGNING_DIR", None) or (
        Path(settings.VAR_DIR) / "contracts"
    )
    return _identity(
        str(getattr(settings, "CONTRACTS_SIGNING_KEY", "") or ""),
        str(getattr(settings, "CONTRACTS_SIGNING_CERT", "") or ""),
        str(directory),
        str(getattr(settings, "CONTRACTS_SIGNING_KEY_PASSWORD", "") or ""),
    )


def sign_pades(pdf: bytes, identity: SigningIdentity, request: SignRequest) -> bytes:
    """Append a PAdES B-B signature as an incremental update: the signed file starts with
    the exact bytes of `pdf`."""
    signer = signers.SimpleSigner(
        signing_cert=identity.cert,
        signing_key=identity.key,
        cert_registry=SimpleCertificateStore.from_certs([identity.cert]),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=request.reason,
        location=request.location or None,
        name=request.signer_name,
    )
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        return _run_async(signers.async_sign_pdf(writer, meta, signer=signer)).getvalue()
    except (PyHankoSigningError, ValueError, KeyError) as exc:
        raise SigningError(f"PAdES signing failed: {exc}") from exc


def validate_pades(pdf: bytes, *, trust_roots: list[asn1_x509.Certificate]) -> Verification:
    """Re-validate the (single) signature of `pdf`. Damage of any kind is reported as
    a problem, never raised: a file that no longer parses is a tampered file."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = reader.embedded_signatures
    except Exception as exc:
        return Verification(problems=(f"unreadable: {type(exc).__name__}",))
    if len(embedded) != 1:
        return Verification(problems=(f"expected one signature, found {len(embedded)}",))
    sig = embedded[0]
    try:
        status = _run_async(
            async_validate_pdf_signature(sig, ValidationContext(trust_roots=trust_roots))
        )
    except Exception as exc:
        return Verification(problems=(f"signature unreadable: {type(exc).__name__}",))
    cert = status.signing_cert
    return Verification(
        intact=bool(status.intact),
        signature_valid=bool(status.valid),
        trusted=bool(status.trusted),
        covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signer_subject=cert.subject.human_friendly if cert is not None else "",
        certificate_sha256=hashlib.sha256(cert.dump()).hexdigest() if cert is not None else "",
        signing_time=status.signer_reported_dt,
    )


class LocalPadesSigner(Signer):
    """Signs on this machine with the platform's own certificate."""

    name = "local"

    def __init__(self, identity: SigningIdentity | None = None) -> None:
        self._identity = identity

    @property
    def identity(self) -> SigningIdentity:
        return self._identity or platform_identity()

    def sign(self, request: SignRequest) -> SignResult:
        identity = self.identity
        return SignResult(
            status="signed",
            pdf=sign_pades(request.pdf, identity, request),
            certificate_sha256=identity.certificate_sha256,
        )

    def verify(self, pdf: bytes) -> Verification:
        return validate_pades(pdf, trust_roots=[self.identity.cert])
