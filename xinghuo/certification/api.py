"""Certification API: the worker's certifications, exams and radar (/workers/me/…), the
operators' review queue (/certifications/reviews) and a worker's radar for those who may see
it (/workers/{id}/radar)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from xinghuo.accounts.auth import current_user, require_operator
from xinghuo.analytics import selectors as analytics_selectors
from xinghuo.core.api import Id, Pagination, paginate
from xinghuo.core.exceptions import ValidationFailed
from xinghuo.workforce import selectors as workforce_selectors
from xinghuo.workforce.models import Worker

from . import selectors, services
from .models import Certification, ExamAttempt
from .schemas import (
    AnswersIn,
    CertificationOut,
    CertificationReviewOut,
    CertificationSubmitIn,
    ExamAttemptOut,
    ExamOut,
    RadarOut,
    RejectIn,
    ReviewIn,
)

router = Router(tags=["certification"])


def _me(request: HttpRequest) -> Worker:
    return workforce_selectors.worker_for_user(user=current_user(request))


def _read_files(files: list[UploadedFile] | None) -> list[bytes]:
    out = []
    for f in files or []:
        if f.size and f.size > services.MAX_FILE_BYTES:
            raise ValidationFailed(
                _("A file is larger than 8 MB."), code="file_too_large", detail={"field": "files"}
            )
        out.append(f.read())
    return out


@router.get("/workers/me/certifications", response=list[CertificationOut])
@paginate(Pagination)
def certification_list(request: HttpRequest) -> object:
    return selectors.certification_list_for_worker(worker=_me(request))


@router.post("/workers/me/certifications", response={201: CertificationOut})
def certification_submit(
    request: HttpRequest,
    payload: Form[CertificationSubmitIn],
    files: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Status[Certification]:
    """Multipart: the fields of CertificationSubmitIn and one to five `files` (JPEG, PNG, PDF)."""
    worker = _me(request)
    cert = services.certification_submit(worker=worker, files=_read_files(files), **payload.dict())
    return Status(
        201, selectors.certification_get_for_worker(worker=worker, certification_id=cert.pk)
    )


@router.get("/workers/me/certifications/{certification_id}", response=CertificationOut)
def certification_get(request: HttpRequest, certification_id: Id) -> Certification:
    return selectors.certification_get_for_worker(
        worker=_me(request), certification_id=certification_id
    )


@router.get("/certifications/reviews", response=list[CertificationReviewOut])
@paginate(Pagination)
def certification_review_list(request: HttpRequest, status: str | None = "pending") -> object:
    """Operators: the review queue (pending by default, oldest first)."""
    return selectors.certification_review_list(reviewer=require_operator(request), status=status)


@router.post("/certifications/reviews/{certification_id}/approve", response=CertificationReviewOut)
def certification_approve(
    request: HttpRequest, certification_id: Id, payload: ReviewIn
) -> Certification:
    reviewer = current_user(request)
    services.certification_approve(
        reviewer=reviewer, certification_id=certification_id, note=payload.note
    )
    return selectors.certification_get_for_review(
        reviewer=reviewer, certification_id=certification_id
    )


@router.post("/certifications/reviews/{certification_id}/reject", response=CertificationReviewOut)
def certification_reject(
    request: HttpRequest, certification_id: Id, payload: RejectIn
) -> Certification:
    reviewer = current_user(request)
    services.certification_reject(
        reviewer=reviewer, certification_id=certification_id, reason=payload.reason
    )
    return selectors.certification_get_for_review(
        reviewer=reviewer, certification_id=certification_id
    )


@router.get("/workers/me/exams", response=list[ExamOut])
@paginate(Pagination)
def exam_list(request: HttpRequest) -> object:
    return selectors.exam_list_for_worker(worker=_me(request))


@router.post("/workers/me/exams/{exam_id}/attempts", response={201: ExamAttemptOut})
def exam_start(request: HttpRequest, exam_id: Id) -> Status[ExamAttempt]:
    """Start an attempt: the questions are drawn and the clock runs from now."""
    return Status(201, services.exam_start(worker=_me(request), exam_id=exam_id))


@router.get("/workers/me/exam-attempts/{attempt_id}", response=ExamAttemptOut)
def exam_attempt_get(request: HttpRequest, attempt_id: Id) -> ExamAttempt:
    """The attempt; answers and explanations only once it is closed."""
    return selectors.exam_attempt_get_for_worker(worker=_me(request), attempt_id=attempt_id)


@router.put("/workers/me/exam-attempts/{attempt_id}/answers", response=ExamAttemptOut)
def exam_save_answers(request: HttpRequest, attempt_id: Id, payload: AnswersIn) -> ExamAttempt:
    return services.exam_save_answers(
        worker=_me(request), attempt_id=attempt_id, answers=payload.answers
    )


@router.post("/workers/me/exam-attempts/{attempt_id}/submit", response=ExamAttemptOut)
def exam_submit(request: HttpRequest, attempt_id: Id, payload: AnswersIn) -> ExamAttempt:
    return services.exam_submit(worker=_me(request), attempt_id=attempt_id, answers=payload.answers)


def _radar(worker: Worker) -> dict[str, object]:
    today = timezone.localdate()
    return {
        "worker_id": worker.pk,
        "worker_name": worker.user.name,
        "on": today,
        "dimensions": analytics_selectors.worker_radar(worker=worker, on=today),
    }


@router.get("/workers/me/radar", response=RadarOut)
def radar_me(request: HttpRequest) -> dict[str, object]:
    """The worker's skill radar: eight dimensions 0–100 (rule: docs/certification.md)."""
    return _radar(_me(request))


@router.get("/workers/{worker_id}/radar", response=RadarOut)
def radar_for_worker(request: HttpRequest, worker_id: Id) -> dict[str, object]:
    """A worker's radar, for operators and for employers the worker has worked for."""
    return _radar(
        analytics_selectors.worker_get_for_radar(viewer=current_user(request), worker_id=worker_id)
    )
