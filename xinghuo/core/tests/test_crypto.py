from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from xinghuo.core import crypto


def test_round_trip_and_ciphertext_is_not_the_value() -> None:
    token = crypto.encrypt_str("110105199001011234")
    assert "110105199001011234" not in token
    assert crypto.decrypt_str(token) == "110105199001011234"
    # Fernet is randomised: the same value never gives the same token.
    assert crypto.encrypt_str("110105199001011234") != token


def test_rotation_first_key_encrypts_all_keys_decrypt(settings) -> None:  # type: ignore[no-untyped-def]
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.IDENTITY_ENCRYPTION_KEYS = [old]
    token = crypto.encrypt_bytes(b"secret")
    settings.IDENTITY_ENCRYPTION_KEYS = [new, old]
    assert crypto.decrypt_bytes(token) == b"secret"
    rotated = crypto.rotate_token(token)
    settings.IDENTITY_ENCRYPTION_KEYS = [new]
    assert crypto.decrypt_bytes(rotated) == b"secret"
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt_bytes(token)


def test_demo_keys_are_derived_from_the_secret_key(settings) -> None:  # type: ignore[no-untyped-def]
    settings.IDENTITY_ENCRYPTION_KEYS = []
    token = crypto.encrypt_bytes(b"x")
    index = crypto.blind_index("110105199001011234")
    settings.SECRET_KEY = "another-secret-key-" * 3
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt_bytes(token)
    assert crypto.blind_index("110105199001011234") != index


def test_production_refuses_derived_keys(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PRODUCTION = True
    settings.IDENTITY_ENCRYPTION_KEYS = []
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt_bytes(b"x")
    settings.IDENTITY_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    settings.IDENTITY_BLIND_INDEX_KEY = ""
    with pytest.raises(ImproperlyConfigured):
        crypto.blind_index("x")


def test_blind_index_is_stable_normalised_and_keyed(settings) -> None:  # type: ignore[no-untyped-def]
    a = crypto.blind_index("11010519900101123x")
    assert a == crypto.blind_index(" 11010519900101123X ")
    assert a != crypto.blind_index("110105199001011230")
    assert "110105" not in a and len(a) == 64
    settings.IDENTITY_BLIND_INDEX_KEY = "a separate key"
    assert crypto.blind_index("11010519900101123X") != a


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("110105199001014514", "1101**********4514"),
        ("6222021234567890123", "6222***********0123"),
        ("1234567", "*******"),
        ("", ""),
    ],
)
def test_masking(value: str, masked: str) -> None:
    assert crypto.mask(value) == masked
