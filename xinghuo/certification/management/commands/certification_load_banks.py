"""Load (or refresh) the platform's question banks and exams; idempotent."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from xinghuo.certification.models import Exam, Question, QuestionBank
from xinghuo.certification.question_banks import load_banks
from xinghuo.workforce.models import Skill


class Command(BaseCommand):
    help = "Load the question banks 登高作业安全 and 油机发电操作 with their exams (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            n = load_banks(
                skill_model=Skill, bank_model=QuestionBank, question_model=Question, exam_model=Exam
            )
        self.stdout.write(f"questions written: {n}")
