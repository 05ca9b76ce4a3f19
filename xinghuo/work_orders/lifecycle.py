"""The work-order state machine: the one place where an order's status changes.

    draft → published → assigned → en route → on site → delivered → accepted
                          ↑ decline   (check-in may skip en route)   │
                          └─ published                 reject ───────┘→ en route (rework)
    cancelled from draft/published/assigned/en route/on site; expired from draft/published.

Callers lock the order row (`select_for_update`) inside a transaction, then call
`apply`. An action not allowed from the current status, or not for the order's kind (a
shift is checked out, an order delivered), raises IllegalTransition (409) and changes
nothing. Every applied action appends a WorkOrderEvent.

`allowed_actions(order, actor)` is the one answer to "what may be done to this order now,
by whom": the API and the pages show their buttons from it, and the services refuse what
it leaves out through the same predicate (`permits`, via `check`). Whether the actor's
role in the organization may act at all is the capability check, not this table's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinghuo.accounts.models import User
from xinghuo.workforce.models import Worker

from .exceptions import IllegalTransition
from .models import WorkOrder, WorkOrderEvent

S = WorkOrder.Status
K = WorkOrder.Kind


class Side(TextChoices):
    """Who acts on an order, as `allowed_actions` tells them apart."""

    EMPLOYER = "employer"  # a member of the order's organization (his role: capabilities)
    HOLDER = "holder"  # the worker holding the order
    WORKER = "worker"  # another worker, who may see it (dispatch decides) and take it
    SYSTEM = "system"  # the sweeps and the alarm channel


@dataclass(frozen=True)
class Action:
    sources: tuple[str, ...]
    target: str | None  # None: the status stays (an event only)
    sides: tuple[str, ...] = (Side.SYSTEM,)
    kinds: tuple[str, ...] = (K.ORDER, K.SHIFT)
    wrong_kind: Any = ""  # why the action is refused to the other kind


ACTIONS: dict[str, Action] = {
    "publish": Action((S.DRAFT,), S.PUBLISHED, sides=(Side.EMPLOYER,)),
    # A dispatcher's assignment, or a worker's grab.
    "assign": Action((S.PUBLISHED,), S.ASSIGNED, sides=(Side.EMPLOYER, Side.WORKER)),
    "reassign": Action((S.ASSIGNED,), S.ASSIGNED, sides=(Side.EMPLOYER,)),
    "decline": Action((S.ASSIGNED,), S.PUBLISHED, sides=(Side.HOLDER,)),
    "depart": Action((S.ASSIGNED,), S.EN_ROUTE, sides=(Side.HOLDER,)),
    "check_in": Action((S.ASSIGNED, S.EN_ROUTE), S.ON_SITE, sides=(Side.HOLDER,)),
    "deliver": Action(
        (S.ON_SITE,),
        S.DELIVERED,
        sides=(Side.HOLDER,),
        kinds=(K.ORDER,),
        wrong_kind=_("A shift is checked out, not delivered."),
    ),
    # The sweep closes a shift whose worker forgot to check out.
    "check_out": Action(
        (S.ON_SITE,),
        S.DELIVERED,
        sides=(Side.HOLDER, Side.SYSTEM),
        kinds=(K.SHIFT,),
        wrong_kind=_("Only shifts are checked out; deliver the order instead."),
    ),
    "accept": Action((S.DELIVERED,), S.ACCEPTED, sides=(Side.EMPLOYER,)),
    "reject": Action((S.DELIVERED,), S.EN_ROUTE, sides=(Side.EMPLOYER,)),
    "cancel": Action(S.OPEN, S.CANCELLED, sides=(Side.EMPLOYER,)),
    "expire": Action((S.DRAFT, S.PUBLISHED), S.EXPIRED),
    # Events that do not move the status.
    "overdue": Action((*S.OPEN, S.DELIVERED), None),
    "alarm_merged": Action(S.OPEN, None),
    "alarm_cleared": Action((*S.OPEN, S.DELIVERED, S.ACCEPTED, S.CANCELLED, S.EXPIRED), None),
    "rated": Action((S.ACCEPTED,), None, sides=(Side.EMPLOYER,)),
}


def side_of(order: WorkOrder, actor: User | Worker | None) -> str:
    """A worker is the holder or another worker; a user acts for the employer (the caller
    has scoped the order to his organization); nobody is the system."""
    if actor is None:
        return Side.SYSTEM
    if isinstance(actor, Worker):
        return Side.HOLDER if order.worker_id == actor.pk else Side.WORKER
    return Side.EMPLOYER


def permits(order: WorkOrder, action: str) -> bool:
    """Whether the order's status and kind allow `action` (to whoever may take it)."""
    spec = ACTIONS[action]
    return order.status in spec.sources and order.kind in spec.kinds


def allowed_actions(order: WorkOrder, actor: User | Worker | None) -> list[str]:
    """The actions `actor` may take on `order` now (see `side_of`), in the table's order."""
    side = side_of(order, actor)
    return [name for name, spec in ACTIONS.items() if side in spec.sides and permits(order, name)]


def check(order: WorkOrder, action: str) -> Action:
    """The action's spec, or IllegalTransition when `permits` refuses it."""
    spec = ACTIONS[action]
    if order.kind not in spec.kinds:
        raise IllegalTransition(spec.wrong_kind, detail={"action": action, "kind": order.kind})
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
