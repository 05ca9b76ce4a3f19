"""The timers: expiring published orders past their deadline, flagging overdue ones,
closing shifts left checked in."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinghuo.accounts.selectors import Capability, members_with_capability
from xinghuo.notifications import services as notification_services

from .. import lifecycle
from ..models import WorkOrder
from ._common import (
    S,
    shift_hours,
)


def order_ids_to_expire(*, now: datetime) -> list[int]:
    """The published orders past their deadline with nobody on them (to expire)."""
    return list(
        WorkOrder.objects.filter(status=S.PUBLISHED, deadline_at__lt=now).values_list(
            "pk", flat=True
        )
    )


def work_order_expire(*, order_id: int, now: datetime) -> WorkOrder | None:
    """Expire a published order past its deadline (the lifecycle step, in the caller's
    transaction; `workflows.services.work_order_expire` also releases its escrow).

    Locks the order; None when it was taken or expired meanwhile (idempotent)."""
    order = WorkOrder.objects.select_for_update().get(pk=order_id)
    if order.status != S.PUBLISHED or order.deadline_at >= now:
        return None
    lifecycle.apply(order, "expire", actor=None, at=now)
    return order


def work_orders_sweep(
    *, now: datetime | None = None, shift_grace: timedelta | None = None
) -> dict[str, int]:
    """The periodic rules of this app, idempotent (run by `workflows.tasks`, after the
    expiry of published orders, which releases escrow):

    - an order held past its deadline is flagged overdue once, and the dispatchers and
      the worker are told (in-app, and by SMS for urgent orders);
    - a shift still checked in `shift_grace` after its end is closed at its end and
      flagged as missing its check-out.
    """
    now = now or timezone.now()
    shift_grace = shift_grace or timedelta(hours=2)
    counts = {"overdue": 0, "shifts_closed": 0}
    for order_id in (
        WorkOrder.objects.filter(status__in=S.IN_PROGRESS, deadline_at__lt=now, is_overdue=False)
        .exclude(kind=WorkOrder.Kind.SHIFT)
        .values_list("pk", flat=True)
    ):
        with transaction.atomic():
            order = (
                WorkOrder.objects.select_for_update(of=("self",))
                .select_related("worker__user")
                .get(pk=order_id)
            )
            if order.is_overdue or order.status not in S.IN_PROGRESS:
                continue
            order.is_overdue = True
            lifecycle.apply(order, "overdue", actor=None, at=now, update_fields=("is_overdue",))
            _notify_overdue(order)
            counts["overdue"] += 1
    for order_id in WorkOrder.objects.filter(
        kind=WorkOrder.Kind.SHIFT, status=S.ON_SITE, deadline_at__lt=now - shift_grace
    ).values_list("pk", flat=True):
        with transaction.atomic():
            order = WorkOrder.objects.select_for_update().get(pk=order_id)
            if order.status != S.ON_SITE:
                continue
            fields = shift_hours(order, out_at=order.deadline_at)
            order.checkout_missing = True
            lifecycle.apply(
                order,
                "check_out",
                actor=None,
                at=now,
                note="check-out missing: closed at the shift's end",
                update_fields=(*fields, "checkout_missing"),
            )
            counts["shifts_closed"] += 1
    return counts


def _notify_overdue(order: WorkOrder) -> None:
    urgent = order.priority == WorkOrder.Priority.URGENT
    title = _("Order overdue")
    body = f"#{order.pk} {order.title}"
    recipients = [order.worker.user] if order.worker else []
    recipients += [
        m.user
        for m in members_with_capability(
            organization=order.organization_id, capability=Capability.ORDER_ALERTS
        ).select_related("user")
    ]
    for user in recipients:
        notification_services.notify(
            user=user, kind="order_overdue", title=title, body=body, order_id=order.pk, sms=urgent
        )
