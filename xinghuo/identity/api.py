"""Identity API: the worker's verification (/workers/me/identity), the operators' review
queue (/identity/reviews) and bank card recognition."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Router
from ninja.files import UploadedFile

from xinghuo.accounts.auth import client_ip, current_user, require_operator
from xinghuo.core.api import Id, Pagination, paginate
from xinghuo.core.crypto import mask_card_number
from xinghuo.workforce import selectors as workforce_selectors

from . import selectors, services
from .bins import CardInfo
from .images import MAX_IMAGE_BYTES, data_url, image_too_large
from .models import IdentityVerification
from .schemas import (
    BankCardOut,
    BankCardRecogniseIn,
    IdentityConfirmIn,
    IdentityOut,
    IdentityReviewOut,
    RejectIn,
    RevealAuditOut,
    RevealIn,
    RevealOut,
    ReviewIn,
)

router = Router(tags=["identity"])


def _me(request: HttpRequest):  # type: ignore[no-untyped-def]
    return workforce_selectors.worker_for_user(user=current_user(request))


@router.get("/workers/me/identity", response=IdentityOut)
def identity_me(request: HttpRequest) -> IdentityVerification:
    return selectors.identity_for_worker(worker=_me(request))


def _read_upload(image: UploadedFile) -> bytes:
    """The upload's bytes; a file over the limit is refused before it is read into memory."""
    if image.size and image.size > MAX_IMAGE_BYTES:
        raise image_too_large()
    return image.read()


@router.post("/workers/me/identity/photo", response=IdentityOut)
def identity_submit_photo(request: HttpRequest, image: File[UploadedFile]) -> IdentityVerification:
    """Upload the front of the ID card (multipart, field `image`); OCR fills the draft."""
    return services.identity_submit_photo(worker=_me(request), image=_read_upload(image))


@router.put("/workers/me/identity", response=IdentityOut)
def identity_confirm(request: HttpRequest, payload: IdentityConfirmIn) -> IdentityVerification:
    """Confirm (or correct) the OCR draft and send it for review."""
    return services.identity_confirm(worker=_me(request), **payload.dict())


@router.get("/identity/reviews", response=list[IdentityReviewOut])
@paginate(Pagination)
def identity_review_list(request: HttpRequest, status: str | None = "pending") -> object:
    """Operators: the review queue (pending by default, oldest first)."""
    return selectors.identity_review_list(reviewer=require_operator(request), status=status)


@router.get("/identity/reviews/{verification_id}", response=IdentityReviewOut)
def identity_review_get(request: HttpRequest, verification_id: Id) -> IdentityVerification:
    return selectors.identity_get_for_review(
        reviewer=current_user(request), verification_id=verification_id
    )


@router.post("/identity/reviews/{verification_id}/approve", response=IdentityReviewOut)
def identity_approve(
    request: HttpRequest, verification_id: Id, payload: ReviewIn
) -> IdentityVerification:
    return services.identity_approve(
        reviewer=current_user(request), verification_id=verification_id, note=payload.note
    )


@router.post("/identity/reviews/{verification_id}/reject", response=IdentityReviewOut)
def identity_reject(
    request: HttpRequest, verification_id: Id, payload: RejectIn
) -> IdentityVerification:
    return services.identity_reject(
        reviewer=current_user(request), verification_id=verification_id, reason=payload.reason
    )


@router.post("/identity/reviews/{verification_id}/reveal", response=RevealOut)
def identity_reveal(request: HttpRequest, verification_id: Id, payload: RevealIn) -> dict:
    """The clear ID number or card image; every call is recorded (who, what, when, why)."""
    value, content_type = services.identity_reveal(
        reviewer=current_user(request),
        verification_id=verification_id,
        field=payload.field,
        reason=payload.reason,
        ip_address=client_ip(request),
    )
    if isinstance(value, bytes):
        value = data_url(value, content_type)
    return {"field": payload.field, "content_type": content_type, "value": value}


@router.get("/identity/reviews/{verification_id}/reveals", response=list[RevealAuditOut])
@paginate(Pagination)
def identity_reveal_list(request: HttpRequest, verification_id: Id) -> object:
    return selectors.reveal_audit_list(
        reviewer=current_user(request), verification_id=verification_id
    )


def _bank_card_out(info: CardInfo) -> dict[str, Any]:
    warnings = []
    if not info.luhn_ok:
        warnings.append(_("The card number fails the check-digit test: please check it."))
    if info.bank_code is None:
        warnings.append(_("The bank could not be recognised from the number."))
    return {
        "number": None,
        "number_masked": mask_card_number(info.number),
        "bank_code": info.bank_code,
        "bank_name": info.bank_name,
        "card_type": info.card_type,
        "card_type_label": info.card_type_label,
        "luhn_ok": info.luhn_ok,
        "warnings": warnings,
        "candidates_masked": [],
    }


@router.post("/identity/bank-card/recognise", response=BankCardOut)
def bank_card_recognise(request: HttpRequest, payload: BankCardRecogniseIn) -> dict[str, Any]:
    """Bank and card type from the number, offline. A failed Luhn check only warns."""
    return _bank_card_out(selectors.bank_card_recognise(number=payload.number))


@router.post("/identity/bank-card/photo", response=BankCardOut)
def bank_card_photo(request: HttpRequest, image: File[UploadedFile]) -> dict[str, Any]:
    """The number read off a photo of the card's front (multipart, field `image`), then
    recognised as a typed one. The clear number comes back for the worker to check against
    his card; the photo is not kept. 422 card_number_not_found when no number is read."""
    reading = selectors.bank_card_read(image=_read_upload(image), user_id=current_user(request).pk)
    return _bank_card_out(reading.info) | {
        "number": reading.info.number,
        "candidates_masked": [mask_card_number(n) for n in reading.candidates],
    }
