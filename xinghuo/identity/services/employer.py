"""Writes for the employer verification (企业认证): an owner or administrator submits the
organization's credit code, business licence and contact; an operator approves or rejects.

The organization's own status (accounts.Organization.status) follows every decision
through `accounts.services.organization_set_verification_status`, in the same
transaction. The licence scan is stored encrypted; an operator sees it only through
`employer_licence_reveal`, which writes a RevealAudit row first.
"""

from __future__ import annotations

import uuid
from functools import partial

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError

from xinghuo.accounts import selectors as account_selectors
from xinghuo.accounts import services as account_services
from xinghuo.accounts.models import Organization, User
from xinghuo.accounts.services import normalize_phone
from xinghuo.core import crypto
from xinghuo.core.exceptions import Conflict, ValidationFailed
from xinghuo.core.images import check_image, sniff_image_type

from ..exceptions import EmployerVerificationNotFound
from ..models import EmployerVerification, RevealAudit
from . import required_text, reveal_audit_record, reveal_quota_take

MAX_LICENCE_BYTES = 8 * 1024 * 1024
V = EmployerVerification.Status


def licence_type(data: bytes) -> str:
    """The licence file's type from its first bytes (never from the name the browser sent):
    a JPEG, PNG or WebP photo that decodes, or a PDF scan.
    Raises ValidationFailed (licence_too_large, licence_type, bad_image: `check_image`)."""
    if len(data) > MAX_LICENCE_BYTES:
        raise ValidationFailed(
            _("The licence file is larger than 8 MB."),
            code="licence_too_large",
            detail={"field": "licence"},
        )
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    content_type = sniff_image_type(data)
    if content_type is None:
        raise ValidationFailed(
            _("Upload the business licence as a JPEG, PNG or WebP photo or a PDF scan."),
            code="licence_type",
            detail={"field": "licence"},
        )
    return check_image(data, field="licence").content_type


def validate_credit_code(raw: str, *, organization: Organization) -> str:
    """The unified social credit code (统一社会信用代码, GB 32100-2015), checked with
    `stdnum.cn.uscc`, which must be the one the organization registered with.

    Verifying a different code would certify a company other than the registered one, so
    a mismatch is refused rather than copied onto the organization.
    Raises ValidationFailed (credit_code_length, credit_code_format, credit_code_checksum,
    credit_code_mismatch).
    """

    def fail(message: object, code: str) -> ValidationFailed:
        return ValidationFailed(message, code=code, detail={"field": "credit_code"})  # type: ignore[arg-type]

    try:
        code = str(uscc.validate(raw or ""))
    except InvalidLength:
        raise fail(
            _("A unified social credit code has 18 characters."), "credit_code_length"
        ) from None
    except InvalidChecksum:
        raise fail(
            _("The credit code's check character is wrong: please check every character."),
            "credit_code_checksum",
        ) from None
    except StdnumError:
        raise fail(
            _(
                "A unified social credit code is 8 digits followed by 10 digits or capital "
                "letters (without I, O, S, V, Z)."
            ),
            "credit_code_format",
        ) from None
    if code != organization.credit_code:
        raise fail(
            _(
                "The credit code differs from the one this organization registered with "
                "(%(code)s). Verify the registered company, or register the other one "
                "separately."
            )
            % {"code": organization.credit_code},
            "credit_code_mismatch",
        )
    return code


def _contact_phone(raw: str) -> str:
    try:
        return normalize_phone(raw)
    except ValidationFailed as exc:
        raise ValidationFailed(
            exc.message, code=exc.code, detail={"field": "contact_phone"}
        ) from None


def _check_can_submit(verification: EmployerVerification | None) -> None:
    if verification is None or verification.status == V.REJECTED:
        return
    if verification.status == V.APPROVED:
        raise Conflict(
            _("This organization is verified already."), code="employer_already_verified"
        )
    raise Conflict(
        _("The verification is being reviewed; wait for the result."),
        code="employer_verification_under_review",
    )


def employer_verification_submit(
    *,
    actor: User,
    organization: Organization,
    credit_code: str,
    company_name: str,
    legal_representative: str,
    contact_name: str,
    contact_phone: str,
    licence: bytes,
) -> EmployerVerification:
    """Send the organization's verification for review (status pending).

    Only an owner or administrator of the organization may submit; a rejected
    verification may be submitted again (it is replaced, and the organization is pending
    again). The fields and the file are checked before the transaction; then the
    verification row is locked and its state re-checked.
    Raises OrganizationNotFound (not a member), PermissionDenied (other roles),
    Conflict (employer_already_verified, employer_verification_under_review),
    ValidationFailed (invalid_field, invalid_phone, the credit_code_* and licence_* codes).
    """
    organization = account_selectors.organization_get_for_member(
        user=actor,
        organization_id=organization.pk,
        capability=account_selectors.Capability.EMPLOYER_VERIFICATION_SUBMIT,
    )
    _check_can_submit(EmployerVerification.objects.filter(organization=organization).first())
    fields = {
        "credit_code": validate_credit_code(credit_code, organization=organization),
        "company_name": required_text(company_name, field="company_name", max_length=128),
        "legal_representative": required_text(
            legal_representative, field="legal_representative", max_length=64
        ),
        "contact_name": required_text(contact_name, field="contact_name", max_length=64),
        "contact_phone": _contact_phone(contact_phone),
    }
    content_type = licence_type(licence)
    with transaction.atomic():
        verification = (
            EmployerVerification.objects.select_for_update()
            .filter(organization=organization)
            .first()
        )
        _check_can_submit(verification)
        resubmitted = verification is not None
        if verification is None:
            verification = EmployerVerification(organization=organization)
        old_licence = verification.licence.name if verification.licence else ""
        for name, value in fields.items():
            setattr(verification, name, value)
        verification.status = V.PENDING
        verification.submitted_by, verification.submitted_at = actor, timezone.now()
        verification.reviewed_by, verification.reviewed_at = None, None
        verification.review_note = ""
        verification.licence_content_type = content_type
        verification.licence.save(
            f"{uuid.uuid4().hex}.bin", ContentFile(crypto.encrypt_bytes(licence)), save=False
        )
        new_licence = verification.licence.name
        try:
            with transaction.atomic():
                verification.save()
        except IntegrityError:
            # A concurrent first submission for the same organization won.
            default_storage.delete(new_licence)
            raise Conflict(
                _("The verification is being reviewed; wait for the result."),
                code="employer_verification_under_review",
            ) from None
        if resubmitted:
            account_services.organization_set_verification_status(
                organization=organization, status=Organization.Status.PENDING
            )
        if old_licence:
            transaction.on_commit(partial(default_storage.delete, old_licence))
    return verification


def _lock_for_review(*, reviewer: User, verification_id: int) -> EmployerVerification:
    if not account_selectors.has_capability(
        actor=reviewer, capability=account_selectors.Capability.EMPLOYER_REVIEW
    ):
        # Only operators review; to anyone else the verification does not exist.
        raise EmployerVerificationNotFound()
    verification = (
        EmployerVerification.objects.select_for_update(of=("self",))
        .select_related("organization")
        .filter(pk=verification_id)
        .first()
    )
    if verification is None:
        raise EmployerVerificationNotFound()
    return verification


def _require_pending(verification: EmployerVerification) -> None:
    if verification.status != V.PENDING:
        raise Conflict(
            _("This verification is not waiting for review."),
            code="employer_verification_not_pending",
        )


@transaction.atomic
def employer_verification_approve(
    *, reviewer: User, verification_id: int, note: str = ""
) -> EmployerVerification:
    """Approve a pending verification: the organization becomes verified and takes the
    verified contact person and number. Locks the verification, then the organization.
    Raises EmployerVerificationNotFound (also for non-operators), Conflict
    (employer_verification_not_pending, credit_code_mismatch)."""
    verification = _lock_for_review(reviewer=reviewer, verification_id=verification_id)
    _require_pending(verification)
    organization = verification.organization
    if verification.credit_code != organization.credit_code:
        # The organization's code was changed (in the back office) after the submission.
        raise Conflict(
            _("The credit code no longer matches the organization's; reject it instead."),
            code="credit_code_mismatch",
        )
    verification.status = V.APPROVED
    verification.reviewed_by, verification.reviewed_at = reviewer, timezone.now()
    verification.review_note = (note or "").strip()[:255]
    verification.save()
    account_services.organization_set_verification_status(
        organization=organization,
        status=Organization.Status.VERIFIED,
        contact_name=verification.contact_name,
        contact_phone=verification.contact_phone,
    )
    return verification


@transaction.atomic
def employer_verification_reject(
    *, reviewer: User, verification_id: int, reason: str
) -> EmployerVerification:
    """Reject a pending verification with a reason the employer sees; the organization is
    marked rejected until it submits again. Locks the verification, then the organization.
    Raises EmployerVerificationNotFound, Conflict (employer_verification_not_pending),
    ValidationFailed (reason)."""
    reason = required_text(reason, field="reason", max_length=255)
    verification = _lock_for_review(reviewer=reviewer, verification_id=verification_id)
    _require_pending(verification)
    verification.status = V.REJECTED
    verification.reviewed_by, verification.reviewed_at = reviewer, timezone.now()
    verification.review_note = reason
    verification.save()
    account_services.organization_set_verification_status(
        organization=verification.organization, status=Organization.Status.REJECTED
    )
    return verification


def employer_licence_reveal(
    *, reviewer: User, verification_id: int, reason: str, ip_address: str | None = None
) -> tuple[bytes, str]:
    """An operator sees the business licence in clear; the reveal is recorded first
    (RevealAudit with subject "identity.employerverification:<pk>") and counts against his
    hourly quota (`reveal_quota_take`).

    Returns (the file's bytes, its content type).
    Raises EmployerVerificationNotFound (also for non-operators), ValidationFailed (reason),
    RateLimited.
    """
    reason = required_text(reason, field="reason", max_length=255)
    reveal_quota_take(actor=reviewer)
    with transaction.atomic():
        return _employer_licence_reveal(
            reviewer=reviewer, verification_id=verification_id, reason=reason, ip_address=ip_address
        )


def _employer_licence_reveal(
    *, reviewer: User, verification_id: int, reason: str, ip_address: str | None
) -> tuple[bytes, str]:
    verification = _lock_for_review(reviewer=reviewer, verification_id=verification_id)
    reveal_audit_record(
        actor=reviewer,
        field=RevealAudit.Field.LICENCE_IMAGE,
        subject=verification.audit_subject,
        reason=reason,
        ip_address=ip_address,
    )
    with verification.licence.open("rb") as fh:
        return crypto.decrypt_bytes(fh.read()), verification.licence_content_type


def employer_licence_reencrypt_all() -> int:
    """Re-encrypt every stored licence under the first key (rotation;
    `crypto.reencrypt_each`). Returns the number of rows rewritten."""

    def rewrite(v: EmployerVerification) -> None:
        crypto.rotate_file(v.licence)
        v.save(update_fields=["licence", "updated_at"])

    return crypto.reencrypt_each(EmployerVerification.objects.exclude(licence=""), rewrite)
