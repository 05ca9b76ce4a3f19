"""Writes for identity verification: photo → OCR draft → worker's confirmation → review.

Every clear value an operator sees goes through `identity_reveal`, which writes a
RevealAudit row in the same transaction.
"""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Literal

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from xinghuo.accounts.models import User
from xinghuo.accounts.selectors import (
    Capability,
    has_capability,
    is_operator,
    operators_with_capability,
)
from xinghuo.core import crypto, ratelimit
from xinghuo.core.exceptions import Conflict, RateLimited, ValidationFailed
from xinghuo.core.images import bad_image, check_image
from xinghuo.notifications import services as notification_services
from xinghuo.workforce.models import Worker

from ..exceptions import IdentityNotFound
from ..images import (
    MAX_IMAGE_BYTES,
    image_too_large,
    ocr_quota_take,
)
from ..models import IdentityVerification, RevealAudit
from ..ocr import ImageUnreadable, OcrEngine, read_id_card
from ..ocr.fake import FakeOcrEngine as FakeOcrEngine  # public: the demo reads its cards with it
from ..ocr.fake import card_lines as card_lines
from ..ocr.parse import ETHNICITIES, normalise_ethnicity
from ..validation import check_agreement, validate_id_number

REVEAL_WINDOW = 3600
REVEAL_ALERT_KIND = "reveal_limit"
CONFIRMED_FIELDS = ("name", "sex", "ethnicity", "birth_on", "address", "id_number")


def _check_can_resubmit(verification: IdentityVerification | None) -> None:
    if verification is None:
        return
    if verification.status == IdentityVerification.Status.APPROVED:
        raise Conflict(_("Your identity is verified already."), code="identity_already_verified")
    if verification.status == IdentityVerification.Status.PENDING:
        raise Conflict(
            _("Your identity is being reviewed; wait for the result."), code="identity_under_review"
        )


def identity_submit_photo(
    *, worker: Worker, image: bytes, engine: OcrEngine | None = None
) -> IdentityVerification:
    """Read the photo of the front of the worker's ID card and keep the result as his draft.

    OCR runs before the transaction (it takes a second or more); the worker's row is then
    locked and re-checked. A new photo replaces a draft or a rejected verification.
    Raises ValidationFailed (image_too_large, image_type, bad_image, ocr_nothing_read),
    Conflict (identity_already_verified, identity_under_review), RateLimited (OCR quota).
    """
    _check_can_resubmit(IdentityVerification.objects.filter(worker=worker).first())
    if len(image) > MAX_IMAGE_BYTES:
        raise image_too_large()
    content_type = check_image(
        image,
        field="image",
        type_message=_("Upload a JPEG, PNG or WebP photo of the front of your ID card."),
    ).content_type
    ocr_quota_take(user_id=worker.user_id)
    try:
        reading = read_id_card(image, engine=engine)
    except ImageUnreadable:
        raise bad_image("image") from None
    fields = reading.fields
    if not fields.id_number and not fields.name:
        raise ValidationFailed(
            _(
                "No ID card could be read on the photo. Take it again in good light, "
                "with the whole front of the card in the picture."
            ),
            code="ocr_nothing_read",
            detail={"field": "image"},
        )
    with transaction.atomic():
        verification = (
            IdentityVerification.objects.select_for_update().filter(worker=worker).first()
        )
        _check_can_resubmit(verification)
        if verification is None:
            verification = IdentityVerification(worker=worker)
        old_image = verification.image.name if verification.image else ""
        verification.status = IdentityVerification.Status.DRAFT
        verification.name = fields.name[:64]
        verification.sex = fields.sex
        verification.ethnicity = fields.ethnicity[:16]
        verification.birth_on = fields.birth_on
        verification.address = fields.address[:255]
        verification.set_id_number(
            fields.id_number, index=crypto.blind_index(fields.id_number) if fields.id_number else ""
        )
        verification.ocr_result = json.dumps(
            {**fields.as_dict(), "card_found": reading.card_found}, ensure_ascii=False
        )
        verification.corrected_fields = []
        verification.submitted_at = None
        verification.reviewed_by, verification.reviewed_at, verification.review_note = (
            None,
            None,
            "",
        )
        verification.image_content_type = content_type
        verification.image.save(
            f"{uuid.uuid4().hex}.bin", ContentFile(crypto.encrypt_bytes(image)), save=False
        )
        verification.save()
        if old_image:
            transaction.on_commit(lambda: default_storage.delete(old_image))
    return verification


def required_text(value: str, *, field: str, max_length: int) -> str:
    """A required text field, stripped; ValidationFailed(invalid_field) when empty or long."""
    value = (value or "").strip()
    if not value or len(value) > max_length:
        raise ValidationFailed(
            _("Please fill in this field (at most %(n)d characters).") % {"n": max_length},
            code="invalid_field",
            detail={"field": field},
        )
    return value


def ocr_values(verification: IdentityVerification) -> dict[str, str]:
    """The OCR result as strings comparable with the confirmed values."""
    data = json.loads(verification.ocr_result or "{}")
    return {f: str(data.get(f) or "") for f in CONFIRMED_FIELDS}


@transaction.atomic
def identity_confirm(
    *,
    worker: Worker,
    name: str,
    sex: str,
    ethnicity: str,
    birth_on: date,
    address: str,
    id_number: str,
) -> IdentityVerification:
    """The worker confirms (or corrects) his OCR draft and sends it for review.

    The ID number must be valid (validation.validate_id_number) and agree with the birth
    date and sex; a field that differs from what OCR read is listed in `corrected_fields`
    for the reviewer. Locks the worker's verification row.
    Raises IdentityNotFound (no draft), Conflict (identity_not_draft, id_number_in_use),
    ValidationFailed (invalid_field and the id_number_* codes).
    """
    verification = IdentityVerification.objects.select_for_update().filter(worker=worker).first()
    if verification is None:
        raise IdentityNotFound()
    if verification.status != IdentityVerification.Status.DRAFT:
        raise Conflict(
            _("Only a draft can be confirmed: upload a new photo first."),
            code="identity_not_draft",
        )
    name = required_text(name, field="name", max_length=64)
    address = required_text(address, field="address", max_length=255)
    if sex not in IdentityVerification.Sex.values:
        raise ValidationFailed(
            _("Choose male or female."), code="invalid_field", detail={"field": "sex"}
        )
    ethnicity = normalise_ethnicity((ethnicity or "").strip())
    if ethnicity not in ETHNICITIES:
        raise ValidationFailed(
            _("Unknown ethnic group."), code="invalid_ethnicity", detail={"field": "ethnicity"}
        )
    info = validate_id_number(id_number)
    check_agreement(info, birth_on=birth_on, sex=sex)
    index = crypto.blind_index(info.number)
    if (
        IdentityVerification.objects.filter(
            id_number_index=index, status=IdentityVerification.Status.APPROVED
        )
        .exclude(pk=verification.pk)
        .exists()
    ):
        raise Conflict(
            _("This ID number is verified for another account."), code="id_number_in_use"
        )
    confirmed = {
        "name": name,
        "sex": sex,
        "ethnicity": ethnicity,
        "birth_on": birth_on.isoformat(),
        "address": address,
        "id_number": info.number,
    }
    read = ocr_values(verification)
    verification.corrected_fields = [f for f in CONFIRMED_FIELDS if confirmed[f] != read[f]]
    verification.name, verification.sex, verification.ethnicity = name, sex, ethnicity
    verification.birth_on, verification.address = birth_on, address
    verification.set_id_number(info.number, index=index)
    verification.status = IdentityVerification.Status.PENDING
    verification.submitted_at = timezone.now()
    verification.save()
    return verification


def _lock_for_review(*, reviewer: User, verification_id: int) -> IdentityVerification:
    if not has_capability(actor=reviewer, capability=Capability.IDENTITY_REVIEW):
        # Only operators review; to anyone else the verification does not exist.
        raise IdentityNotFound()
    verification = (
        IdentityVerification.objects.select_for_update().filter(pk=verification_id).first()
    )
    if verification is None:
        raise IdentityNotFound()
    return verification


def _require_pending(verification: IdentityVerification) -> None:
    if verification.status != IdentityVerification.Status.PENDING:
        raise Conflict(
            _("This verification is not waiting for review."), code="identity_not_pending"
        )


@transaction.atomic
def identity_approve(
    *, reviewer: User, verification_id: int, note: str = ""
) -> IdentityVerification:
    """Approve a pending verification. The database keeps one approved verification per ID
    number (a concurrent approval of the same number loses with Conflict).
    Raises IdentityNotFound, Conflict (identity_not_pending, id_number_in_use)."""
    verification = _lock_for_review(reviewer=reviewer, verification_id=verification_id)
    _require_pending(verification)
    verification.status = IdentityVerification.Status.APPROVED
    verification.reviewed_by, verification.reviewed_at = reviewer, timezone.now()
    verification.review_note = (note or "").strip()[:255]
    try:
        with transaction.atomic():
            verification.save()
    except IntegrityError:
        raise Conflict(
            _("This ID number is verified for another account."), code="id_number_in_use"
        ) from None
    return verification


@transaction.atomic
def identity_reject(*, reviewer: User, verification_id: int, reason: str) -> IdentityVerification:
    """Reject a pending verification with a reason the worker sees; he may submit a new photo.
    Raises IdentityNotFound, Conflict (identity_not_pending), ValidationFailed (reason)."""
    reason = required_text(reason, field="reason", max_length=255)
    verification = _lock_for_review(reviewer=reviewer, verification_id=verification_id)
    _require_pending(verification)
    verification.status = IdentityVerification.Status.REJECTED
    verification.reviewed_by, verification.reviewed_at = reviewer, timezone.now()
    verification.review_note = reason
    verification.save()
    return verification


def identity_reveal(
    *,
    reviewer: User,
    verification_id: int,
    field: Literal["id_number", "image"],
    reason: str,
    ip_address: str | None = None,
) -> tuple[str | bytes, str]:
    """An operator sees the clear ID number or card image; the reveal is audited first and
    counts against his hourly quota (`reveal_quota_take`).

    Returns (value, content type): the number as text, or the image's bytes.
    Raises IdentityNotFound (also for non-operators), ValidationFailed (reason, field),
    RateLimited (quota spent; the other operators are alerted).
    """
    reason = required_text(reason, field="reason", max_length=255)
    if field not in (RevealAudit.Field.ID_NUMBER, RevealAudit.Field.IMAGE):
        raise ValidationFailed(_("Unknown field."), code="invalid_field", detail={"field": "field"})
    reveal_quota_take(actor=reviewer)
    with transaction.atomic():
        return _identity_reveal(
            reviewer=reviewer,
            verification_id=verification_id,
            field=field,
            reason=reason,
            ip_address=ip_address,
        )


def _identity_reveal(
    *, reviewer: User, verification_id: int, field: str, reason: str, ip_address: str | None
) -> tuple[str | bytes, str]:
    verification = _lock_for_review(reviewer=reviewer, verification_id=verification_id)
    reveal_audit_record(
        actor=reviewer,
        field=field,
        subject=f"identity.identityverification:{verification.pk}",
        reason=reason,
        ip_address=ip_address,
        verification=verification,
    )
    if field == RevealAudit.Field.ID_NUMBER:
        return verification.id_number, "text/plain"
    if not verification.image:
        raise IdentityNotFound()
    with verification.image.open("rb") as fh:
        return crypto.decrypt_bytes(fh.read()), verification.image_content_type


def identity_reencrypt_all() -> int:
    """Re-encrypt every verification's fields and image under the first key (rotation;
    `crypto.reencrypt_each`). Returns the number of rows rewritten."""

    def rewrite(v: IdentityVerification) -> None:
        fields = ["id_number", "ocr_result"]
        if v.image:
            crypto.rotate_file(v.image)
            fields.append("image")
        v.save(update_fields=fields)

    return crypto.reencrypt_each(IdentityVerification.objects.all(), rewrite)


def reveal_quota_take(*, actor: User) -> None:
    """Count one reveal of a clear value (ID number, card or licence image, payout account)
    by the operator `actor`: IDENTITY_REVEALS_PER_HOUR of them an hour. Beyond that the
    reveal is refused and, once per window, every other operator gets an in-app alert: a
    burst of reveals is how personal data is harvested from inside.

    Call it before the reveal's transaction, so the alert survives the refusal. Counts
    only operators (to anyone else the reveal does not exist anyway).
    Raises RateLimited.
    """
    if not is_operator(user=actor):
        return
    limit = getattr(settings, "IDENTITY_REVEALS_PER_HOUR", 30)
    try:
        ratelimit.take(f"reveals:user:{actor.pk}", limit=limit, window_seconds=REVEAL_WINDOW)
    except RateLimited:
        if cache.add(f"reveals-alerted:user:{actor.pk}", 1, timeout=REVEAL_WINDOW):
            _alert_other_operators(actor=actor, limit=limit)
        raise


def _alert_other_operators(*, actor: User, limit: int) -> None:
    who = f"{actor.name or actor.phone} (#{actor.pk})"
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Operator %(who)s reached the reveal limit") % {"who": who}
        body = _(
            "%(who)s asked for more than %(limit)d clear ID numbers or images within an "
            "hour; further reveals are refused for now. Check the reveal log."
        ) % {"who": who, "limit": limit}
    others = operators_with_capability(capability=Capability.SECURITY_ALERTS).exclude(pk=actor.pk)
    for operator in others.order_by("pk"):
        notification_services.notify(user=operator, kind=REVEAL_ALERT_KIND, title=title, body=body)


def reveal_audit_record(
    *,
    actor: User,
    field: str,
    subject: str,
    reason: str,
    ip_address: str | None = None,
    verification: IdentityVerification | None = None,
) -> RevealAudit:
    """Record that `actor` saw a clear value: `subject` names it ("<app>.<model>:<pk>",
    e.g. "settlement.payoutaccount:7"); `verification` links a worker's identity too.

    Call it inside the transaction that reads the value, before returning it: a reveal that
    cannot be recorded does not happen. Append-only.
    Raises ValidationFailed (invalid_field: reason, field or subject).
    """
    reason = required_text(reason, field="reason", max_length=255)
    if field not in RevealAudit.Field.values:
        raise ValidationFailed(_("Unknown field."), code="invalid_field", detail={"field": "field"})
    subject = (subject or "").strip()
    if not subject or len(subject) > 64:
        raise ValidationFailed(
            _("Unknown subject."), code="invalid_field", detail={"field": "subject"}
        )
    return RevealAudit.objects.create(
        actor=actor,
        verification=verification,
        field=field,
        subject=subject,
        reason=reason,
        ip_address=ip_address,
    )


def photo_check(data: bytes, *, message: str | Promise) -> str:
    """The content type of an uploaded photo that other apps keep (a transfer receipt…):
    at most 8 MB, then the one image check of every upload (core.images.check_image;
    `message` says what photo was expected). Raises ValidationFailed (image_too_large,
    image_type, bad_image)."""
    if len(data) > MAX_IMAGE_BYTES:
        raise image_too_large()
    return check_image(data, field="proof", type_message=message).content_type
