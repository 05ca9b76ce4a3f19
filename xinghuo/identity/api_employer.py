"""Employer verification API (企业认证): the organization's own verification
(/organizations/{id}/verification) and the operators' review queue
(/employer-verifications/reviews)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from xinghuo.accounts import selectors as account_selectors
from xinghuo.accounts.auth import client_ip, current_user, require_operator
from xinghuo.core.api import Id, Pagination, paginate
from xinghuo.core.exceptions import ValidationFailed

from .images import data_url
from .models import EmployerVerification
from .schemas import RejectIn, RevealAuditOut, ReviewIn
from .schemas_employer import (
    EmployerVerificationOut,
    EmployerVerificationReviewOut,
    EmployerVerificationSubmitIn,
    LicenceRevealIn,
    LicenceRevealOut,
)
from .selectors import employer as selectors
from .services import employer as services

router = Router(tags=["employer verification"])


@router.get("/organizations/{organization_id}/verification", response=EmployerVerificationOut)
def employer_verification_get(request: HttpRequest, organization_id: Id) -> EmployerVerification:
    """Any member sees the organization's verification; 404 before the first submission."""
    org = account_selectors.organization_get_for_member(
        user=current_user(request), organization_id=organization_id
    )
    return selectors.employer_verification_for_organization(organization=org)


@router.post(
    "/organizations/{organization_id}/verification", response={201: EmployerVerificationOut}
)
def employer_verification_submit(
    request: HttpRequest,
    organization_id: Id,
    payload: Form[EmployerVerificationSubmitIn],
    licence: File[UploadedFile],
) -> Status[EmployerVerification]:
    """Multipart: the fields of EmployerVerificationSubmitIn and the file `licence` (JPEG,
    PNG, WebP or PDF, at most 8 MB). Owners and administrators only."""
    user = current_user(request)
    org = account_selectors.organization_get_for_member(user=user, organization_id=organization_id)
    if licence.size and licence.size > services.MAX_LICENCE_BYTES:
        raise ValidationFailed(
            _("The licence file is larger than 8 MB."),
            code="licence_too_large",
            detail={"field": "licence"},
        )
    verification = services.employer_verification_submit(
        actor=user, organization=org, licence=licence.read(), **payload.dict()
    )
    return Status(201, verification)


@router.get("/employer-verifications/reviews", response=list[EmployerVerificationReviewOut])
@paginate(Pagination)
def employer_verification_review_list(
    request: HttpRequest, status: str | None = "pending"
) -> object:
    """Operators: the review queue (pending by default, oldest first)."""
    return selectors.employer_verification_review_list(
        reviewer=require_operator(request), status=status
    )


@router.get(
    "/employer-verifications/reviews/{verification_id}", response=EmployerVerificationReviewOut
)
def employer_verification_review_get(
    request: HttpRequest, verification_id: Id
) -> EmployerVerification:
    return selectors.employer_verification_get_for_review(
        reviewer=current_user(request), verification_id=verification_id
    )


@router.post(
    "/employer-verifications/reviews/{verification_id}/approve",
    response=EmployerVerificationReviewOut,
)
def employer_verification_approve(
    request: HttpRequest, verification_id: Id, payload: ReviewIn
) -> EmployerVerification:
    return services.employer_verification_approve(
        reviewer=current_user(request), verification_id=verification_id, note=payload.note
    )


@router.post(
    "/employer-verifications/reviews/{verification_id}/reject",
    response=EmployerVerificationReviewOut,
)
def employer_verification_reject(
    request: HttpRequest, verification_id: Id, payload: RejectIn
) -> EmployerVerification:
    return services.employer_verification_reject(
        reviewer=current_user(request), verification_id=verification_id, reason=payload.reason
    )


@router.post("/employer-verifications/reviews/{verification_id}/reveal", response=LicenceRevealOut)
def employer_licence_reveal(
    request: HttpRequest, verification_id: Id, payload: LicenceRevealIn
) -> dict:
    """The business licence in clear, as a data: URL; every call is recorded."""
    data, content_type = services.employer_licence_reveal(
        reviewer=current_user(request),
        verification_id=verification_id,
        reason=payload.reason,
        ip_address=client_ip(request),
    )
    value = data_url(data, content_type)
    return {"content_type": content_type, "value": value}


@router.get(
    "/employer-verifications/reviews/{verification_id}/reveals", response=list[RevealAuditOut]
)
@paginate(Pagination)
def employer_licence_reveal_list(request: HttpRequest, verification_id: Id) -> object:
    return selectors.employer_reveal_audit_list(
        reviewer=current_user(request), verification_id=verification_id
    )
