"""The size limit of an identity photo (ID cards, bank cards; `core.images.check_image` does
the image part), and how a decrypted one is shown to the reviewing operator."""

from __future__ import annotations

import base64

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from xinghuo.core import ratelimit
from xinghuo.core.exceptions import ValidationFailed

MAX_IMAGE_BYTES = 8 * 1024 * 1024


def data_url(data: bytes, content_type: str) -> str:
    """A decrypted file inline in a page or an API answer: never stored as a clear file,
    never behind a URL that could be shared or cached."""
    return f"data:{content_type};base64,{base64.b64encode(data).decode()}"


def image_too_large() -> ValidationFailed:
    return ValidationFailed(
        _("The photo is larger than 8 MB."), code="image_too_large", detail={"field": "image"}
    )


def ocr_quota_take(*, user_id: int) -> None:
    """Each OCR read costs about a second of CPU: a user gets IDENTITY_OCR_READS_PER_HOUR
    of them (ID card and bank card photos together). Raises RateLimited beyond."""
    ratelimit.take(
        f"ocr-reads:user:{user_id}",
        limit=getattr(settings, "IDENTITY_OCR_READS_PER_HOUR", 30),
        window_seconds=3600,
    )
