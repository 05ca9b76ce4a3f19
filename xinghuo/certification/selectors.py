"""Reads for certifications and exams (the skill radar is analytics.selectors')."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinghuo.accounts.models import User
from xinghuo.accounts.selectors import Capability, has_capability
from xinghuo.core import crypto
from xinghuo.core.exceptions import PermissionDenied
from xinghuo.workforce.models import Worker

from .exceptions import (
    CertificationFileNotFound,
    CertificationNotFound,
    ExamAttemptNotFound,
    ExamNotFound,
)
from .models import Certification, CertificationFile, Exam, ExamAttempt, Question


def _certifications() -> QuerySet[Certification]:
    return Certification.objects.select_related("worker__user", "reviewed_by").prefetch_related(
        "skills", "files"
    )


def certification_list_for_worker(*, worker: Worker) -> QuerySet[Certification]:
    return _certifications().filter(worker=worker).order_by("-created_at", "-pk")


def certification_get_for_worker(*, worker: Worker, certification_id: int) -> Certification:
    cert = _certifications().filter(worker=worker, pk=certification_id).first()
    if cert is None:
        raise CertificationNotFound()
    return cert


def certification_review_list(
    *, reviewer: User, status: str | None = Certification.Status.PENDING
) -> QuerySet[Certification]:
    """Operators: the review queue, oldest first. Anyone else: PermissionDenied."""
    if not has_capability(actor=reviewer, capability=Capability.CERTIFICATION_REVIEW):
        raise PermissionDenied(
            _("Only platform operators may review certifications."), code="operator_only"
        )
    qs = _certifications()
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("created_at", "pk")


def certification_get_for_review(*, reviewer: User, certification_id: int) -> Certification:
    cert = certification_review_list(reviewer=reviewer, status=None).filter(pk=certification_id)
    found = cert.first()
    if found is None:
        raise CertificationNotFound()
    return found


def certification_file_get_for_user(*, user: User, file_id: int) -> CertificationFile:
    """An evidence file for its worker or an operator; anyone else gets the same NotFound as
    for a missing file."""
    f = CertificationFile.objects.select_related("certification__worker").filter(pk=file_id).first()
    reviewer = has_capability(actor=user, capability=Capability.CERTIFICATION_REVIEW)
    if f is None or not (reviewer or f.certification.worker.user_id == user.pk):
        raise CertificationFileNotFound()
    return f


def certification_file_content(*, user: User, file_id: int) -> tuple[bytes, str]:
    """(clear bytes, content type) of an evidence file, for the same users as
    `certification_file_get_for_user`; stored encrypted, decrypted only here."""
    f = certification_file_get_for_user(user=user, file_id=file_id)
    return crypto.read_encrypted(f.file), f.content_type


def certification_state(cert: Certification, *, on: date | None = None) -> str:
    """pending | rejected | valid | expiring (within 30 days) | expired | not_yet_valid."""
    on = on or timezone.localdate()
    if cert.status != Certification.Status.APPROVED:
        return cert.status
    if cert.valid_from > on:
        return "not_yet_valid"
    if cert.valid_until is None:
        return "valid"
    if cert.valid_until < on:
        return "expired"
    return "expiring" if (cert.valid_until - on).days <= 30 else "valid"


# --- exams ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExamRow:
    exam: Exam
    available_questions: int
    best_score: int | None
    passed: bool
    open_attempt_id: int | None


def exam_list_for_worker(*, worker: Worker) -> list[ExamRow]:
    """Active exams with the worker's best score, whether he passed, and his open attempt."""
    exams = list(Exam.objects.filter(is_active=True).select_related("bank__skill").order_by("pk"))
    attempts = ExamAttempt.objects.filter(worker=worker)
    best = dict(
        attempts.exclude(status=ExamAttempt.Status.OPEN)
        .values("exam_id")
        .annotate(best=Max("score_percent"))
        .values_list("exam_id", "best")
    )
    passed = set(attempts.filter(passed=True).values_list("exam_id", flat=True))
    open_ids = dict(attempts.filter(status=ExamAttempt.Status.OPEN).values_list("exam_id", "pk"))
    counts = {
        e.bank_id: Question.objects.filter(bank_id=e.bank_id, is_active=True).count() for e in exams
    }
    return [
        ExamRow(
            exam=e,
            available_questions=counts[e.bank_id],
            best_score=best.get(e.pk),
            passed=e.pk in passed,
            open_attempt_id=open_ids.get(e.pk),
        )
        for e in exams
    ]


def exam_get(*, exam_id: int) -> Exam:
    exam = Exam.objects.select_related("bank__skill").filter(pk=exam_id, is_active=True).first()
    if exam is None:
        raise ExamNotFound()
    return exam


def exam_attempt_get_for_worker(*, worker: Worker, attempt_id: int) -> ExamAttempt:
    attempt = (
        ExamAttempt.objects.select_related("exam__bank__skill")
        .filter(pk=attempt_id, worker=worker)
        .first()
    )
    if attempt is None:
        raise ExamAttemptNotFound()
    return attempt


def exam_attempt_list_for_worker(*, worker: Worker) -> QuerySet[ExamAttempt]:
    return ExamAttempt.objects.select_related("exam").filter(worker=worker)


@dataclass(frozen=True)
class AttemptQuestion:
    """A question as the worker sees it; the right answer and explanation only once the
    attempt is closed."""

    question: Question
    number: int
    chosen: list[int]
    answer: list[int] | None
    explanation: str | None
    is_correct: bool | None


def exam_attempt_questions(*, attempt: ExamAttempt) -> list[AttemptQuestion]:
    by_id = {q.pk: q for q in Question.objects.filter(pk__in=attempt.question_ids)}
    closed = attempt.status != ExamAttempt.Status.OPEN
    rows = []
    for n, qid in enumerate(attempt.question_ids, start=1):
        q = by_id.get(qid)
        if q is None:
            continue
        chosen = list(attempt.answers.get(str(qid), []))
        rows.append(
            AttemptQuestion(
                question=q,
                number=n,
                chosen=chosen,
                answer=list(q.answer) if closed else None,
                explanation=q.explanation if closed else None,
                is_correct=(sorted(chosen) == sorted(q.answer)) if closed else None,
            )
        )
    return rows
