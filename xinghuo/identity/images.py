"""The checks every uploaded photo passes before it is decoded (ID cards, bank cards,
business licences), and how a decrypted one is shown to the reviewing operator."""

from __future__ import annotations

import base64

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from xinghuo.core import ratelimit
from xinghuo.core.exceptions import ValidationFailed

MAX_IMAGE_BYTES = 8 * 1024 * 1024
_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))


def sniff_image_type(data: bytes) -> str | None:
    """The content type from the first bytes (JPEG, PNG or WebP), None for anything else:
    the file's name and the browser's Content-Type are the sender's word."""
    for magic, content_type in _MAGIC:
        if data.startswith(magic):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def image_type(data: bytes, *, message: str | Promise) -> str:
    """`sniff_image_type`, or ValidationFailed(image_type) with `message`, which says what
    photo was expected."""
    content_type = sniff_image_type(data)
    if content_type is None:
        raise ValidationFailed(message, code="image_type", detail={"field": "image"})
    return content_type


def data_url(data: bytes, content_type: str) -> str:
    """A decrypted file inline in a page or an API answer: never stored as a clear file,
    never behind a URL that could be shared or cached."""
    return f"data:{content_type};base64,{base64.b64encode(data).decode()}"


def image_too_large() -> ValidationFailed:
    return ValidationFailed(
        _("The photo is larger than 8 MB."), code="image_too_large", detail={"field": "image"}
    )


def image_unreadable() -> ValidationFailed:
    return ValidationFailed(
        _("The photo cannot be read as an image."),
        code="image_unreadable",
        detail={"field": "image"},
    )


def ocr_quota_take(*, user_id: int) -> None:
    """Each OCR read costs about a second of CPU: a user gets IDENTITY_OCR_READS_PER_HOUR
    of them (ID card and bank card photos together). Raises RateLimited beyond."""
    ratelimit.take(
        f"ocr-reads:user:{user_id}",
        limit=getattr(settings, "IDENTITY_OCR_READS_PER_HOUR", 30),
        window_seconds=3600,
    )
