from __future__ import annotations

import pytest

from xinghuo.certification.models import Exam, Question, QuestionBank
from xinghuo.certification.question_banks import BANKS, check_question, load_banks
from xinghuo.workforce.models import Skill

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("bank_code", "skill_code"),
    [("work-at-height-safety", "work_at_height"), ("generator-operation", "generator")],
)
def test_migration_loaded_the_chinese_banks(bank_code: str, skill_code: str) -> None:
    bank = QuestionBank.objects.get(code=bank_code)
    assert bank.skill.code == skill_code
    questions = list(bank.questions.all())
    assert len(questions) >= 15
    assert {q.kind for q in questions} == {"single", "multiple", "true_false"}
    for q in questions:
        check_question(
            {"code": q.code, **{f: getattr(q, f) for f in ("kind", "choices", "answer")}}
        )
        assert q.explanation
    assert Exam.objects.get(bank=bank).question_count <= len(questions)


def test_loading_again_changes_nothing() -> None:
    before = Question.objects.count()
    n = load_banks(
        skill_model=Skill, bank_model=QuestionBank, question_model=Question, exam_model=Exam
    )
    assert n == sum(len(b["questions"]) for b in BANKS)
    assert Question.objects.count() == before


@pytest.mark.parametrize(
    "bad",
    [
        {"kind": "single", "choices": ["A", "B"], "answer": [0, 1]},
        {"kind": "true_false", "choices": ["对", "错"], "answer": [0]},
        {"kind": "multiple", "choices": ["A", "B", "C"], "answer": [3]},
        {"kind": "multiple", "choices": ["A", "B", "C"], "answer": [2, 0]},
    ],
)
def test_check_question_refuses_inconsistent_questions(bad: dict) -> None:
    with pytest.raises(ValueError):
        check_question({"code": "x", **bad})
