"""RSA (SHA256withRSA, PKCS#1 v1.5) signing and key loading shared by the channels."""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def read_pem(value: str | bytes | None = None, path: str | Path | None = None) -> bytes:
    """PEM text given inline or read from ``path`` (settings may give either)."""
    if value:
        return value.encode() if isinstance(value, str) else value
    if path:
        return Path(path).read_bytes()
    raise ValueError("a PEM value or a path is required")


def load_private_key(data: str | bytes) -> rsa.RSAPrivateKey:
    """An RSA private key from PEM, or from the bare base64 (PKCS#8 or PKCS#1) that
    Alipay's key tool writes without PEM armour."""
    raw = data.encode() if isinstance(data, str) else data
    if b"-----BEGIN" in raw:
        key = serialization.load_pem_private_key(raw, password=None)
    else:
        try:
            der = base64.b64decode(b"".join(raw.split()), validate=True)
        except binascii.Error:
            raise ValueError("private key is neither PEM nor base64 DER") from None
        key = serialization.load_der_private_key(der, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("an RSA private key is required")
    return key


def load_public_key(data: str | bytes) -> rsa.RSAPublicKey:
    """An RSA public key from a PEM public key or a PEM certificate."""
    raw = data.encode() if isinstance(data, str) else data
    key: Any
    if b"CERTIFICATE" in raw:
        key = x509.load_pem_x509_certificate(raw).public_key()
    else:
        key = serialization.load_pem_public_key(raw)
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("an RSA public key is required")
    return key


def sign(key: rsa.RSAPrivateKey, message: bytes) -> str:
    """Base64 of SHA256withRSA (PKCS#1 v1.5) over ``message``; no line breaks."""
    signature = key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def verify(key: rsa.RSAPublicKey, message: bytes, signature_b64: str) -> bool:
    try:
        signature = base64.b64decode(signature_b64.encode("ascii"), validate=True)
        key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError, UnicodeEncodeError):
        return False
    return True


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8 (non-ASCII kept as is): the bytes that are signed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _no_floats(text: str) -> Any:
    raise ValueError(f"floats are not allowed in signed JSON: {text}")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate key in signed JSON")
    return result


def strict_json_loads(data: bytes | str) -> Any:
    """Parse JSON whose canonical form is signed: a float or a duplicate key could make
    the parsed value differ from what was signed, so both are refused."""
    return json.loads(
        data,
        parse_float=_no_floats,
        parse_constant=_no_floats,
        object_pairs_hook=_no_duplicates,
    )
