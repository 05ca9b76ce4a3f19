"""Certification evidence: recognised by its first bytes, encrypted at rest."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from xinghuo.core import crypto
from xinghuo.core.exceptions import ValidationFailed
from xinghuo.core.images import check_image, sniff_image_type

from ..models import CertificationFile

MAX_FILES = 5
MAX_FILE_BYTES = 8 * 1024 * 1024


# Evidence is recognised by its first bytes, never by the name or type the browser claims.
_IMAGE_TYPES = ("image/jpeg", "image/png")


def sniff(data: bytes) -> str:
    """The content type; an image must also pass `check_image` (bad_image)."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    content_type = sniff_image_type(data)
    if content_type in _IMAGE_TYPES:
        check_image(data, field="files")
        return content_type
    raise ValidationFailed(
        _("Evidence must be a JPEG or PNG photo or a PDF."),
        code="unsupported_file",
        detail={"field": "files"},
    )


def certification_files_reencrypt_all() -> int:
    """Re-encrypt every evidence file under the first key (`manage.py identity_rotate_keys`);
    returns the number of files rewritten."""

    def rewrite(f: CertificationFile) -> None:
        if f.file:
            crypto.rotate_file(f.file)
            f.save(update_fields=["file"])

    return crypto.reencrypt_each(CertificationFile.objects.all(), rewrite)
