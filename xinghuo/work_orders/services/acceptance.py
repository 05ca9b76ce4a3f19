"""The employer's acceptance: accepting delivered work with a rating, or sending it back."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinghuo.accounts.models import Organization, User
from xinghuo.core.exceptions import ValidationFailed
from xinghuo.notifications import services as notification_services

from .. import lifecycle
from ..models import WorkOrder
from ._common import (
    lock_org_order,
    require_editor,
    required_reason,
)


@transaction.atomic
def work_order_accept(
    *, actor: User, organization: Organization, order_id: int, rating: int, comment: str = ""
) -> WorkOrder:
    """Accept delivered work with a rating (1–5): the lifecycle step. The action is
    `workflows.services.work_order_accept`, which awards the points and settles the pay in
    the same transaction.

    Accepting twice is IllegalTransition: points are never awarded twice.
    """
    require_editor(actor=actor, organization=organization)
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationFailed(
            _("The rating must be 1 to 5."), code="invalid_rating", detail={"field": "rating"}
        )
    order = lock_org_order(organization=organization, order_id=order_id)
    now = timezone.now()
    order.accepted_at = now
    order.rating = rating
    order.rating_comment = (comment or "").strip()[:255]
    lifecycle.apply(
        order,
        "accept",
        actor=actor,
        at=now,
        note=order.rating_comment,
        data={"rating": rating},
        update_fields=("accepted_at", "rating", "rating_comment"),
    )
    return order


@transaction.atomic
def work_order_reject(
    *, actor: User, organization: Organization, order_id: int, reason: str
) -> WorkOrder:
    """Send delivered work back for rework with a reason: the worker returns and checks in again."""
    require_editor(actor=actor, organization=organization)
    reason = required_reason(reason)
    order = lock_org_order(organization=organization, order_id=order_id)
    order.rework_count += 1
    order.delivered_at = None
    lifecycle.apply(
        order,
        "reject",
        actor=actor,
        note=reason,
        update_fields=("rework_count", "delivered_at"),
    )
    assert order.worker is not None  # a delivered order has its worker
    notification_services.notify(
        user=order.worker.user,
        kind=f"order_rejected_{order.rework_count}",
        title=_("Work sent back for rework"),
        body=f"{order.title}: {reason}",
        order_id=order.pk,
    )
    return order


# --- timers ----------------------------------------------------------------------------------
