"""Writes for certifications and exams.

How an approved certification feeds dispatch: dispatch reads only
`WorkerSkill.valid_from/valid_until` and compares them with the day, so a certification stops
counting the moment its `valid_until` passes without any job running. Approval (and a passed
exam) recomputes those dates for the skills granted, in the same transaction:

    intervals = [valid_from, valid_until] of every approved certification of the worker that
                grants the skill and has not expired (valid_until ≥ today),
                plus the WorkerSkill's current dates if they have not expired;
    merge the intervals that overlap or touch (a renewal that starts the day after the old
    certificate ends, or earlier); the WorkerSkill takes the first merged interval.

When the certifications overlap — the usual renewal — this is exactly "the latest valid_until
among approved, unexpired certifications". A gap (a new certificate that starts after the old
one ends) is not papered over: the worker is not eligible during the gap. Approval never
shortens dates that are still valid; rejection and expiry never touch them.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinghuo.accounts.models import User
from xinghuo.accounts.selectors import Capability, has_capability
from xinghuo.core import crypto
from xinghuo.core.exceptions import Conflict, PermissionDenied, ValidationFailed
from xinghuo.core.images import check_image, sniff_image_type
from xinghuo.notifications import services as notification_services
from xinghuo.workforce.models import Skill, Worker, WorkerSkill

from .exceptions import CertificationNotFound, ExamAttemptNotFound, ExamNotFound
from .models import Certification, CertificationFile, Exam, ExamAttempt, Question

EXPIRY_WARNING_DAYS = 30
# A browser that auto-submits at zero needs a moment to reach us; later is a time-out.
SUBMIT_GRACE = timedelta(seconds=30)
MAX_FILES = 5
MAX_FILE_BYTES = 8 * 1024 * 1024
EXAM_ISSUER = "星火平台在线考试"

# Evidence is recognised by its first bytes, never by the name or type the browser claims.
_IMAGE_TYPES = ("image/jpeg", "image/png")


def _require_operator(user: User) -> None:
    if not has_capability(actor=user, capability=Capability.CERTIFICATION_REVIEW):
        raise PermissionDenied(
            _("Only platform operators may review certifications."), code="operator_only"
        )


def _sniff(data: bytes) -> str:
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


# --- certifications ---------------------------------------------------------------------


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
    title = (title or "").strip()
    if kind not in Certification.Kind.values:
        raise ValidationFailed(_("Unknown kind."), code="invalid_kind", detail={"field": "kind"})
    if not title or len(title) > 64:
        raise ValidationFailed(
            _("Give the certification a name of at most 64 characters."),
            code="invalid_title",
            detail={"field": "title"},
        )
    wanted = sorted(set(skill_ids))
    found = set(Skill.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    if missing := sorted(set(wanted) - found):
        raise ValidationFailed(
            _("Some of the chosen skills do not exist."),
            code="unknown_ids",
            detail={"field": "skill_ids", "ids": missing},
        )
    if wanted and valid_until is None:
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
        sniffed.append(_sniff(data))
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


def _merged_first(intervals: list[tuple[date, date]]) -> tuple[date, date] | None:
    """The first of the merged intervals (overlapping or touching ones joined)."""
    if not intervals:
        return None
    intervals.sort()
    start, end = intervals[0]
    for s, e in intervals[1:]:
        if s > end + timedelta(days=1):
            break
        end = max(end, e)
    return start, end


def _worker_skills_sync(*, worker_id: int, skill_ids: Sequence[int], today: date) -> None:
    """Set the validity of the worker's skills from his approved certifications (see the
    module docstring). Locks the worker row so concurrent approvals for one worker queue."""
    Worker.objects.select_for_update().filter(pk=worker_id).first()
    for skill_id in sorted(set(skill_ids)):
        row, _created = WorkerSkill.objects.get_or_create(worker_id=worker_id, skill_id=skill_id)
        intervals: list[tuple[date, date]] = list(
            Certification.objects.filter(  # type: ignore[arg-type]  # valid_until ≥ today: set
                worker_id=worker_id,
                status=Certification.Status.APPROVED,
                skills=skill_id,
                valid_until__gte=today,
            ).values_list("valid_from", "valid_until")
        )
        if row.valid_until is not None and row.valid_until >= today:
            intervals.append((row.valid_from or date.min, row.valid_until))
        merged = _merged_first(intervals)
        if merged is None:
            continue
        valid_from = None if merged[0] == date.min else merged[0]
        if (row.valid_from, row.valid_until) != (valid_from, merged[1]):
            row.valid_from, row.valid_until = valid_from, merged[1]
            row.save(update_fields=["valid_from", "valid_until", "updated_at"])


@transaction.atomic
def certification_approve(
    *, reviewer: User, certification_id: int, note: str = "", today: date | None = None
) -> Certification:
    """Approve: the worker's skills granted by it become valid for dispatch in the same
    transaction (WorkerSkill created where absent).

    Locks the certification, then the worker. Raises PermissionDenied(operator_only),
    CertificationNotFound, Conflict(already_reviewed).
    """
    _require_operator(reviewer)
    cert = _lock_pending(certification_id=certification_id)
    cert.status = Certification.Status.APPROVED
    cert.review_note = (note or "").strip()[:255]
    cert.reviewed_by = reviewer
    cert.reviewed_at = timezone.now()
    cert.save()
    _worker_skills_sync(
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
    _require_operator(reviewer)
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


# --- exams ------------------------------------------------------------------------------


def _draw(exam: Exam) -> list[int]:
    ids = list(
        Question.objects.filter(bank_id=exam.bank_id, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not ids:
        raise Conflict(_("This exam has no questions yet."), code="exam_empty")
    return random.SystemRandom().sample(ids, min(exam.question_count, len(ids)))


def attempt_is_late(attempt: ExamAttempt, now: datetime) -> bool:
    """Past the deadline and its grace: answers are no longer taken."""
    return now > attempt.deadline_at + SUBMIT_GRACE


def _lock_attempt(*, worker: Worker, attempt_id: int) -> ExamAttempt:
    attempt = (
        ExamAttempt.objects.select_for_update()
        .select_related("exam")
        .filter(pk=attempt_id, worker=worker)
        .first()
    )
    if attempt is None:
        raise ExamAttemptNotFound()
    return attempt


def _clean_answers(
    attempt: ExamAttempt, answers: Mapping[Any, Sequence[int]]
) -> dict[str, list[int]]:
    """Answers keyed by question id (str), as sorted distinct choice indices; only questions
    of this attempt; one choice at most for single-choice and true/false questions."""
    questions = {
        q.pk: q
        for q in Question.objects.filter(pk__in=attempt.question_ids).only("kind", "choices")
    }
    cleaned: dict[str, list[int]] = {}
    for key, picked in answers.items():
        try:
            qid = int(key)
        except (TypeError, ValueError):
            qid = -1
        question = questions.get(qid)
        if question is None:
            raise ValidationFailed(
                _("This question is not part of the exam."),
                code="unknown_question",
                detail={"field": "answers", "question_id": str(key)},
            )
        chosen = sorted(set(picked))
        if any(not 0 <= i < len(question.choices) for i in chosen) or (
            question.kind != Question.Kind.MULTIPLE and len(chosen) > 1
        ):
            raise ValidationFailed(
                _("This answer does not fit the question."),
                code="invalid_answer",
                detail={"field": "answers", "question_id": qid},
            )
        cleaned[str(qid)] = chosen
    return cleaned


def grade(*, question_ids: Sequence[int], answers: Mapping[str, Sequence[int]]) -> tuple[int, int]:
    """(correct answers, score in percent rounded half up). A question counts only when the
    chosen set is exactly the right set: no partial credit on multiple choice; a question
    removed from the bank since the draw counts as wrong."""
    right = dict(Question.objects.filter(pk__in=question_ids).values_list("pk", "answer"))
    correct = sum(
        1
        for qid in question_ids
        if qid in right and sorted(answers.get(str(qid), [])) == sorted(right[qid])
    )
    total = len(question_ids)
    score = (Decimal(correct) * 100 / total).quantize(Decimal(1), ROUND_HALF_UP) if total else 0
    return correct, int(score)


def _close(attempt: ExamAttempt, *, status: str, now: datetime) -> ExamAttempt:
    """Grade the (locked, open) attempt; a pass grants the theory-exam certification."""
    correct, score = grade(question_ids=attempt.question_ids, answers=attempt.answers)
    attempt.status = status
    attempt.finished_at = now
    attempt.correct_count = correct
    attempt.score_percent = score
    attempt.passed = score >= attempt.exam.pass_percent
    attempt.save()
    if attempt.passed:
        today = timezone.localdate(now)
        exam = attempt.exam
        skill_id = exam.bank.skill_id
        cert = Certification.objects.create(
            worker_id=attempt.worker_id,
            kind=Certification.Kind.THEORY_EXAM,
            title=exam.title[:64],
            issuer=EXAM_ISSUER,
            number=f"EXAM-{attempt.pk:08d}",
            valid_from=today,
            valid_until=today + timedelta(days=exam.certificate_valid_days),
            status=Certification.Status.APPROVED,
            reviewed_at=now,
            review_note=f"{score}%",
            exam_attempt=attempt,
        )
        cert.skills.set([skill_id])
        _worker_skills_sync(worker_id=attempt.worker_id, skill_ids=[skill_id], today=today)
    return attempt


@transaction.atomic
def exam_start(*, worker: Worker, exam_id: int, now: datetime | None = None) -> ExamAttempt:
    """Start an attempt: a random draw of the exam's questions, the clock starts now.

    One open attempt per worker and exam (database constraint): an open one past its time is
    graded as timed out first; one still running is Conflict(attempt_open). Raises
    ExamNotFound for an unknown or inactive exam, Conflict(exam_empty).
    """
    now = now or timezone.now()
    exam = Exam.objects.select_related("bank").filter(pk=exam_id, is_active=True).first()
    if exam is None:
        raise ExamNotFound()
    current = (
        ExamAttempt.objects.select_for_update()
        .select_related("exam__bank")
        .filter(worker=worker, exam=exam, status=ExamAttempt.Status.OPEN)
        .first()
    )
    if current is not None:
        if not attempt_is_late(current, now):
            raise Conflict(
                _("You have an exam in progress; finish it first."),
                code="attempt_open",
                detail={"attempt_id": current.pk},
            )
        _close(current, status=ExamAttempt.Status.TIMED_OUT, now=now)
    try:
        with transaction.atomic():
            return ExamAttempt.objects.create(
                exam=exam,
                worker=worker,
                started_at=now,
                deadline_at=now + timedelta(minutes=exam.time_limit_minutes),
                question_ids=_draw(exam),
            )
    except IntegrityError:
        raise Conflict(
            _("You have an exam in progress; finish it first."), code="attempt_open"
        ) from None


@transaction.atomic
def exam_save_answers(
    *,
    worker: Worker,
    attempt_id: int,
    answers: Mapping[Any, Sequence[int]],
    now: datetime | None = None,
) -> ExamAttempt:
    """Save answers while the attempt runs (they replace earlier answers to the same
    questions). Past the time limit nothing is saved: the attempt is graded as timed out and
    returned closed. Raises ExamAttemptNotFound, Conflict(attempt_closed), ValidationFailed.
    """
    now = now or timezone.now()
    attempt = _lock_attempt(worker=worker, attempt_id=attempt_id)
    if attempt.status != ExamAttempt.Status.OPEN:
        raise Conflict(_("This exam is finished."), code="attempt_closed")
    if attempt_is_late(attempt, now):
        return _close(attempt, status=ExamAttempt.Status.TIMED_OUT, now=now)
    attempt.answers = {**attempt.answers, **_clean_answers(attempt, answers)}
    attempt.save(update_fields=["answers", "updated_at"])
    return attempt


@transaction.atomic
def exam_submit(
    *,
    worker: Worker,
    attempt_id: int,
    answers: Mapping[Any, Sequence[int]] | None = None,
    now: datetime | None = None,
) -> ExamAttempt:
    """Hand in and grade. In time (within a 30 s grace for the browser's auto-submit), the
    given answers are added to the saved ones; later, the attempt is graded as timed out on
    the answers saved in time only.

    Raises ExamAttemptNotFound, Conflict(attempt_closed), ValidationFailed.
    """
    now = now or timezone.now()
    attempt = _lock_attempt(worker=worker, attempt_id=attempt_id)
    if attempt.status != ExamAttempt.Status.OPEN:
        raise Conflict(_("This exam is finished."), code="attempt_closed")
    if attempt_is_late(attempt, now):
        return _close(attempt, status=ExamAttempt.Status.TIMED_OUT, now=now)
    if answers:
        attempt.answers = {**attempt.answers, **_clean_answers(attempt, answers)}
    return _close(attempt, status=ExamAttempt.Status.SUBMITTED, now=now)


def exam_timeout_sweep(*, now: datetime | None = None) -> int:
    """Grade every open attempt past its time limit (and the grace) as timed out.

    Idempotent: each attempt is re-read under lock and skipped when already closed.
    """
    now = now or timezone.now()
    ids = list(
        ExamAttempt.objects.filter(
            status=ExamAttempt.Status.OPEN, deadline_at__lt=now - SUBMIT_GRACE
        ).values_list("pk", flat=True)
    )
    closed = 0
    for attempt_id in ids:
        with transaction.atomic():
            attempt = (
                ExamAttempt.objects.select_for_update()
                .select_related("exam__bank")
                .filter(pk=attempt_id, status=ExamAttempt.Status.OPEN)
                .first()
            )
            if attempt is None:
                continue
            _close(attempt, status=ExamAttempt.Status.TIMED_OUT, now=now)
            closed += 1
    return closed


def certification_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic job: time-outs and expiry warnings (both idempotent)."""
    now = now or timezone.now()
    return {
        "attempts_timed_out": exam_timeout_sweep(now=now),
        "expiry_warnings": certification_expiry_warn(today=timezone.localdate(now)),
    }


def certification_files_reencrypt_all() -> int:
    """Re-encrypt every evidence file under the first key (`manage.py identity_rotate_keys`);
    returns the number of files rewritten."""

    def rewrite(f: CertificationFile) -> None:
        if f.file:
            crypto.rotate_file(f.file)
            f.save(update_fields=["file"])

    return crypto.reencrypt_each(CertificationFile.objects.all(), rewrite)
