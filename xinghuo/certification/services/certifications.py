"""Certifications: a worker's submission with its evidence, the operator's review, expiry
warnings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinghuo.accounts.models import User
from xinghuo.core import crypto
from xinghuo.core.exceptions import Conflict, ValidationFailed
from xinghuo.notifications import services as notification_services
from xinghuo.workforce.models import Skill, Worker

from ..exceptions import CertificationNotFound
from ..models import Certification, CertificationFile
from ._common import require_operator, worker_skills_sync
from .files import MAX_FILE_BYTES, MAX_FILES, sniff

EXPIRY_WARNING_DAYS = 30


@transaction.atomic
def certification_submit(
    *,
    worker: Worker,
    kind: str,
    title: str,
    skill_ids: Sequence[int],
    valid_from: date,
    valid_until: date | None,
    issuer: str = "",
    number: str = "",
    files: Sequence[bytes] = (),
    today: date | None = None,
) -> Certification:
    """A worker submits a certification with its evidence; it waits for an operator.

    Raises ValidationFailed for a bad kind, title, date range, unknown skill, a certification
    that has expired already, missing, too many, too large or unsupported files.
    """
    today = today or timezone.localdate()
    title = _checked_title(kind=kind, title=title)
    wanted = _known_skill_ids(skill_ids)
    _check_dates(
        grants_skills=bool(wanted), valid_from=valid_from, valid_until=valid_until, today=today
    )
    sniffed = _sniffed_files(files)
    cert = Certification(
        worker=worker,
        kind=kind,
        title=title,
        issuer=(issuer or "").strip()[:128],
        number=(number or "").strip()[:64],
        valid_from=valid_from,
        valid_until=valid_until,
    )
    cert.full_clean()
    cert.save()
    cert.skills.set(wanted)
    for data, content_type in zip(files, sniffed, strict=True):
        f = CertificationFile(certification=cert, content_type=content_type, size=len(data))
        # A certificate carries the holder's ID number: encrypted like the ID card itself.
        crypto.save_encrypted(f.file, data)
        f.save()
    return cert


def _checked_title(*, kind: str, title: str) -> str:
    title = (title or "").strip()
    if kind not in Certification.Kind.values:
        raise ValidationFailed(_("Unknown kind."), code="invalid_kind", detail={"field": "kind"})
    if not title or len(title) > 64:
        raise ValidationFailed(
            _("Give the certification a name of at most 64 characters."),
            code="invalid_title",
            detail={"field": "title"},
        )
    return title


def _known_skill_ids(skill_ids: Sequence[int]) -> list[int]:
    wanted = sorted(set(skill_ids))
    found = set(Skill.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    if missing := sorted(set(wanted) - found):
        raise ValidationFailed(
            _("Some of the chosen skills do not exist."),
            code="unknown_ids",
            detail={"field": "skill_ids", "ids": missing},
        )
    return wanted


def _check_dates(
    *, grants_skills: bool, valid_from: date, valid_until: date | None, today: date
) -> None:
    if grants_skills and valid_until is None:
        raise ValidationFailed(
            _("A certification that grants skills needs an expiry date."),
            code="valid_until_required",
            detail={"field": "valid_until"},
        )
    if valid_until is not None and valid_until < valid_from:
        raise ValidationFailed(
            _("The expiry date is before the start date."),
            code="invalid_dates",
            detail={"field": "valid_until"},
        )
    if valid_until is not None and valid_until < today:
        raise ValidationFailed(
            _("This certification has expired already."),
            code="expired",
            detail={"field": "valid_until"},
        )


def _sniffed_files(files: Sequence[bytes]) -> list[str]:
    """Each file's content type, or ValidationFailed for missing, too many, too large or
    unsupported files."""
    if not files:
        raise ValidationFailed(
            _("Attach a photo or scan of the certificate."),
            code="files_required",
            detail={"field": "files"},
        )
    if len(files) > MAX_FILES:
        raise ValidationFailed(
            _("At most 5 files."), code="too_many_files", detail={"field": "files"}
        )
    sniffed = []
    for data in files:
        if len(data) > MAX_FILE_BYTES:
            raise ValidationFailed(
                _("A file is larger than 8 MB."), code="file_too_large", detail={"field": "files"}
            )
        sniffed.append(sniff(data))
    return sniffed


def _lock_pending(*, certification_id: int) -> Certification:
    cert = Certification.objects.select_for_update().filter(pk=certification_id).first()
    if cert is None:
        raise CertificationNotFound()
    if cert.status != Certification.Status.PENDING:
        raise Conflict(
            _("This certification has been reviewed already."),
            code="already_reviewed",
            detail={"status": cert.status},
        )
    return cert


@transaction.atomic
def certification_approve(
    *, reviewer: User, certification_id: int, note: str = "", today: date | None = None
) -> Certification:
    """Approve: the worker's skills granted by it become valid for dispatch in the same
    transaction (WorkerSkill created where absent).

    Locks the certification, then the worker. Raises PermissionDenied(operator_only),
    CertificationNotFound, Conflict(already_reviewed).
    """
    require_operator(reviewer)
    cert = _lock_pending(certification_id=certification_id)
    cert.status = Certification.Status.APPROVED
    cert.review_note = (note or "").strip()[:255]
    cert.reviewed_by = reviewer
    cert.reviewed_at = timezone.now()
    cert.save()
    worker_skills_sync(
        worker_id=cert.worker_id,
        skill_ids=list(cert.skills.values_list("pk", flat=True)),
        today=today or timezone.localdate(),
    )
    return cert


@transaction.atomic
def certification_reject(*, reviewer: User, certification_id: int, reason: str) -> Certification:
    """Reject with a reason the worker sees; no skill changes.

    Raises PermissionDenied(operator_only), ValidationFailed(reason_required),
    CertificationNotFound, Conflict(already_reviewed).
    """
    require_operator(reviewer)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Give the worker a reason for the rejection."),
            code="reason_required",
            detail={"field": "reason"},
        )
    cert = _lock_pending(certification_id=certification_id)
    cert.status = Certification.Status.REJECTED
    cert.reject_reason = reason[:255]
    cert.reviewed_by = reviewer
    cert.reviewed_at = timezone.now()
    cert.save()
    return cert


def _renewed(cert: Certification) -> bool:
    """Whether later approved certifications cover everything `cert` gives: no need to warn."""
    later = Certification.objects.filter(
        worker_id=cert.worker_id,
        status=Certification.Status.APPROVED,
        valid_until__gt=cert.valid_until,
    ).exclude(pk=cert.pk)
    skill_ids = list(cert.skills.values_list("pk", flat=True))
    if not skill_ids:
        return later.filter(kind=cert.kind).exists()
    return all(later.filter(skills=skill_id).exists() for skill_id in skill_ids)


def certification_expiry_warn(*, today: date | None = None) -> int:
    """Warn each worker once, 30 days (or less) before an approved certification expires.

    Idempotent: `expiry_warned_at` is claimed with a conditional UPDATE before the notice is
    written (notify() deduplicates only per order, and these notices have none). A
    certification already renewed by a later one is claimed without a notice. Returns the
    notices sent.
    """
    today = today or timezone.localdate()
    due = (
        Certification.objects.filter(
            status=Certification.Status.APPROVED,
            expiry_warned_at__isnull=True,
            valid_until__gte=today,
            valid_until__lte=today + timedelta(days=EXPIRY_WARNING_DAYS),
        )
        .select_related("worker__user")
        .order_by("pk")
    )
    sent = 0
    for cert in due:
        with transaction.atomic():
            claimed = Certification.objects.filter(
                pk=cert.pk, expiry_warned_at__isnull=True
            ).update(expiry_warned_at=timezone.now())
            if not claimed or _renewed(cert):
                continue
            assert cert.valid_until is not None
            days = (cert.valid_until - today).days
            notification_services.notify(
                user=cert.worker.user,
                kind=f"cert_expiring_{cert.pk}",
                title=_("Your certification “%(title)s” expires soon") % {"title": cert.title},
                body=_(
                    "It expires on %(date)s (in %(days)d days). Upload the renewed certificate "
                    "in time, or orders that need it will no longer reach you."
                )
                % {"date": cert.valid_until.isoformat(), "days": days},
                order_id=None,
            )
            sent += 1
    return sent
