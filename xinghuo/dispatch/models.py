from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from xinghuo.core.models import TimeStampedModel


def default_quality_factors() -> dict[str, str]:
    return {"5": "1.20", "4": "1.00", "3": "0.80", "2": "0.50", "1": "0.20"}


class PointsRule(TimeStampedModel):
    """积分规则 — how an employer turns an accepted order into points (D6).

    points = base × efficiency factor × quality factor × region coefficient,
    rounded half up to a whole point.
    """

    organization = models.OneToOneField(
        "accounts.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="points_rule",
    )
    early_factor = models.DecimalField(
        _("factor when delivered early"), max_digits=4, decimal_places=2, default=Decimal("1.20")
    )
    early_share = models.DecimalField(
        _("early = delivered within this share of the allowed time"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.50"),
    )
    on_time_factor = models.DecimalField(
        _("factor when delivered on time"), max_digits=4, decimal_places=2, default=Decimal("1.00")
    )
    late_factor = models.DecimalField(
        _("factor when delivered late"), max_digits=4, decimal_places=2, default=Decimal("0.60")
    )
    quality_factors = models.JSONField(
        _("factor per rating (1–5)"), default=default_quality_factors
    )

    class Meta:
        verbose_name = _("points rule")
        verbose_name_plural = _("points rules")

    def __str__(self) -> str:
        return f"{self.organization}"


class RegionCoefficient(models.Model):
    """区域系数 — an employer's multiplier for work in a region (remote areas pay more)."""

    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="region_coefficients",
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.CASCADE, related_name="+"
    )
    coefficient = models.DecimalField(_("coefficient"), max_digits=4, decimal_places=2)

    class Meta:
        verbose_name = _("region coefficient")
        verbose_name_plural = _("region coefficients")
        constraints = [
            models.UniqueConstraint(fields=["organization", "region"], name="uniq_region_coef"),
            models.CheckConstraint(
                condition=models.Q(coefficient__gt=0), name="region_coef_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region} × {self.coefficient}"


class PointsEntry(models.Model):
    """积分记录 — points a worker earned for one accepted order, with the factors used."""

    worker = models.ForeignKey(
        "workforce.Worker",
        verbose_name=_("worker"),
        on_delete=models.PROTECT,
        related_name="points_entries",
    )
    order = models.OneToOneField(
        "work_orders.WorkOrder",
        verbose_name=_("work order"),
        on_delete=models.PROTECT,
        related_name="points_entry",
    )
    points = models.IntegerField(_("points"))
    base_points = models.PositiveIntegerField(_("base points"))
    efficiency_factor = models.DecimalField(_("efficiency factor"), max_digits=4, decimal_places=2)
    quality_factor = models.DecimalField(_("quality factor"), max_digits=4, decimal_places=2)
    region_factor = models.DecimalField(_("region coefficient"), max_digits=4, decimal_places=2)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        indexes = [models.Index(fields=["worker", "created_at"])]

    def __str__(self) -> str:
        return f"{self.worker}: {self.points}"


class DirectAssignmentConsent(models.Model):
    """直派授权 — a worker's standing consent that an employer may assign him orders without
    asking each time (DirectAssignmentConsent). Without it, an assignment is an offer he
    accepts or declines."""

    worker = models.ForeignKey(
        "workforce.Worker",
        verbose_name=_("worker"),
        on_delete=models.CASCADE,
        related_name="direct_assignment_consents",
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("direct assignment consent")
        verbose_name_plural = _("direct assignment consents")
        constraints = [
            models.UniqueConstraint(
                fields=["worker", "organization"], name="uniq_direct_assignment_consent"
            )
        ]

    def __str__(self) -> str:
        return f"{self.worker} ← {self.organization}"


class AssignmentOffer(models.Model):
    """派单邀请 — a dispatcher's offer of a published order to one worker, who accepts or
    declines it; it lapses at `expires_at`."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the worker")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    order = models.ForeignKey(
        "work_orders.WorkOrder",
        verbose_name=_("work order"),
        on_delete=models.CASCADE,
        related_name="assignment_offers",
    )
    worker = models.ForeignKey(
        "workforce.Worker",
        verbose_name=_("worker"),
        on_delete=models.CASCADE,
        related_name="assignment_offers",
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    offered_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("offered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    reason = models.CharField(
        _("reason for reassignment"),
        max_length=500,
        blank=True,
        help_text=_("Set when the order is to move from another worker to this one."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("assignment offer")
        verbose_name_plural = _("assignment offers")
        constraints = [
            models.UniqueConstraint(
                fields=["order", "worker"],
                condition=models.Q(status="pending"),
                name="uniq_pending_assignment_offer",
            )
        ]
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.order_id} → {self.worker_id} ({self.status})"
