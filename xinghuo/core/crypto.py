"""Encryption at rest for personal data: ID numbers, payout account numbers, ID-card and
licence images, certificate scans and order files (in core because several apps need it).

Keys come from settings:

- ``IDENTITY_ENCRYPTION_KEYS``: a list of Fernet keys (``Fernet.generate_key()``, url-safe
  base64 of 32 bytes). The first key encrypts; every key decrypts, so a key is rotated by
  putting a new one first, re-encrypting (``rotate_token`` / ``manage.py
  identity_rotate_keys``) and then dropping the old one.
- ``IDENTITY_BLIND_INDEX_KEY``: the HMAC key of the blind index. It must never rotate
  without recomputing every index, so it is separate from the encryption keys.

When a setting is unset (the demo, the tests) its key is derived from ``SECRET_KEY`` with
HKDF-SHA256 under a purpose label of its own, so the two keys are independent. Production
(``XINGHUO_ENV=production``) refuses to derive: set both explicitly there, because rotating
SECRET_KEY would otherwise make every stored ID number unreadable.

Fernet is AES-128-CBC with HMAC-SHA256 (encrypt-then-MAC) and a timestamp; MultiFernet
gives the "first encrypts, all decrypt" rotation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Callable
from functools import lru_cache, partial
from typing import Any, TypeVar

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile

_HKDF_SALT = b"xinghuo.identity.v1"


M = TypeVar("M", bound=models.Model)


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=purpose).derive(
        secret.encode()
    )


def _require_explicit(name: str) -> None:
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured(f"{name} must be set in production (see core/crypto.py)")


@lru_cache(maxsize=8)
def _multifernet(keys: tuple[str, ...], secret: str) -> MultiFernet:
    if not keys:
        keys = (base64.urlsafe_b64encode(_derive(secret, b"encryption")).decode(),)
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "IDENTITY_ENCRYPTION_KEYS holds a key that is not a Fernet key"
        ) from exc


def _fernet() -> MultiFernet:
    keys = tuple(getattr(settings, "IDENTITY_ENCRYPTION_KEYS", None) or ())
    if not keys:
        _require_explicit("IDENTITY_ENCRYPTION_KEYS")
    return _multifernet(keys, settings.SECRET_KEY)


def _blind_index_key() -> bytes:
    key = getattr(settings, "IDENTITY_BLIND_INDEX_KEY", None)
    if key:
        return key.encode() if isinstance(key, str) else bytes(key)
    _require_explicit("IDENTITY_BLIND_INDEX_KEY")
    return _derive(settings.SECRET_KEY, b"blind-index")


class DecryptionFailed(Exception):
    """A stored value cannot be decrypted with any configured key."""


def encrypt_bytes(data: bytes) -> bytes:
    return _fernet().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    try:
        return _fernet().decrypt(token)
    except InvalidToken as exc:
        raise DecryptionFailed("no configured key decrypts this value") from exc


def encrypt_str(value: str) -> str:
    return encrypt_bytes(value.encode()).decode("ascii")


def decrypt_str(token: str) -> str:
    return decrypt_bytes(token.encode("ascii")).decode()


def rotate_token(token: bytes) -> bytes:
    """Re-encrypt `token` under the first key (it may have been made with any key)."""
    try:
        return _fernet().rotate(token)
    except InvalidToken as exc:
        raise DecryptionFailed("no configured key decrypts this value") from exc


def rotate_file(field_file: FieldFile) -> None:
    """Re-encrypt an encrypted file under the first key: written again under a new random
    name (the old name carries no personal data either), the old file deleted once the
    transaction commits. The caller saves the row."""
    with field_file.open("rb") as fh:
        token = rotate_token(fh.read())
    old_name = field_file.name or ""
    field_file.save(f"{uuid.uuid4().hex}.bin", ContentFile(token), save=False)
    if old_name:
        transaction.on_commit(partial(default_storage.delete, old_name))


def save_encrypted(field_file: FieldFile, data: bytes) -> None:
    """Store `data` encrypted in `field_file` under a random name (the client's file name
    may carry a name or an ID number, so it never reaches the disk). The caller saves the
    row; a file it replaces is the caller's to delete."""
    field_file.save(f"{uuid.uuid4().hex}.bin", ContentFile(encrypt_bytes(data)), save=False)


def read_encrypted(field_file: FieldFile) -> bytes:
    """The clear bytes of a file stored by `save_encrypted`. Raises DecryptionFailed."""
    with field_file.open("rb") as fh:
        return decrypt_bytes(fh.read())


def _is_token(data: bytes) -> bool:
    if not data.startswith(b"gAAAAA"):  # every Fernet token (version byte 0x80)
        return False
    try:
        decrypt_bytes(data)
    except DecryptionFailed:
        return False
    return True


def encrypt_clear_file(field_file: FieldFile) -> bool:
    """Data migrations: encrypt a file stored in clear, under a new random name; the old
    file is deleted once the transaction commits. A missing or already encrypted file is
    left alone (so a run can be repeated). True when the caller must save the row."""
    if not field_file.name or not field_file.storage.exists(field_file.name):
        return False
    with field_file.open("rb") as fh:
        data = fh.read()
    if _is_token(data):
        return False
    old_name, storage = field_file.name, field_file.storage
    save_encrypted(field_file, data)
    transaction.on_commit(partial(storage.delete, old_name))
    return True


def decrypt_to_clear_file(field_file: FieldFile, *, extension: str) -> bool:
    """The reverse of `encrypt_clear_file` (a migration's way back): the clear bytes under a
    new random name ending in `extension`. True when the caller must save the row."""
    if not field_file.name or not field_file.storage.exists(field_file.name):
        return False
    with field_file.open("rb") as fh:
        data = fh.read()
    if not _is_token(data):
        return False
    old_name, storage = field_file.name, field_file.storage
    field_file.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(decrypt_bytes(data)), save=False)
    transaction.on_commit(partial(storage.delete, old_name))
    return True


# The extension a decrypted file gets back on a migration's way back, by its content type.
CLEAR_FILE_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
}


def files_encryption_migration(app_label: str, model_name: str) -> Any:
    """The data migration that encrypts a model's `file` (stored in clear, with a
    `content_type`) under random names, and decrypts it back on the way back."""
    from django.db import migrations

    def forward(apps: Any, schema_editor: Any) -> None:
        model = apps.get_model(app_label, model_name)
        for row in model.objects.order_by("pk").iterator():
            if encrypt_clear_file(row.file):
                row.save(update_fields=["file"])

    def backward(apps: Any, schema_editor: Any) -> None:
        model = apps.get_model(app_label, model_name)
        for row in model.objects.order_by("pk").iterator():
            extension = CLEAR_FILE_EXTENSIONS.get(row.content_type, "bin")
            if decrypt_to_clear_file(row.file, extension=extension):
                row.save(update_fields=["file"])

    return migrations.RunPython(forward, backward)


# Key rotation of the values stored under these keys by several apps: each app registers its
# `<things>_reencrypt_all` in its AppConfig.ready(), and `manage.py identity_rotate_keys` runs
# them all. A registry rather than imports because core (and identity, which owns the command)
# sits below most of those apps.
_reencryptions: dict[str, Callable[[], int]] = {}


def reencryption_register(*, what: str, reencrypt_all: Callable[[], int]) -> None:
    """Register `reencrypt_all` (re-encrypts every stored `what` under the first key, returns
    how many) for key rotation. Registering `what` again replaces the earlier function."""
    _reencryptions[what] = reencrypt_all


def reencryptions() -> list[tuple[str, Callable[[], int]]]:
    """The registered re-encryptions, in the order of registration (INSTALLED_APPS)."""
    return list(_reencryptions.items())


def reencrypt_each(queryset: QuerySet[M], rewrite: Callable[[M], None]) -> int:
    """Key rotation: `rewrite(row)` (load, which decrypts with any key, then save, which
    encrypts with the first) for every row, each locked in a transaction of its own, so a
    run can be stopped and started again. Returns the number of rows rewritten."""
    count = 0
    for pk in list(queryset.order_by("pk").values_list("pk", flat=True)):
        with transaction.atomic():
            row = queryset.select_for_update().filter(pk=pk).first()
            if row is None:
                continue
            rewrite(row)
            count += 1
    return count


def blind_index(value: str) -> str:
    """HMAC-SHA256 of the normalised value: equal values give equal indexes, so a unique
    constraint and lookups work without storing (or decrypting) the value."""
    normalised = value.strip().upper().replace(" ", "")
    return hmac.new(_blind_index_key(), normalised.encode(), hashlib.sha256).hexdigest()


def mask(value: str, *, head: int = 4, tail: int = 4) -> str:
    """`110105199001014514` → `1101**********4514`; short values are masked whole."""
    value = value or ""
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


def mask_id_number(number: str) -> str:
    return mask(number, head=4, tail=4)


def mask_card_number(number: str) -> str:
    """Bank cards show their BIN's first 4 and the last 4 digits, like the banks' apps."""
    return mask(number.replace(" ", ""), head=4, tail=4)


class EncryptedTextField(models.TextField):
    """A text column that holds a Fernet token; Python code sees the plain value.

    The empty string is stored as is (an optional field left blank). Lookups other than
    `isnull` / `= ""` make no sense on ciphertext: use a blind index column for equality.
    """

    description = "Text encrypted at rest (Fernet)"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt_str(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_str(value)
