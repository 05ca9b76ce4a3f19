from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from xinghuo.core.models import TimeStampedModel


class BilingualNameMixin(models.Model):
    """Catalogue rows carry their name in Chinese and English; `label` picks by language."""

    name = models.CharField(_("name (Chinese)"), max_length=64)
    name_en = models.CharField(_("name (English)"), max_length=64, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        lang = get_language() or "zh-hans"
        return self.name_en if lang.startswith("en") and self.name_en else self.name


class Role(TimeStampedModel, BilingualNameMixin):
    """岗位角色 — what a worker does; every worker holds exactly one.

    The seven platform defaults (C3) have no organization; an employer's own roles do.
    """

    code = models.SlugField(_("code"), max_length=48, unique=True)
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("defined by organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="roles",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["pk"]


class Skill(TimeStampedModel, BilingualNameMixin):
    """技能 — a capability an order may require; some need a valid certification."""

    code = models.SlugField(_("code"), max_length=48, unique=True)
    requires_certification = models.BooleanField(_("requires certification"), default=False)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["pk"]


class Team(TimeStampedModel):
    """班组 — workers who take work together under a leader."""

    name = models.CharField(_("name"), max_length=64)
    leader = models.OneToOneField(
        "Worker", verbose_name=_("leader"), on_delete=models.PROTECT, related_name="led_team"
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class TeamInvitation(TimeStampedModel):
    """班组邀请 — a leader's invitation to a mobile number; the worker with that number joins
    the team only by accepting it. The leader is never told whether the number is registered."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="invitations"
    )
    phone = models.CharField(_("mobile number"), max_length=11, db_index=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("team invitation")
        verbose_name_plural = _("team invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "phone"],
                condition=models.Q(status="pending"),
                name="uniq_pending_team_invitation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.team} → {self.phone} ({self.status})"


class Worker(TimeStampedModel):
    """服务人员 — a flexible worker; carries the three tags: regions, role, skills (C1)."""

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        BUSY = "busy", _("Busy")
        OFF_DUTY = "off_duty", _("Off duty")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE
    )
    role = models.ForeignKey(
        Role, verbose_name=_("role"), on_delete=models.PROTECT, related_name="workers"
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OFF_DUTY
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive workers see and take no orders.")
    )
    regions = models.ManyToManyField(
        "regions.Region", verbose_name=_("regions"), blank=True, related_name="workers"
    )
    grids = models.ManyToManyField(
        "regions.Grid", verbose_name=_("grids"), blank=True, related_name="workers"
    )
    skills: models.ManyToManyField[Skill, WorkerSkill] = models.ManyToManyField(
        Skill, verbose_name=_("skills"), through="WorkerSkill", related_name="workers"
    )
    last_lat = models.FloatField(_("last latitude (WGS-84)"), null=True, blank=True)
    last_lng = models.FloatField(_("last longitude (WGS-84)"), null=True, blank=True)
    last_position_at = models.DateTimeField(_("last position at"), null=True, blank=True)

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")
        indexes = [models.Index(fields=["status", "is_active"])]

    def __str__(self) -> str:
        return str(self.user)


class WorkerSkill(TimeStampedModel):
    """A skill a worker holds. For a skill that requires certification, the validity
    dates say when it counts for dispatch (fed by approved certifications later)."""

    worker = models.ForeignKey(
        Worker, verbose_name=_("worker"), on_delete=models.CASCADE, related_name="worker_skills"
    )
    skill = models.ForeignKey(Skill, verbose_name=_("skill"), on_delete=models.PROTECT)
    valid_from = models.DateField(_("certified from"), null=True, blank=True)
    valid_until = models.DateField(_("certified until"), null=True, blank=True)

    class Meta:
        verbose_name = _("worker skill")
        verbose_name_plural = _("worker skills")
        constraints = [
            models.UniqueConstraint(fields=["worker", "skill"], name="uniq_worker_skill"),
        ]

    def __str__(self) -> str:
        return f"{self.worker} · {self.skill}"


class RoleChangeRequest(TimeStampedModel):
    """岗位变更申请 — a worker asks for another role; only an operator's approval changes it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    worker = models.ForeignKey(
        Worker,
        verbose_name=_("worker"),
        on_delete=models.CASCADE,
        related_name="role_change_requests",
    )
    from_role = models.ForeignKey(
        Role, verbose_name=_("current role"), on_delete=models.PROTECT, related_name="+"
    )
    to_role = models.ForeignKey(
        Role, verbose_name=_("requested role"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
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

    class Meta:
        verbose_name = _("role change request")
        verbose_name_plural = _("role change requests")
        constraints = [
            models.UniqueConstraint(
                fields=["worker"],
                condition=models.Q(status="pending"),
                name="one_pending_role_change_per_worker",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker}: {self.from_role} → {self.to_role} ({self.status})"
