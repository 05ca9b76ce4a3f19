"""Actions on an order that span contexts (Zulip's `do_*`, named like services): each
calls the work-order step, then dispatch and settlement, in one transaction, so the order
never changes without its money and points, nor they without it.

    publish     lifecycle publish            + escrow reserved         (settlement)
    cancel      lifecycle cancel             + reservation released    (settlement)
    expire      lifecycle expire (sweep)     + reservation released    (settlement)
    accept      lifecycle accept + rating    + points awarded (dispatch) + pay settled

`work_orders`, `dispatch` and `settlement` never call each other upwards: an order's
whole life is written here. Pages, the API, tasks and the demo call these, not the
work-order steps, for the actions above.

Only the actions always called at the top are `durable` (publish, expire): cancel, accept
and create also run inside a caller's transaction (the demo builder builds its city in
one, a spreadsheet import creates each row in a savepoint, an alarm creates its order
while it records the alarm), where a durable block would refuse to start.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from xinghuo.accounts.models import Organization, User
from xinghuo.dispatch import services as dispatch_services
from xinghuo.settlement import services as settlement_services
from xinghuo.work_orders import services as order_services
from xinghuo.work_orders.models import WorkOrder
from xinghuo.work_orders.services import CreateResult, OrderDraft


@transaction.atomic
def work_order_create(
    *,
    actor: User | None,
    organization: Organization,
    draft: OrderDraft,
    channel: str = WorkOrder.Channel.MANUAL,
    publish: bool = True,
) -> CreateResult:
    """Create an order, published unless publish=False; a published paid order's price (and
    the employer's fee) is reserved in escrow with it.

    Idempotent like `work_orders.services.work_order_create` (an existing order comes back
    with created=False and nothing is reserved again). Raises what it raises, and
    InsufficientFunds when the escrow does not cover the order: nothing is created then.
    """
    result = order_services.work_order_create(
        actor=actor, organization=organization, draft=draft, channel=channel, publish=publish
    )
    if result.created and publish:
        settlement_services.order_reserve(order=result.order)
    return result


@transaction.atomic(durable=True)
def work_order_publish(*, actor: User, organization: Organization, order_id: int) -> WorkOrder:
    """Publish a draft and reserve its price in escrow. Raises IllegalTransition (not a
    draft), PermissionDenied, InsufficientFunds: the order stays a draft."""
    order = order_services.work_order_publish(
        actor=actor, organization=organization, order_id=order_id
    )
    settlement_services.order_reserve(order=order)
    return order


@transaction.atomic
def work_order_cancel(
    *, actor: User, organization: Organization, order_id: int, reason: str
) -> WorkOrder:
    """Cancel an open order, give its reservation back to the escrow, tell its worker."""
    order = order_services.work_order_cancel(
        actor=actor, organization=organization, order_id=order_id, reason=reason
    )
    settlement_services.order_release(order=order)
    return order


@transaction.atomic
def work_order_accept(
    *, actor: User, organization: Organization, order_id: int, rating: int, comment: str = ""
) -> WorkOrder:
    """Accept delivered work with a rating (1–5): the worker's points are awarded and his
    pay settled (escrow → tax, fee, wallet) at once, or nothing happens.

    Accepting twice is IllegalTransition: points and pay are never given twice. A failure
    in the points or the settlement rolls the acceptance back.
    """
    order = order_services.work_order_accept(
        actor=actor, organization=organization, order_id=order_id, rating=rating, comment=comment
    )
    dispatch_services.points_award(order=order)
    settlement_services.order_settle(order=order, at=order.accepted_at)
    return order


@transaction.atomic(durable=True)
def work_order_expire(*, order_id: int, now: datetime) -> WorkOrder | None:
    """Expire a published order past its deadline and release its reservation; None when it
    was taken or expired meanwhile (idempotent)."""
    order = order_services.work_order_expire(order_id=order_id, now=now)
    if order is not None:
        settlement_services.order_release(order=order)
    return order


def work_orders_sweep(
    *, now: datetime | None = None, shift_grace: timedelta | None = None
) -> dict[str, int]:
    """The periodic order rules, idempotent (Celery beat every few minutes, `workflows.tasks`):

    - a published order past its deadline with nobody on it expires (one transaction each);
    - then `work_orders.services.work_orders_sweep`: overdue orders flagged, shifts missing
      their check-out closed.
    """
    now = now or timezone.now()
    expired = 0
    for order_id in order_services.order_ids_to_expire(now=now):
        if work_order_expire(order_id=order_id, now=now) is not None:
            expired += 1
    rest = order_services.work_orders_sweep(now=now, shift_grace=shift_grace)
    return {"expired": expired, **rest}
