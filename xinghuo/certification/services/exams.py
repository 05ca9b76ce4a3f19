"""Online exams: starting, saving answers, submitting and grading, time-outs."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinghuo.core.exceptions import Conflict, ValidationFailed
from xinghuo.workforce.models import Worker

from ..exceptions import ExamAttemptNotFound, ExamNotFound
from ..models import Certification, Exam, ExamAttempt, Question
from ._common import worker_skills_sync

# A browser that auto-submits at zero needs a moment to reach us; later is a time-out.
SUBMIT_GRACE = timedelta(seconds=30)


EXAM_ISSUER = "星火平台在线考试"


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
        worker_skills_sync(worker_id=attempt.worker_id, skill_ids=[skill_id], today=today)
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
