"""Reads for identity verification and bank card recognition (the public surface)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from xinghuo.accounts.models import User
from xinghuo.accounts.selectors import Capability, has_capability
from xinghuo.core.exceptions import ValidationFailed
from xinghuo.core.images import bad_image, check_image
from xinghuo.workforce.models import Worker

from ..bins import CardInfo, card_recognise
from ..exceptions import IdentityNotFound
from ..images import (
    MAX_IMAGE_BYTES,
    image_too_large,
    ocr_quota_take,
)
from ..models import IdentityVerification, RevealAudit
from ..ocr import ImageUnreadable, OcrEngine
from ..ocr.bank import read_bank_card


def identity_for_worker(*, worker: Worker) -> IdentityVerification:
    """The worker's own verification, or IdentityNotFound when he has not started one."""
    verification = IdentityVerification.objects.filter(worker=worker).first()
    if verification is None:
        raise IdentityNotFound()
    return verification


def worker_is_identity_verified(*, worker: Worker) -> bool:
    """For the gates elsewhere (paid work, payouts): is the worker's identity approved?"""
    return IdentityVerification.objects.filter(
        worker=worker, status=IdentityVerification.Status.APPROVED
    ).exists()


def verified_worker_ids() -> QuerySet[IdentityVerification, int]:
    """Ids of workers with an approved identity, for `worker_id__in=` filters."""
    return IdentityVerification.objects.filter(
        status=IdentityVerification.Status.APPROVED
    ).values_list("worker_id", flat=True)


def identity_review_list(
    *, reviewer: User, status: str | None = IdentityVerification.Status.PENDING
) -> QuerySet[IdentityVerification]:
    """Operators' queue, oldest submission first; corrected OCR fields are in each row.
    Anyone else gets an empty list."""
    if not has_capability(actor=reviewer, capability=Capability.IDENTITY_REVIEW):
        return IdentityVerification.objects.none()
    qs = IdentityVerification.objects.select_related("worker__user", "reviewed_by")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("submitted_at", "pk")


def identity_get_for_review(*, reviewer: User, verification_id: int) -> IdentityVerification:
    if not has_capability(actor=reviewer, capability=Capability.IDENTITY_REVIEW):
        raise IdentityNotFound()
    verification = (
        IdentityVerification.objects.select_related("worker__user", "reviewed_by")
        .filter(pk=verification_id)
        .first()
    )
    if verification is None:
        raise IdentityNotFound()
    return verification


def reveal_audit_list(*, reviewer: User, verification_id: int) -> QuerySet[RevealAudit]:
    verification = identity_get_for_review(reviewer=reviewer, verification_id=verification_id)
    return RevealAudit.objects.filter(verification=verification).select_related("actor")


def bank_card_recognise(*, number: str) -> CardInfo:
    """Bank, card type and Luhn result from the number, offline (see bins.py)."""
    return card_recognise(number)


@dataclass(frozen=True)
class BankCardPhotoReading:
    info: CardInfo  # of the most likely number
    candidates: list[str]  # every number read, most likely first (the first is info.number)
    card_found: bool


def bank_card_read(
    *, image: bytes, user_id: int | None = None, engine: OcrEngine | None = None
) -> BankCardPhotoReading:
    """The number on the photo of a bank card's front, with its bank and card type
    (bins.py). Writes nothing: the photo is read and dropped.

    Raises ValidationFailed: image_too_large, image_type, bad_image,
    card_number_not_found; RateLimited when `user_id`'s OCR quota is spent. A number
    failing the Luhn check is returned (luhn_ok False).
    """
    if len(image) > MAX_IMAGE_BYTES:
        raise image_too_large()
    check_image(
        image,
        field="image",
        type_message=_("Upload a JPEG, PNG or WebP photo of the front of your bank card."),
    )
    if user_id is not None:
        ocr_quota_take(user_id=user_id)
    try:
        reading = read_bank_card(image, engine=engine)
    except ImageUnreadable:
        raise bad_image("image") from None
    if not reading.number:
        raise ValidationFailed(
            _("No card number could be read: type it in, or take the photo again in good light."),
            code="card_number_not_found",
            detail={"field": "image"},
        )
    return BankCardPhotoReading(
        info=card_recognise(reading.number),
        candidates=reading.candidates,
        card_found=reading.card_found,
    )
