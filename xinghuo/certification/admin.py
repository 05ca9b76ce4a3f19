"""Back office views. Reviews go through the services (the console's queue), never by
editing the status here: approval must update the worker's skills in the same transaction."""

from __future__ import annotations

from django.contrib import admin

from .models import Certification, CertificationFile, Exam, ExamAttempt, Question, QuestionBank


class CertificationFileInline(admin.TabularInline):
    model = CertificationFile
    extra = 0
    readonly_fields = ("file", "content_type", "size", "created_at")
    can_delete = False


@admin.register(Certification)
class CertificationAdmin(admin.ModelAdmin):
    list_display = ("pk", "worker", "kind", "title", "status", "valid_from", "valid_until")
    list_filter = ("status", "kind")
    search_fields = ("title", "number", "worker__user__phone", "worker__user__name")
    raw_id_fields = ("worker", "exam_attempt", "reviewed_by")
    readonly_fields = ("status", "reject_reason", "reviewed_by", "reviewed_at", "expiry_warned_at")
    filter_horizontal = ("skills",)
    inlines = [CertificationFileInline]


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 0


@admin.register(QuestionBank)
class QuestionBankAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "skill")
    inlines = [QuestionInline]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ("pk", "bank", "code", "kind", "is_active")
    list_filter = ("bank", "kind", "is_active")
    search_fields = ("text",)


@admin.register(Exam)
class ExamAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "bank", "question_count", "time_limit_minutes", "pass_percent")


@admin.register(ExamAttempt)
class ExamAttemptAdmin(admin.ModelAdmin):
    list_display = ("pk", "worker", "exam", "status", "score_percent", "passed", "started_at")
    list_filter = ("status", "exam")
    raw_id_fields = ("worker",)
    readonly_fields = (
        "exam",
        "worker",
        "status",
        "started_at",
        "deadline_at",
        "finished_at",
        "question_ids",
        "answers",
        "correct_count",
        "score_percent",
        "passed",
    )
