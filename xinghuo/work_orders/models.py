from __future__ import annotations

import enum

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xinghuo.core.models import TimeStampedModel


class WorkOrder(TimeStampedModel):
    """工单 — a job at a site: a one-off order, or a shift (值守/打卡) over a time span.

    The status changes only through `work_orders.lifecycle`, which checks the
    transition and writes a `WorkOrderEvent` for each one.
    """

    class Kind(models.TextChoices):
        # A context: plain "Order" is "sorting" in Django's own Chinese catalogue.
        ORDER = "order", pgettext_lazy("work order kind", "Order")
        SHIFT = "shift", pgettext_lazy("work order kind", "Shift")

    class Priority(models.TextChoices):
        URGENT = "urgent", _("Urgent")
        NORMAL = "normal", _("Normal")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        ASSIGNED = "assigned", _("Assigned")
        EN_ROUTE = "en_route", _("En route")
        ON_SITE = "on_site", _("On site")
        DELIVERED = "delivered", _("Delivered")
        ACCEPTED = "accepted", _("Accepted")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")

        # Sets of statuses, the one definition of each. By value: an enum's body cannot name
        # its own members (`tests` check each value is a status); nonmember keeps them out
        # of the choices.
        # Not yet delivered nor closed: the employer may still cancel it, alarms merge into it.
        OPEN = enum.nonmember(("draft", "published", "assigned", "en_route", "on_site"))
        # Held by a worker and not finished (accepted): counts against his cap of open
        # orders and his route plan.
        HELD = enum.nonmember(("assigned", "en_route", "on_site", "delivered"))
        # Being worked by its worker (assigned, on the way or on site): positions are
        # recorded, the order can be overdue, the worker's map marker shows it.
        IN_PROGRESS = enum.nonmember(("assigned", "en_route", "on_site"))
        # Published and not yet accepted: someone (worker or employer) still has to act. What
        # the dashboards and the map's site colours count as "open" (drafts are nobody's work).
        OUTSTANDING = enum.nonmember(("published", "assigned", "en_route", "on_site", "delivered"))
        # The work is done (delivered or accepted): a replay of the order is complete.
        FINISHED = enum.nonmember(("delivered", "accepted"))

    class Channel(models.TextChoices):
        MANUAL = "manual", _("Manual entry")
        IMPORT = "import", _("Spreadsheet import")
        API = "api", _("API")
        ALARM = "alarm", _("Monitoring alarm")

    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="work_orders",
    )
    site = models.ForeignKey(
        "regions.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="work_orders"
    )
    # The site's region and grid when the order was made: eligibility filters on them in SQL.
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        "regions.Grid",
        verbose_name=_("grid"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.ORDER)
    title = models.CharField(_("title"), max_length=128)
    description = models.TextField(_("description"), blank=True)
    required_role = models.ForeignKey(
        "workforce.Role",
        verbose_name=_("required role"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    required_skills = models.ManyToManyField(
        "workforce.Skill", verbose_name=_("required skills"), blank=True, related_name="+"
    )
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    earliest_start_at = models.DateTimeField(_("earliest start"), null=True, blank=True)
    deadline_at = models.DateTimeField(_("deadline"))
    estimated_minutes = models.PositiveIntegerField(_("estimated duration (minutes)"), default=60)
    price_fen = models.BigIntegerField(_("price (fen)"), default=0)
    base_points = models.PositiveIntegerField(_("base points"), default=10)
    channel = models.CharField(
        _("source channel"), max_length=8, choices=Channel.choices, default=Channel.MANUAL
    )
    external_ref = models.CharField(_("external reference"), max_length=64, blank=True)
    alarm_type = models.CharField(_("alarm type"), max_length=32, blank=True)
    alarm_count = models.PositiveIntegerField(_("alarms merged"), default=0)
    alarm_cleared_at = models.DateTimeField(_("alarm cleared at"), null=True, blank=True)

    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    worker = models.ForeignKey(
        "workforce.Worker",
        verbose_name=_("worker"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_orders",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    on_site_at = models.DateTimeField(_("on site at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    is_overdue = models.BooleanField(_("overdue"), default=False)
    rework_count = models.PositiveSmallIntegerField(_("rework count"), default=0)
    delivery_note = models.TextField(_("delivery note"), blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.CharField(_("rating comment"), max_length=255, blank=True)

    # Shifts: clock-in / clock-out.
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    worked_minutes = models.PositiveIntegerField(_("worked minutes"), null=True, blank=True)
    late_minutes = models.PositiveIntegerField(_("late by (minutes)"), null=True, blank=True)
    early_leave_minutes = models.PositiveIntegerField(
        _("left early by (minutes)"), null=True, blank=True
    )
    checkout_missing = models.BooleanField(
        _("check-out missing (closed by timeout)"), default=False
    )

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "channel", "external_ref"],
                condition=~models.Q(external_ref=""),
                name="uniq_order_external_ref",
            ),
            models.CheckConstraint(condition=models.Q(price_fen__gte=0), name="order_price_gte_0"),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="order_rating_1_to_5",
            ),
            # A taken order has its worker; an open one has none.
            models.CheckConstraint(
                condition=(
                    models.Q(
                        status__in=["assigned", "en_route", "on_site", "delivered", "accepted"],
                        worker__isnull=False,
                    )
                    | models.Q(status__in=["draft", "published", "cancelled", "expired"])
                ),
                name="order_taken_has_worker",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "region"]),
            models.Index(fields=["status", "grid"]),
            models.Index(fields=["worker", "status"]),
            models.Index(fields=["organization", "status"]),
            # Dashboards filter an employer's orders (and the operator all orders) by date.
            models.Index(fields=["organization", "created_at"]),
            models.Index(fields=["created_at"]),
            models.Index(fields=["site", "alarm_type", "status"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"


class WorkOrderEvent(models.Model):
    """工单事件 — one step in an order's life: who, when, where, why. Append-only."""

    order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="events"
    )
    type = models.CharField(_("event"), max_length=24)
    from_status = models.CharField(_("from status"), max_length=12, blank=True)
    to_status = models.CharField(_("to status"), max_length=12, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("at"))
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lng = models.FloatField(_("longitude"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("work order event")
        verbose_name_plural = _("work order events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["order", "at"])]

    def __str__(self) -> str:
        return f"{self.order_id} {self.type} @ {self.at:%Y-%m-%d %H:%M}"


class TrackPoint(models.Model):
    """轨迹点 — a position the worker's app reported while working an order."""

    order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="track"
    )
    worker = models.ForeignKey(
        "workforce.Worker", verbose_name=_("worker"), on_delete=models.CASCADE, related_name="+"
    )
    lat = models.FloatField(_("latitude"))
    lng = models.FloatField(_("longitude"))
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("track point")
        verbose_name_plural = _("track points")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["order", "at"])]

    def __str__(self) -> str:
        return f"{self.lat:.5f},{self.lng:.5f} @ {self.at:%H:%M:%S}"


class Attachment(models.Model):
    """附件 — a file on an order: the employer's documents or the worker's delivery photos."""

    class Purpose(models.TextChoices):
        SPEC = "spec", _("Order document")
        DELIVERY = "delivery", _("Delivery photo")

    order = models.ForeignKey(
        WorkOrder,
        verbose_name=_("work order"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    purpose = models.CharField(_("purpose"), max_length=8, choices=Purpose.choices)
    file = models.FileField(_("file"), upload_to="orders/%Y/%m/")
    content_type = models.CharField(_("content type"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.file.name


# --- order channels (MISSION D1): alarm rules, integration keys, received alarms ---------------


class AlarmRule(TimeStampedModel):
    """告警规则 — how an alarm type from the O&M monitoring system (动环监控) becomes an order.

    One rule per (organization, alarm type); a raised alarm without an active rule is refused.
    """

    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="alarm_rules",
    )
    # The same length as WorkOrder.alarm_type, which receives it.
    alarm_type = models.SlugField(_("alarm type code"), max_length=32)
    name = models.CharField(_("alarm name"), max_length=64)
    title_template = models.CharField(
        _("order title template"),
        max_length=128,
        default="{alarm_name}：{site_name}",
        help_text=_("Placeholders: {alarm_name}, {site_name}, {site_code}, {alarm_type}."),
    )
    priority = models.CharField(
        _("priority"),
        max_length=8,
        choices=WorkOrder.Priority.choices,
        default=WorkOrder.Priority.URGENT,
    )
    required_role = models.ForeignKey(
        "workforce.Role",
        verbose_name=_("required role"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    required_skills = models.ManyToManyField(
        "workforce.Skill", verbose_name=_("required skills"), blank=True, related_name="+"
    )
    deadline_minutes = models.PositiveIntegerField(_("deadline (minutes after the alarm)"))
    estimated_minutes = models.PositiveIntegerField(_("estimated duration (minutes)"), default=60)
    price_fen = models.BigIntegerField(_("price (fen)"), default=0)
    base_points = models.PositiveIntegerField(_("base points"), default=10)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("alarm rule")
        verbose_name_plural = _("alarm rules")
        ordering = ["alarm_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "alarm_type"], name="uniq_alarm_rule_type_per_org"
            ),
            models.CheckConstraint(
                condition=models.Q(price_fen__gte=0), name="alarm_rule_price_gte_0"
            ),
            models.CheckConstraint(
                condition=models.Q(deadline_minutes__gte=1), name="alarm_rule_deadline_gte_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.alarm_type})"


class IntegrationKey(models.Model):
    """集成密钥 — lets an outside system (the monitoring platform) call our webhooks.

    `key_id` is public and names the key in the URL; `secret` signs each call with
    HMAC-SHA256. The secret has to be kept as is to verify signatures; it is shown
    once, when the key is made, and never again (not in the API, not in the admin).
    """

    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="integration_keys",
    )
    key_id = models.CharField(_("key ID"), max_length=40, unique=True)
    secret = models.CharField(_("secret"), max_length=128)
    name = models.CharField(_("name"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("integration key")
        verbose_name_plural = _("integration keys")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.key_id


class AlarmEvent(models.Model):
    """告警记录 — one alarm message received, kept once per (alarm, state).

    The unique key makes the webhook idempotent: the monitoring system may send the
    same alarm again (retries) and it is neither counted nor merged twice.
    """

    class State(models.TextChoices):
        RAISED = "raised", _("Raised")
        CLEARED = "cleared", _("Cleared")

    class Outcome(models.TextChoices):
        CREATED = "created", _("Order created")
        MERGED = "merged", _("Merged into an open order")
        CLEARED = "cleared", _("Clearance recorded on an order")
        NO_ORDER = "no_order", _("No order to record the clearance on")

    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    alarm_id = models.CharField(_("alarm ID"), max_length=64)
    state = models.CharField(_("state"), max_length=8, choices=State.choices)
    alarm_type = models.CharField(_("alarm type"), max_length=32)
    site = models.ForeignKey(
        "regions.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="+"
    )
    order = models.ForeignKey(
        WorkOrder,
        verbose_name=_("work order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alarm_events",
    )
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices)
    occurred_at = models.DateTimeField(_("occurred at"))
    message = models.CharField(_("message"), max_length=500, blank=True)
    integration_key = models.ForeignKey(
        IntegrationKey,
        verbose_name=_("integration key"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("alarm event")
        verbose_name_plural = _("alarm events")
        ordering = ["received_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "alarm_id", "state"], name="uniq_alarm_event"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.alarm_type} {self.alarm_id} {self.state}"
