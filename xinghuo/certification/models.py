"""Certifications (B1, B4), question banks and online exams (B2).

An approved certification feeds `workforce.WorkerSkill.valid_from/valid_until` for the skills
it grants (see services.certification_approve); dispatch reads only those dates.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from xinghuo.core.models import TimeStampedModel


def _evidence_path(instance: CertificationFile, filename: str) -> str:
    # Never the worker's own file name: it may carry his name or ID number.
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"certification/{instance.certification.worker_id}/{uuid.uuid4().hex}.{ext[:8]}"


class Certification(TimeStampedModel):
    """资质认证 — proof that a worker may do a kind of work: a certificate (电工证, 登高证), a
    passed exam, a practical test, experience, equipment, a health certificate or insurance.

    pending → approved | rejected (by an operator). Exam certifications are approved when made.
    """

    class Kind(models.TextChoices):
        PRACTICAL_TEST = "practical_test", _("Practical test")
        THEORY_EXAM = "theory_exam", _("Theory exam")
        EXPERIENCE = "experience", _("Maintenance experience")
        CERTIFICATE = "certificate", _("Certificate")
        EQUIPMENT = "equipment", _("Tools and equipment")
        HEALTH = "health", _("Health certificate")
        INSURANCE = "insurance", _("Insurance proof")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    worker = models.ForeignKey(
        "workforce.Worker",
        verbose_name=_("worker"),
        on_delete=models.CASCADE,
        related_name="certifications",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=64)
    skills = models.ManyToManyField(
        "workforce.Skill", verbose_name=_("skills granted"), blank=True, related_name="+"
    )
    issuer = models.CharField(_("issuer"), max_length=128, blank=True)
    number = models.CharField(_("certificate number"), max_length=64, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    reject_reason = models.CharField(_("reason for rejection"), max_length=255, blank=True)
    review_note = models.CharField(_("review note"), max_length=255, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    exam_attempt = models.OneToOneField(
        "ExamAttempt",
        verbose_name=_("exam attempt"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certification",
    )
    expiry_warned_at = models.DateTimeField(_("expiry warning sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["worker", "status"]),
            models.Index(fields=["status", "valid_until"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="cert_valid_until_after_from",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reject_reason=""),
                name="cert_rejection_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker} · {self.title} ({self.status})"


class CertificationFile(models.Model):
    """An evidence file (photo or PDF) of a certification; never public."""

    certification = models.ForeignKey(
        Certification,
        verbose_name=_("certification"),
        on_delete=models.CASCADE,
        related_name="files",
    )
    file = models.FileField(_("file"), upload_to=_evidence_path, max_length=200)
    content_type = models.CharField(_("content type"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.file.name


class QuestionBank(TimeStampedModel):
    """题库 — the questions of one skill's theory exam."""

    code = models.SlugField(_("code"), max_length=48, unique=True)
    name = models.CharField(_("name"), max_length=64)
    skill = models.ForeignKey(
        "workforce.Skill",
        verbose_name=_("skill"),
        on_delete=models.PROTECT,
        related_name="question_banks",
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("question bank")
        verbose_name_plural = _("question banks")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class Question(TimeStampedModel):
    """试题 — one question: single choice, multiple choice or true/false, with its explanation.

    `choices` is a list of option texts; `answer` the sorted indices of the right ones (a
    true/false question has the choices ["正确", "错误"]).
    """

    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        TRUE_FALSE = "true_false", _("True or false")

    bank = models.ForeignKey(
        QuestionBank,
        verbose_name=_("question bank"),
        on_delete=models.CASCADE,
        related_name="questions",
    )
    code = models.SlugField(_("code"), max_length=48)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    text = models.TextField(_("question"))
    choices = models.JSONField(_("choices"))
    answer = models.JSONField(_("right answer (choice indices)"))
    explanation = models.TextField(_("explanation"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["bank", "code"], name="uniq_question_code_per_bank"),
        ]

    def __str__(self) -> str:
        return self.text[:40]


class Exam(TimeStampedModel):
    """考试 — a random draw from a bank, with a time limit and a pass mark; passing grants a
    theory-exam certification of the bank's skill valid for `certificate_valid_days`."""

    code = models.SlugField(_("code"), max_length=48, unique=True)
    title = models.CharField(_("title"), max_length=64)
    bank = models.ForeignKey(
        QuestionBank,
        verbose_name=_("question bank"),
        on_delete=models.PROTECT,
        related_name="exams",
    )
    question_count = models.PositiveSmallIntegerField(_("questions drawn"), default=10)
    time_limit_minutes = models.PositiveSmallIntegerField(_("time limit (minutes)"), default=20)
    pass_percent = models.PositiveSmallIntegerField(_("pass mark (%)"), default=80)
    certificate_valid_days = models.PositiveIntegerField(
        _("certification valid for (days)"), default=730
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("exam")
        verbose_name_plural = _("exams")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(pass_percent__gte=1, pass_percent__lte=100), name="exam_pass_mark_1_100"
            ),
            models.CheckConstraint(condition=Q(question_count__gte=1), name="exam_draws_questions"),
            models.CheckConstraint(condition=Q(time_limit_minutes__gte=1), name="exam_has_time"),
        ]

    def __str__(self) -> str:
        return self.title


class ExamAttempt(TimeStampedModel):
    """答卷 — one sitting of an exam: the questions drawn, the answers, the grade.

    open → submitted (in time) | timed_out (submitted late, or closed by the sweep). A worker
    has at most one open attempt per exam (database constraint).
    """

    class Status(models.TextChoices):
        OPEN = "open", _("In progress")
        SUBMITTED = "submitted", _("Submitted")
        TIMED_OUT = "timed_out", _("Timed out")

    exam = models.ForeignKey(
        Exam, verbose_name=_("exam"), on_delete=models.PROTECT, related_name="attempts"
    )
    worker = models.ForeignKey(
        "workforce.Worker",
        verbose_name=_("worker"),
        on_delete=models.CASCADE,
        related_name="exam_attempts",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    started_at = models.DateTimeField(_("started at"))
    deadline_at = models.DateTimeField(_("deadline"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    question_ids = models.JSONField(_("questions drawn (in order)"))
    # {"<question id>": [choice indices]}; saved while open, graded when closed.
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    correct_count = models.PositiveSmallIntegerField(_("correct answers"), null=True, blank=True)
    score_percent = models.PositiveSmallIntegerField(_("score (%)"), null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)

    class Meta:
        verbose_name = _("exam attempt")
        verbose_name_plural = _("exam attempts")
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["status", "deadline_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["worker", "exam"],
                condition=Q(status="open"),
                name="one_open_attempt_per_worker_exam",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker} · {self.exam} ({self.status})"
