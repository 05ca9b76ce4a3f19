"""Checking and storing the files of an order (the employer's documents, the worker's
delivery photos): the type is decided by the file's first bytes, the files are encrypted."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from xinghuo.accounts.models import User
from xinghuo.core import crypto
from xinghuo.core.images import check_image, sniff_image_type

from ..exceptions import BadAttachment
from ..models import Attachment, WorkOrder

PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTOS = 9


@dataclass(frozen=True)
class FilePolicy:
    """What one kind of upload accepts; the type is decided by the file's first bytes."""

    types: tuple[str, ...]
    max_bytes: int
    max_count: int
    field: str
    type_message: Any


PHOTOS = FilePolicy(
    types=PHOTO_TYPES,
    max_bytes=MAX_PHOTO_BYTES,
    max_count=MAX_PHOTOS,
    field="photos",
    type_message=_("Photos must be JPEG, PNG or WebP images."),
)
DOCUMENTS = FilePolicy(
    types=(*PHOTO_TYPES, "application/pdf"),
    max_bytes=20 * 1024 * 1024,
    max_count=10,
    field="files",
    type_message=_("Documents must be PDF files or JPEG, PNG or WebP images."),
)


def checked_files(
    files: Iterable[UploadedFile], policy: FilePolicy
) -> list[tuple[UploadedFile, str, str]]:
    """Each file with its content type and SHA-256 (of the clear bytes), or BadAttachment
    naming the first bad one; an image must pass `check_image` (bad_image)."""
    checked = []
    files = list(files)
    if len(files) > policy.max_count:
        raise BadAttachment(
            _("At most %(n)d files at a time.") % {"n": policy.max_count},
            detail={"field": policy.field, "max": policy.max_count},
        )
    for upload in files:
        size = upload.size or 0
        if size == 0 or size > policy.max_bytes:
            raise BadAttachment(
                _("Each file must be between 1 byte and %(mb)d MB.")
                % {"mb": policy.max_bytes // (1024 * 1024)},
                detail={"field": policy.field, "name": upload.name, "size": size},
            )
        data = upload.read()
        upload.seek(0)
        kind = "application/pdf" if data.startswith(b"%PDF-") else sniff_image_type(data)
        if kind is None or kind not in policy.types:
            raise BadAttachment(
                policy.type_message, detail={"field": policy.field, "name": upload.name}
            )
        if kind.startswith("image/"):
            check_image(data, field=policy.field)
        digest = hashlib.sha256(data)
        del data
        checked.append((upload, kind, digest.hexdigest()))
    return checked


def store(
    *, order: WorkOrder, checked: list[tuple[UploadedFile, str, str]], purpose: str, user: User
) -> None:
    for upload, content_type, sha in checked:
        attachment = Attachment(
            order=order,
            purpose=purpose,
            content_type=content_type,
            size=upload.size or 0,
            sha256=sha,
            uploaded_by=user,
        )
        # Encrypted under a random name: photos show faces and documents names, and the
        # client's file name never reaches the disk.
        crypto.save_encrypted(attachment.file, upload.read())
        attachment.save()
