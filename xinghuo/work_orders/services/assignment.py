"""Assignment primitives (used by dispatch): claiming, releasing and handing over an order."""

from __future__ import annotations

from django.utils import timezone

from xinghuo.accounts.models import User
from xinghuo.workforce.models import Worker

from .. import lifecycle
from ..models import WorkOrder


def work_order_claim(*, order: WorkOrder, worker: Worker, actor: User | None) -> bool:
    """Give a published order to `worker` if nobody has it yet; False when someone was first."""
    return lifecycle.claim(order, worker_id=worker.pk, actor=actor) is not None


def work_order_release(*, order: WorkOrder, actor: User | None, reason: str) -> WorkOrder:
    """The assigned worker gives the order back (locked by the caller): published again."""
    previous = order.worker_id
    order.worker = None
    order.assigned_at = None
    lifecycle.apply(
        order,
        "decline",
        actor=actor,
        note=reason,
        data={"worker_id": previous},
        update_fields=("worker", "assigned_at"),
    )
    return order


def work_order_hand_over(
    *, order: WorkOrder, worker: Worker, actor: User, reason: str
) -> WorkOrder:
    """The dispatcher moves an assigned order (locked by the caller) to another worker."""
    previous = order.worker_id
    order.worker = worker
    order.assigned_at = timezone.now()
    lifecycle.apply(
        order,
        "reassign",
        actor=actor,
        note=reason,
        data={"from_worker_id": previous, "worker_id": worker.pk},
        update_fields=("worker", "assigned_at"),
    )
    return order
