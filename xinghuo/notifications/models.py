from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """站内消息 — an in-app message to one user (an overdue order, an assignment…)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=32)
    title = models.CharField(_("title"), max_length=128)
    body = models.CharField(_("body"), max_length=500, blank=True)
    order = models.ForeignKey(
        "work_orders.WorkOrder",
        verbose_name=_("work order"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"])]
        constraints = [
            # One notice of a kind per user and order: the overdue sweep may run twice.
            models.UniqueConstraint(
                fields=["user", "kind", "order"],
                condition=models.Q(order__isnull=False),
                name="uniq_notification_per_order",
            ),
        ]

    def __str__(self) -> str:
        return self.title
