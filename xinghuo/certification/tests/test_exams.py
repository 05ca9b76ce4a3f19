from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from xinghuo.certification import services
from xinghuo.certification.models import Certification, ExamAttempt
from xinghuo.core.exceptions import Conflict, ValidationFailed
from xinghuo.workforce.models import WorkerSkill

from .conftest import qid

pytestmark = pytest.mark.django_db

ALL_RIGHT = {"s": [1], "m": [0, 2], "t": [1]}


def answers(exam, by_code):  # type: ignore[no-untyped-def]
    return {str(qid(exam, code)): picked for code, picked in by_code.items()}


@pytest.mark.parametrize(
    ("given", "correct", "score", "passed"),
    [
        (ALL_RIGHT, 3, 100, True),
        ({"s": [1], "m": [0, 2]}, 2, 67, True),  # 66.67 rounds half up to 67 ≥ 60
        ({"s": [1], "m": [0], "t": [1]}, 2, 67, True),  # multiple: a missing choice is wrong
        ({"s": [1], "m": [0, 1, 2], "t": [0]}, 1, 33, False),  # an extra choice is wrong too
        ({"s": [0], "t": [1]}, 1, 33, False),
        ({}, 0, 0, False),
    ],
)
def test_grading_single_multiple_true_false(  # type: ignore[no-untyped-def]
    make_worker, small_exam, given, correct, score, passed
) -> None:
    worker = make_worker()
    attempt = services.exam_start(worker=worker, exam_id=small_exam.pk)
    assert sorted(attempt.question_ids) == sorted(qid(small_exam, c) for c in "smt")
    attempt = services.exam_submit(
        worker=worker, attempt_id=attempt.pk, answers=answers(small_exam, given)
    )
    assert attempt.status == ExamAttempt.Status.SUBMITTED
    assert (attempt.correct_count, attempt.score_percent, attempt.passed) == (
        correct,
        score,
        passed,
    )
    assert Certification.objects.filter(worker=worker).exists() is passed


def test_passing_grants_an_approved_theory_certification(  # type: ignore[no-untyped-def]
    make_worker, small_exam, height
) -> None:
    worker = make_worker()
    now = timezone.now()
    attempt = services.exam_start(worker=worker, exam_id=small_exam.pk, now=now)
    services.exam_submit(
        worker=worker, attempt_id=attempt.pk, answers=answers(small_exam, ALL_RIGHT), now=now
    )
    cert = Certification.objects.get(worker=worker)
    today = timezone.localdate(now)
    assert cert.kind == Certification.Kind.THEORY_EXAM
    assert cert.status == Certification.Status.APPROVED
    assert cert.exam_attempt_id == attempt.pk
    assert list(cert.skills.all()) == [height]
    assert (cert.valid_from, cert.valid_until) == (today, today + timedelta(days=730))
    row = WorkerSkill.objects.get(worker=worker, skill=height)
    assert (row.valid_from, row.valid_until) == (cert.valid_from, cert.valid_until)


def test_invalid_answers_are_refused(make_worker, small_exam) -> None:  # type: ignore[no-untyped-def]
    worker = make_worker()
    attempt = services.exam_start(worker=worker, exam_id=small_exam.pk)
    for bad in ({"s": [0, 1]}, {"t": [0, 1]}, {"m": [4]}):
        with pytest.raises(ValidationFailed) as e:
            services.exam_save_answers(
                worker=worker, attempt_id=attempt.pk, answers=answers(small_exam, bad)
            )
        assert e.value.code == "invalid_answer"
    with pytest.raises(ValidationFailed):
        services.exam_save_answers(worker=worker, attempt_id=attempt.pk, answers={"999999": [0]})


def test_one_open_attempt_at_a_time(make_worker, small_exam) -> None:  # type: ignore[no-untyped-def]
    worker = make_worker()
    first = services.exam_start(worker=worker, exam_id=small_exam.pk)
    with pytest.raises(Conflict) as e:
        services.exam_start(worker=worker, exam_id=small_exam.pk)
    assert e.value.code == "attempt_open"
    assert e.value.detail == {"attempt_id": first.pk}
    # The database holds the rule too.
    with pytest.raises(IntegrityError):
        ExamAttempt.objects.create(
            exam=small_exam,
            worker=worker,
            started_at=first.started_at,
            deadline_at=first.deadline_at,
            question_ids=first.question_ids,
        )


def test_after_submitting_a_new_attempt_may_start(make_worker, small_exam) -> None:  # type: ignore[no-untyped-def]
    worker = make_worker()
    first = services.exam_start(worker=worker, exam_id=small_exam.pk)
    services.exam_submit(worker=worker, attempt_id=first.pk, answers={})
    second = services.exam_start(worker=worker, exam_id=small_exam.pk)
    assert second.pk != first.pk
    with pytest.raises(Conflict) as e:
        services.exam_submit(worker=worker, attempt_id=first.pk, answers={})
    assert e.value.code == "attempt_closed"


def test_submit_after_the_limit_is_graded_as_timeout_on_answers_saved_in_time(  # type: ignore[no-untyped-def]
    make_worker, small_exam
) -> None:
    worker = make_worker()
    t0 = timezone.now()
    attempt = services.exam_start(worker=worker, exam_id=small_exam.pk, now=t0)
    services.exam_save_answers(
        worker=worker,
        attempt_id=attempt.pk,
        answers=answers(small_exam, {"s": [1], "m": [0, 2]}),
        now=t0 + timedelta(minutes=9),
    )
    late = t0 + timedelta(minutes=10) + services.SUBMIT_GRACE + timedelta(seconds=1)
    attempt = services.exam_submit(
        worker=worker, attempt_id=attempt.pk, answers=answers(small_exam, {"t": [1]}), now=late
    )
    assert attempt.status == ExamAttempt.Status.TIMED_OUT
    assert attempt.correct_count == 2  # the late answer to "t" did not count
    assert attempt.answers == answers(small_exam, {"s": [1], "m": [0, 2]})
    assert attempt.passed is True  # 67 % ≥ 60 %: what was saved in time still earns the pass


def test_submit_within_grace_counts(make_worker, small_exam) -> None:  # type: ignore[no-untyped-def]
    worker = make_worker()
    t0 = timezone.now()
    attempt = services.exam_start(worker=worker, exam_id=small_exam.pk, now=t0)
    attempt = services.exam_submit(
        worker=worker,
        attempt_id=attempt.pk,
        answers=answers(small_exam, ALL_RIGHT),
        now=t0 + timedelta(minutes=10, seconds=20),
    )
    assert (attempt.status, attempt.score_percent) == (ExamAttempt.Status.SUBMITTED, 100)


def test_timeout_sweep_grades_open_attempts_once(make_worker, small_exam) -> None:  # type: ignore[no-untyped-def]
    worker, other = make_worker(), make_worker()
    t0 = timezone.now()
    expired = services.exam_start(worker=worker, exam_id=small_exam.pk, now=t0)
    services.exam_save_answers(
        worker=worker, attempt_id=expired.pk, answers=answers(small_exam, {"s": [1]}), now=t0
    )
    running = services.exam_start(
        worker=other, exam_id=small_exam.pk, now=t0 + timedelta(minutes=9)
    )
    after = t0 + timedelta(minutes=11)
    assert services.exam_timeout_sweep(now=after) == 1
    assert services.exam_timeout_sweep(now=after) == 0
    expired.refresh_from_db()
    running.refresh_from_db()
    assert (expired.status, expired.correct_count, expired.score_percent, expired.passed) == (
        ExamAttempt.Status.TIMED_OUT,
        1,
        33,
        False,
    )
    assert expired.finished_at == after
    assert running.status == ExamAttempt.Status.OPEN


def test_saving_after_the_limit_closes_the_attempt(make_worker, small_exam) -> None:  # type: ignore[no-untyped-def]
    worker = make_worker()
    t0 = timezone.now()
    attempt = services.exam_start(worker=worker, exam_id=small_exam.pk, now=t0)
    attempt = services.exam_save_answers(
        worker=worker,
        attempt_id=attempt.pk,
        answers=answers(small_exam, ALL_RIGHT),
        now=t0 + timedelta(minutes=11),
    )
    assert attempt.status == ExamAttempt.Status.TIMED_OUT
    assert attempt.score_percent == 0


def test_starting_again_after_the_limit_closes_the_stale_attempt(  # type: ignore[no-untyped-def]
    make_worker, small_exam
) -> None:
    worker = make_worker()
    t0 = timezone.now()
    stale = services.exam_start(worker=worker, exam_id=small_exam.pk, now=t0)
    fresh = services.exam_start(worker=worker, exam_id=small_exam.pk, now=t0 + timedelta(hours=1))
    stale.refresh_from_db()
    assert stale.status == ExamAttempt.Status.TIMED_OUT
    assert fresh.status == ExamAttempt.Status.OPEN


def test_another_workers_attempt_is_not_found(make_worker, small_exam) -> None:  # type: ignore[no-untyped-def]
    from xinghuo.certification.exceptions import ExamAttemptNotFound

    owner, stranger = make_worker(), make_worker()
    attempt = services.exam_start(worker=owner, exam_id=small_exam.pk)
    with pytest.raises(ExamAttemptNotFound):
        services.exam_submit(worker=stranger, attempt_id=attempt.pk, answers={})


def test_draw_takes_question_count_distinct_questions(make_worker) -> None:  # type: ignore[no-untyped-def]
    from xinghuo.certification.models import Exam

    exam = Exam.objects.get(code="generator-theory")
    attempt = services.exam_start(worker=make_worker(), exam_id=exam.pk)
    assert len(attempt.question_ids) == len(set(attempt.question_ids)) == exam.question_count
