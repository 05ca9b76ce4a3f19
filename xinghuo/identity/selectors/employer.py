"""Reads for the employer verification (企业认证), including the gate other apps ask:
`organization_is_verified`."""

from __future__ import annotations

from django.db.models import QuerySet

from xinghuo.accounts.models import Organization, User
from xinghuo.accounts.selectors import Capability, has_capability

from ..exceptions import EmployerVerificationNotFound
from ..models import EmployerVerification, RevealAudit


def employer_verification_for_organization(*, organization: Organization) -> EmployerVerification:
    """The organization's verification, or EmployerVerificationNotFound before its first
    submission. The caller has checked that the user is a member of `organization`."""
    verification = (
        EmployerVerification.objects.select_related("reviewed_by")
        .filter(organization=organization)
        .first()
    )
    if verification is None:
        raise EmployerVerificationNotFound()
    return verification


def organization_is_verified(*, organization: Organization) -> bool:
    """For the gates elsewhere (publishing paid orders): has an operator approved the
    organization's verification? Read from the approved verification itself, the evidence,
    rather than from the organization's status label."""
    return EmployerVerification.objects.filter(
        organization_id=organization.pk, status=EmployerVerification.Status.APPROVED
    ).exists()


def employer_verification_review_list(
    *, reviewer: User, status: str | None = EmployerVerification.Status.PENDING
) -> QuerySet[EmployerVerification]:
    """Operators' queue, oldest submission first; anyone else gets an empty list."""
    if not has_capability(actor=reviewer, capability=Capability.EMPLOYER_REVIEW):
        return EmployerVerification.objects.none()
    qs = EmployerVerification.objects.select_related("organization", "submitted_by", "reviewed_by")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("submitted_at", "pk")


def employer_verification_get_for_review(
    *, reviewer: User, verification_id: int
) -> EmployerVerification:
    """One verification for an operator; EmployerVerificationNotFound for anyone else."""
    if not has_capability(actor=reviewer, capability=Capability.EMPLOYER_REVIEW):
        raise EmployerVerificationNotFound()
    verification = (
        EmployerVerification.objects.select_related("organization", "submitted_by", "reviewed_by")
        .filter(pk=verification_id)
        .first()
    )
    if verification is None:
        raise EmployerVerificationNotFound()
    return verification


def employer_reveal_audit_list(*, reviewer: User, verification_id: int) -> QuerySet[RevealAudit]:
    """Who saw this verification's licence, newest first (operators only)."""
    verification = employer_verification_get_for_review(
        reviewer=reviewer, verification_id=verification_id
    )
    return RevealAudit.objects.filter(subject=verification.audit_subject).select_related("actor")
