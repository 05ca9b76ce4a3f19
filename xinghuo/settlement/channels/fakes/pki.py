"""Keys and certificates for the fakes, generated afresh with ``cryptography``.

The fake Alipay PKI has the shape of the real one: a root bundle with two RSA roots
and an ECC root (which ``alipay_root_cert_sn`` must skip), an intermediate CA for
application certificates and one for Alipay's own, and certificate files that carry
the leaf followed by its intermediate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_pem(key: PrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def cert_pem(*certs: x509.Certificate) -> bytes:
    # Alipay's files separate certificates by a blank line; some SDKs split on it.
    return b"\n".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def name(cn: str, ou: str = "Certification Authority", o: str = "Fake Ant Financial") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, o),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def certificate(
    subject: x509.Name,
    key: PrivateKey,
    *,
    issuer: x509.Name | None = None,
    issuer_key: PrivateKey | None = None,
    ca: bool = False,
    serial: int | None = None,
) -> x509.Certificate:
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer or subject)
        .public_key(key.public_key())
        .serial_number(serial or x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    return builder.sign(issuer_key or key, hashes.SHA256())


@dataclass(frozen=True)
class AlipayPKI:
    app_id: str
    roots: tuple[x509.Certificate, ...]
    app_key: rsa.RSAPrivateKey
    app_cert: x509.Certificate
    app_ca: x509.Certificate
    alipay_key: rsa.RSAPrivateKey
    alipay_cert: x509.Certificate
    alipay_ca: x509.Certificate

    @property
    def root_bundle_pem(self) -> bytes:
        return cert_pem(*self.roots)

    @property
    def app_cert_pem(self) -> bytes:
        return cert_pem(self.app_cert, self.app_ca)

    @property
    def alipay_cert_pem(self) -> bytes:
        return cert_pem(self.alipay_cert, self.alipay_ca)

    @property
    def app_private_key_pem(self) -> bytes:
        return private_pem(self.app_key)


def make_alipay_pki(app_id: str = "2021000000000001") -> AlipayPKI:
    legacy_key, root_key, class1_key, class2_key = (rsa_key() for _ in range(4))
    legacy = certificate(name("Fake Ant Financial Certification Authority"), legacy_key, ca=True)
    root = certificate(name("Fake Ant Financial Certification Authority R1"), root_key, ca=True)
    ecc_key = ec.generate_private_key(ec.SECP256R1())
    ecc = certificate(name("Fake Ant Financial Certification Authority E1"), ecc_key, ca=True)
    class1_name = name("Fake Ant Financial Certification Authority Class 1 R1")
    class2_name = name("Fake Ant Financial Certification Authority Class 2 R1")
    app_ca = certificate(class1_name, class1_key, issuer=root.subject, issuer_key=root_key, ca=True)
    alipay_ca = certificate(
        class2_name, class2_key, issuer=root.subject, issuer_key=root_key, ca=True
    )
    app_key, alipay_key = rsa_key(), rsa_key()
    app_cert = certificate(
        name(app_id, ou="Alipay", o="星火劳务平台"),
        app_key,
        issuer=class1_name,
        issuer_key=class1_key,
    )
    alipay_cert = certificate(
        name("支付宝(中国)网络技术有限公司-Fake", ou="Alipay", o="Fake Alipay"),
        alipay_key,
        issuer=class2_name,
        issuer_key=class2_key,
    )
    return AlipayPKI(
        app_id=app_id,
        roots=(legacy, root, ecc),
        app_key=app_key,
        app_cert=app_cert,
        app_ca=app_ca,
        alipay_key=alipay_key,
        alipay_cert=alipay_cert,
        alipay_ca=alipay_ca,
    )


@dataclass(frozen=True)
class BankKeys:
    merchant_key: rsa.RSAPrivateKey
    bank_key: rsa.RSAPrivateKey


def make_bank_keys() -> BankKeys:
    return BankKeys(merchant_key=rsa_key(), bank_key=rsa_key())
