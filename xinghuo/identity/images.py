"""The checks every uploaded identity photo passes before OCR (ID cards, bank cards;
`core.images.check_image` does the image part), and how a decrypted one is shown to the
reviewing operator."""

from __future__ import annotations

import base64

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from xinghuo.core import ratelimit
from xinghuo.core.exceptions import ValidationFailed
from xinghuo.core.images import bad_image, check_image

MAX_IMAGE_BYTES = 8 * 1024 * 1024


def image_type(data: bytes, *, message: str | Promise) -> str:
    """The photo's content type once `core.images.check_image` has passed it (type from the
    first bytes, pixel count from the header, a bounded decode). Raises ValidationFailed:
    image_type with `message` (which says what photo was expected), bad_image."""
    return check_image(data, field="image", type_message=message).content_type


def data_url(data: bytes, content_type: str) -> str:
    """A decrypted file inline in a page or an API answer: never stored as a clear file,
    never behind a URL that could be shared or cached."""
    return f"data:{content_type};base64,{base64.b64encode(data).decode()}"


def image_too_large() -> ValidationFailed:
    return ValidationFailed(
        _("The photo is larger than 8 MB."), code="image_too_large", detail={"field": "image"}
    )


def image_unreadable() -> ValidationFailed:
    return bad_image("image")


def ocr_quota_take(*, user_id: int) -> None:
    """Each OCR read costs about a second of CPU: a user gets IDENTITY_OCR_READS_PER_HOUR
    of them (ID card and bank card photos together). Raises RateLimited beyond."""
    ratelimit.take(
        f"ocr-reads:user:{user_id}",
        limit=getattr(settings, "IDENTITY_OCR_READS_PER_HOUR", 30),
        window_seconds=3600,
    )
