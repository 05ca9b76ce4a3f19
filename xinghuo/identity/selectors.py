"""Reads for identity verification and bank card recognition (the public surface)."""

from __future__ import annotations

from django.db.models import QuerySet

from xinghuo.accounts.models import User
from xinghuo.workforce.models import Worker

from .bins import CardInfo, card_recognise
from .exceptions import IdentityNotFound
from .models import IdentityVerification, RevealAudit


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
    if not reviewer.is_staff:
        return IdentityVerification.objects.none()
    qs = IdentityVerification.objects.select_related("worker__user", "reviewed_by")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("submitted_at", "pk")


def identity_get_for_review(*, reviewer: User, verification_id: int) -> IdentityVerification:
    if not reviewer.is_staff:
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
