"""The work-order state machine: the one place where an order's status changes.

    draft → published → assigned → en route → on site → delivered → accepted
                          ↑ decline   (check-in may skip en route)   │
                          └─ published                 reject ───────┘→ en route (rework)
    cancelled from draft/published/assigned/en route/on site; expired from draft/published.

Callers lock the order row (`select_for_update`) inside a transaction, then call
`apply`. An action not allowed from the current status raises IllegalTransition
(409) and changes nothing. Every applied action appends a WorkOrderEvent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinghuo.accounts.models import User

from .exceptions import IllegalTransition
from .models import WorkOrder, WorkOrderEvent

S = WorkOrder.Status


@dataclass(frozen=True)
class Action:
    sources: tuple[str, ...]
    target: str | None  # None: the status stays (an event only)


ACTIONS: dict[str, Action] = {
    "publish": Action((S.DRAFT,), S.PUBLISHED),
    "assign": Action((S.PUBLISHED,), S.ASSIGNED),
    "reassign": Action((S.ASSIGNED,), S.ASSIGNED),
    "decline": Action((S.ASSIGNED,), S.PUBLISHED),
    "depart": Action((S.ASSIGNED,), S.EN_ROUTE),
    "check_in": Action((S.ASSIGNED, S.EN_ROUTE), S.ON_SITE),
    "deliver": Action((S.ON_SITE,), S.DELIVERED),
    "check_out": Action((S.ON_SITE,), S.DELIVERED),
    "accept": Action((S.DELIVERED,), S.ACCEPTED),
    "reject": Action((S.DELIVERED,), S.EN_ROUTE),
    "cancel": Action(S.OPEN, S.CANCELLED),
    "expire": Action((S.DRAFT, S.PUBLISHED), S.EXPIRED),
    # Events that do not move the status.
    "overdue": Action((*S.OPEN, S.DELIVERED), None),
    "alarm_merged": Action(S.OPEN, None),
    "alarm_cleared": Action((*S.OPEN, S.DELIVERED, S.ACCEPTED, S.CANCELLED, S.EXPIRED), None),
    "rated": Action((S.ACCEPTED,), None),
}


def allowed_actions(order: WorkOrder) -> list[str]:
    return [name for name, action in ACTIONS.items() if order.status in action.sources]


def check(order: WorkOrder, action: str) -> Action:
    spec = ACTIONS[action]
    if order.status not in spec.sources:
        raise IllegalTransition(
            _("This cannot be done to the order in its current state."),
            detail={"action": action, "status": order.status},
        )
    return spec


def apply(
    order: WorkOrder,
    action: str,
    *,
    actor: User | None,
    at: datetime | None = None,
    lat: float | None = None,
    lng: float | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
    update_fields: tuple[str, ...] = (),
) -> WorkOrderEvent:
    """Move `order` (locked by the caller) by `action`, save it, and record the event.

    `update_fields` names the other fields the caller changed on the order; they are
    saved with the status in one UPDATE.
    """
    spec = check(order, action)
    at = at or timezone.now()
    from_status = order.status
    if spec.target is not None:
        order.status = spec.target
    order.save(update_fields=["status", "updated_at", *update_fields])
    return WorkOrderEvent.objects.create(
        order=order,
        type=action,
        from_status=from_status,
        to_status=order.status,
        actor=actor,
        at=at,
        lat=lat,
        lng=lng,
        note=note[:500],
        data=data or {},
    )


def claim(
    order: WorkOrder, *, worker_id: int, actor: User | None, at: datetime | None = None
) -> WorkOrderEvent | None:
    """Give a published, untaken order to a worker with one conditional UPDATE.

    Of any number of concurrent claims exactly one matches the row and wins; the
    others update nothing and get None. Works alike on PostgreSQL and SQLite.
    """
    check(order, "assign")
    at = at or timezone.now()
    won = WorkOrder.objects.filter(pk=order.pk, status=S.PUBLISHED, worker__isnull=True).update(
        status=S.ASSIGNED, worker_id=worker_id, assigned_at=at, updated_at=at
    )
    if not won:
        return None
    order.status, order.worker_id, order.assigned_at = S.ASSIGNED, worker_id, at
    return WorkOrderEvent.objects.create(
        order=order,
        type="assign",
        from_status=S.PUBLISHED,
        to_status=S.ASSIGNED,
        actor=actor,
        at=at,
        data={"worker_id": worker_id},
    )
