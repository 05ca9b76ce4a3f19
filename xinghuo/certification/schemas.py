from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone
from ninja import Schema
from pydantic import Field

from xinghuo.core.api import Id

from .models import Certification, ExamAttempt
from .selectors import AttemptQuestion, ExamRow, certification_state, exam_attempt_questions


class SkillBriefOut(Schema):
    id: int
    code: str
    label: str


class CertificationFileOut(Schema):
    id: int
    content_type: str
    size: int


class CertificationOut(Schema):
    id: int
    worker_id: int
    kind: str
    title: str
    skills: list[SkillBriefOut]
    issuer: str
    number: str
    valid_from: date
    valid_until: date | None
    status: str
    state: str
    reject_reason: str
    review_note: str
    reviewed_at: datetime | None
    exam_attempt_id: int | None
    files: list[CertificationFileOut]
    created_at: datetime

    @staticmethod
    def resolve_skills(obj: Certification) -> list[dict[str, object]]:
        return [{"id": s.pk, "code": s.code, "label": s.label} for s in obj.skills.all()]

    @staticmethod
    def resolve_files(obj: Certification) -> list[object]:
        return list(obj.files.all())

    @staticmethod
    def resolve_state(obj: Certification) -> str:
        return certification_state(obj)


class CertificationReviewOut(CertificationOut):
    worker_name: str
    worker_phone: str

    @staticmethod
    def resolve_worker_name(obj: Certification) -> str:
        return obj.worker.user.name

    @staticmethod
    def resolve_worker_phone(obj: Certification) -> str:
        return obj.worker.user.phone


class CertificationSubmitIn(Schema):
    kind: str = Field(max_length=16)
    title: str = Field(max_length=64)
    skill_ids: list[Id] = Field(default_factory=list, max_length=20)
    issuer: str = Field("", max_length=128)
    number: str = Field("", max_length=64)
    valid_from: date
    valid_until: date | None = None


class ReviewIn(Schema):
    note: str = Field("", max_length=255)


class RejectIn(Schema):
    reason: str = Field(max_length=255)


class ExamOut(Schema):
    id: int
    code: str
    title: str
    skill: SkillBriefOut
    question_count: int
    available_questions: int
    time_limit_minutes: int
    pass_percent: int
    best_score: int | None
    passed: bool
    open_attempt_id: int | None

    @staticmethod
    def resolve_id(obj: ExamRow) -> int:
        return obj.exam.pk

    @staticmethod
    def resolve_code(obj: ExamRow) -> str:
        return obj.exam.code

    @staticmethod
    def resolve_title(obj: ExamRow) -> str:
        return obj.exam.title

    @staticmethod
    def resolve_skill(obj: ExamRow) -> dict[str, object]:
        s = obj.exam.bank.skill
        return {"id": s.pk, "code": s.code, "label": s.label}

    @staticmethod
    def resolve_question_count(obj: ExamRow) -> int:
        return min(obj.exam.question_count, obj.available_questions)

    @staticmethod
    def resolve_time_limit_minutes(obj: ExamRow) -> int:
        return obj.exam.time_limit_minutes

    @staticmethod
    def resolve_pass_percent(obj: ExamRow) -> int:
        return obj.exam.pass_percent


class AttemptQuestionOut(Schema):
    id: int
    number: int
    kind: str
    text: str
    choices: list[str]
    chosen: list[int]
    answer: list[int] | None
    explanation: str | None
    is_correct: bool | None

    @staticmethod
    def resolve_id(obj: AttemptQuestion) -> int:
        return obj.question.pk

    @staticmethod
    def resolve_kind(obj: AttemptQuestion) -> str:
        return obj.question.kind

    @staticmethod
    def resolve_text(obj: AttemptQuestion) -> str:
        return obj.question.text

    @staticmethod
    def resolve_choices(obj: AttemptQuestion) -> list[str]:
        return list(obj.question.choices)


class ExamAttemptOut(Schema):
    id: int
    exam_id: int
    exam_title: str
    status: str
    started_at: datetime
    deadline_at: datetime
    finished_at: datetime | None
    seconds_left: int
    correct_count: int | None
    score_percent: int | None
    pass_percent: int
    passed: bool | None
    certification_id: int | None
    questions: list[AttemptQuestionOut]

    @staticmethod
    def resolve_exam_title(obj: ExamAttempt) -> str:
        return obj.exam.title

    @staticmethod
    def resolve_pass_percent(obj: ExamAttempt) -> int:
        return obj.exam.pass_percent

    @staticmethod
    def resolve_seconds_left(obj: ExamAttempt) -> int:
        if obj.status != ExamAttempt.Status.OPEN:
            return 0
        return max(0, int((obj.deadline_at - timezone.now()).total_seconds()))

    @staticmethod
    def resolve_certification_id(obj: ExamAttempt) -> int | None:
        cert = Certification.objects.filter(exam_attempt=obj).only("pk").first()
        return cert.pk if cert else None

    @staticmethod
    def resolve_questions(obj: ExamAttempt) -> list[AttemptQuestion]:
        return exam_attempt_questions(attempt=obj)


class AnswersIn(Schema):
    # {"<question id>": [choice indices]}
    answers: dict[str, list[int]] = Field(default_factory=dict, max_length=200)


class RadarDimensionOut(Schema):
    code: str
    name: str
    value: int
    max: int


class RadarOut(Schema):
    worker_id: int
    worker_name: str
    on: date
    dimensions: list[RadarDimensionOut]
