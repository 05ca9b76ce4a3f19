"""The one check every uploaded image passes (ID and bank cards, licences, certificate scans,
delivery photos): its type from the first bytes, its pixel count from the header before
anything is decoded, then a bounded decode that turns every decoder error into a 422.

An image's memory cost is its pixel count, not its file size: a 300 KB PNG can declare
50000 × 50000 pixels (10 GB once decoded). Pillow's `Image.open` reads only the header, so
the size is known before a single pixel is allocated.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from PIL import Image

from .exceptions import ValidationFailed

_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))
_PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
DEFAULT_MAX_PIXELS = 40_000_000
# What a full decode (PNG, WebP: no reduced-scale decode) may allocate. Pillow keeps RGB, LA
# and RGBA at 4 bytes a pixel: 40 MP would be 160 MB from a 150 KB file.
DEFAULT_MAX_DECODE_BYTES = 64 * 2**20
_ONE_BYTE_MODES = ("1", "L", "P")


@dataclass(frozen=True)
class ImageInfo:
    content_type: str
    width: int
    height: int


def sniff_image_type(data: bytes) -> str | None:
    """The content type from the first bytes (JPEG, PNG or WebP), None for anything else:
    the file's name and the browser's Content-Type are the sender's word."""
    for magic, content_type in _MAGIC:
        if data.startswith(magic):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def max_pixels() -> int:
    return int(getattr(settings, "UPLOAD_MAX_PIXELS", DEFAULT_MAX_PIXELS))


def max_decode_bytes() -> int:
    return int(getattr(settings, "UPLOAD_MAX_DECODE_BYTES", DEFAULT_MAX_DECODE_BYTES))


def _full_decode_pixel_limit(mode: str) -> int:
    """The pixels a full decode of an image in `mode` may have within the decode budget."""
    return max_decode_bytes() // (1 if mode in _ONE_BYTE_MODES else 4)


def bad_image(field: str, **detail: object) -> ValidationFailed:
    return ValidationFailed(
        _("The file cannot be read as an image."),
        code="bad_image",
        detail={"field": field, **detail},
    )


def _too_many_pixels(field: str, *, width: int, height: int, limit: int) -> ValidationFailed:
    return ValidationFailed(
        _("The image is too large: at most %(mp)d megapixels.") % {"mp": limit // 1_000_000},
        code="bad_image",
        detail={
            "field": field,
            "reason": "too_many_pixels",
            "width": width,
            "height": height,
            "max_pixels": limit,
        },
    )


def check_image(
    data: bytes, *, field: str = "image", type_message: str | Promise | None = None
) -> ImageInfo:
    """`data` is a JPEG, PNG or WebP of at most UPLOAD_MAX_PIXELS pixels that decodes.

    The pixel count is read from the header before decoding; the decode then costs at most
    that many pixels (a JPEG is decoded at 1/8 scale, enough to find a broken stream; a PNG
    or WebP, decoded in full, must also fit UPLOAD_MAX_DECODE_BYTES).
    Raises ValidationFailed: image_type (with `type_message`) when the first bytes are no
    image, bad_image for too many pixels, a truncated file or any decoder error.
    """
    content_type = sniff_image_type(data)
    if content_type is None:
        raise ValidationFailed(
            type_message or _("Upload a JPEG, PNG or WebP image."),
            code="image_type",
            detail={"field": field},
        )
    limit = max_pixels()
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that: refuse as well.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            formats = [_PIL_FORMATS[content_type]]
            with Image.open(io.BytesIO(data), formats=formats) as image:
                width, height = image.size
                if width <= 0 or height <= 0:
                    raise bad_image(field)
                if width * height > limit:
                    raise _too_many_pixels(field, width=width, height=height, limit=limit)
                if image.format != "JPEG":  # decoded in full below: bound its memory too
                    full = _full_decode_pixel_limit(image.mode)
                    if width * height > full:
                        raise _too_many_pixels(field, width=width, height=height, limit=full)
                # A PNG's chunk checksums and its end: a cut file can still decode.
                image.verify()
            with Image.open(io.BytesIO(data), formats=formats) as image:
                if image.format == "JPEG":
                    image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
                image.load()
    except ValidationFailed:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise bad_image(field, reason="too_many_pixels", max_pixels=limit) from None
    except Exception:  # any decoder failure is the file's fault, never a 500
        raise bad_image(field) from None
    return ImageInfo(content_type=content_type, width=width, height=height)
