"""Fixtures of the certification tests: media in a temporary folder, skills from the catalogue,
a small question bank with one question of each kind, evidence bytes."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from PIL import Image

from xinghuo.certification import services
from xinghuo.certification.models import Certification, Exam, Question, QuestionBank
from xinghuo.workforce.models import Skill, Worker


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 200, 200)).save(buf, "PNG")
    return buf.getvalue()


# A real (tiny) PNG: evidence images must decode.
PNG = _png()
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def height(db: None) -> Skill:
    return Skill.objects.get(code="work_at_height")


@pytest.fixture
def generator(db: None) -> Skill:
    return Skill.objects.get(code="generator")


@pytest.fixture
def submit(db: None) -> Callable[..., Certification]:
    def make(
        worker: Worker,
        skills: list[Skill],
        *,
        valid_from: date,
        valid_until: date | None,
        today: date | None = None,
        kind: str = Certification.Kind.CERTIFICATE,
        title: str = "高处作业操作证",
    ) -> Certification:
        return services.certification_submit(
            worker=worker,
            kind=kind,
            title=title,
            skill_ids=[s.pk for s in skills],
            issuer="浙江省应急管理厅",
            number="T330106199001011234",
            valid_from=valid_from,
            valid_until=valid_until,
            files=[PNG],
            today=today or valid_from,
        )

    return make


@pytest.fixture
def small_exam(db: None, height: Skill) -> Exam:
    """Three questions (one of each kind), all drawn; pass mark 60 %, 10 minutes."""
    bank = QuestionBank.objects.create(code="t-bank", name="测试题库", skill=height)
    Question.objects.create(
        bank=bank,
        code="s",
        kind="single",
        text="单选",
        choices=["A", "B", "C"],
        answer=[1],
        explanation="B",
    )
    Question.objects.create(
        bank=bank,
        code="m",
        kind="multiple",
        text="多选",
        choices=["A", "B", "C", "D"],
        answer=[0, 2],
        explanation="A C",
    )
    Question.objects.create(
        bank=bank,
        code="t",
        kind="true_false",
        text="判断",
        choices=["正确", "错误"],
        answer=[1],
        explanation="错误",
    )
    return Exam.objects.create(
        code="t-exam",
        title="测试考试",
        bank=bank,
        question_count=3,
        time_limit_minutes=10,
        pass_percent=60,
        certificate_valid_days=730,
    )


def qid(exam: Exam, code: str) -> int:
    return Question.objects.get(bank=exam.bank, code=code).pk
