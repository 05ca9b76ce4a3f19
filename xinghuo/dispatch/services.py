"""Writes for dispatch: grab (抢单), dispatcher assignment, decline, points."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from xinghuo.accounts.models import Membership, Organization, User
from xinghuo.core.exceptions import Conflict, PermissionDenied, ValidationFailed
from xinghuo.notifications import services as notification_services
from xinghuo.regions import selectors as region_selectors
from xinghuo.work_orders import services as order_services
from xinghuo.work_orders.models import WorkOrder
from xinghuo.workforce.models import Worker

from . import points, selectors
from .exceptions import (
    LimitReached,
    OrderClosed,
    OrderTaken,
    WorkerNotEligible,
    WorkOrderNotFound,
)
from .models import PointsEntry, PointsRule, RegionCoefficient

S = WorkOrder.Status
HELD = (S.ASSIGNED, S.EN_ROUTE, S.ON_SITE, S.DELIVERED)


def _check_cap(*, worker: Worker, organization: Organization) -> None:
    """Lock the worker's row so his concurrent grabs are counted one after another."""
    Worker.objects.select_for_update().filter(pk=worker.pk).first()
    held = WorkOrder.objects.filter(
        worker=worker, organization=organization, status__in=HELD
    ).count()
    if held >= organization.max_open_orders_per_worker:
        raise LimitReached(
            _("You hold as many open orders of this employer as you may (%(n)d).")
            % {"n": organization.max_open_orders_per_worker},
            detail={"limit": organization.max_open_orders_per_worker, "held": held},
        )


@transaction.atomic
def work_order_grab(*, worker: Worker, work_order_id: int) -> WorkOrder:
    """Give an open order to `worker`; exactly one concurrent grab wins.

    Raises WorkOrderNotFound when the worker may not see the order (same error as a
    missing one) — a paid order before his identity is approved and the agreement signed
    included, as on the order's detail: a distinct answer would tell him which paid orders
    match him; OrderTaken when another worker was first or the order is closed,
    LimitReached at the employer's cap of open orders per worker.
    """
    order = (
        selectors.orders_eligible_for_worker(worker=worker)
        .select_related("organization")
        .filter(pk=work_order_id)
        .exclude(status=S.DRAFT)
        .first()
    )
    if order is None:
        raise WorkOrderNotFound()
    if order.status in (S.CANCELLED, S.EXPIRED):
        raise OrderClosed(
            _("This order has been cancelled or has expired."), detail={"status": order.status}
        )
    if order.status != S.PUBLISHED:
        raise OrderTaken(_("Someone else took this order first."), detail={"status": order.status})
    _check_cap(worker=worker, organization=order.organization)
    if not order_services.work_order_claim(order=order, worker=worker, actor=worker.user):
        raise OrderTaken(_("Someone else took this order first."))
    return order


def _eligible_worker(*, order: WorkOrder, worker_id: int) -> Worker:
    worker = (
        selectors.workers_eligible_for_order(order=order, ignore_clearance=True)
        .filter(pk=worker_id)
        .first()
    )
    if (
        worker is not None
        and order.price_fen > 0
        and not selectors.worker_is_cleared(worker=worker)
    ):
        raise WorkerNotEligible(
            _("This worker has not verified his identity and signed the agreement yet."),
            code="worker_not_cleared",
            detail={"field": "worker_id"},
        )
    if worker is None:
        raise WorkerNotEligible(
            _("This worker may not take this order (region, role or skills)."),
            detail={"field": "worker_id"},
        )
    return worker


@transaction.atomic
def work_order_assign(
    *, actor: User, organization: Organization, work_order_id: int, worker_id: int
) -> WorkOrder:
    """A dispatcher gives a published order to an eligible worker, who is told."""
    order_services.require_editor(actor=actor, organization=organization)
    order = WorkOrder.objects.filter(pk=work_order_id, organization=organization).first()
    if order is None:
        raise WorkOrderNotFound()
    if order.status != S.PUBLISHED:
        raise OrderTaken(
            _("The order is not open for assignment."), detail={"status": order.status}
        )
    worker = _eligible_worker(order=order, worker_id=worker_id)
    _check_cap(worker=worker, organization=organization)
    if not order_services.work_order_claim(order=order, worker=worker, actor=actor):
        raise OrderTaken(_("Someone else took this order first."))
    notification_services.notify(
        user=worker.user,
        kind="order_assigned",
        title=_("New order assigned to you"),
        body=order.title,
        order_id=order.pk,
    )
    return order


@transaction.atomic
def work_order_reassign(
    *, actor: User, organization: Organization, work_order_id: int, worker_id: int, reason: str
) -> WorkOrder:
    """Move an assigned order (not yet under way) to another eligible worker, with a reason."""
    order_services.require_editor(actor=actor, organization=organization)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Please give a reason."), code="reason_required", detail={"field": "reason"}
        )
    order = (
        WorkOrder.objects.select_for_update()
        .filter(pk=work_order_id, organization=organization)
        .first()
    )
    if order is None:
        raise WorkOrderNotFound()
    if order.worker_id == worker_id:
        raise Conflict(_("The order is with this worker already."), code="same_worker")
    worker = _eligible_worker(order=order, worker_id=worker_id)
    _check_cap(worker=worker, organization=organization)
    order_services.work_order_hand_over(order=order, worker=worker, actor=actor, reason=reason)
    notification_services.notify(
        user=worker.user,
        kind="order_assigned",
        title=_("New order assigned to you"),
        body=order.title,
        order_id=order.pk,
    )
    return order


@transaction.atomic
def work_order_decline(*, worker: Worker, work_order_id: int, reason: str) -> WorkOrder:
    """The assigned worker gives the order back with a reason; it is published again."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Please give a reason."), code="reason_required", detail={"field": "reason"}
        )
    order = WorkOrder.objects.select_for_update().filter(pk=work_order_id, worker=worker).first()
    if order is None:
        raise WorkOrderNotFound()
    return order_services.work_order_release(order=order, actor=worker.user, reason=reason)


def points_award(*, order: WorkOrder) -> PointsEntry:
    """Award the points of an accepted order, once (the order is the entry's unique key)."""
    assert order.status == S.ACCEPTED and order.worker_id and order.delivered_at
    breakdown = points.for_order(order=order, delivered_at=order.delivered_at, rating=order.rating)
    entry, _created = PointsEntry.objects.get_or_create(
        order=order,
        defaults={
            "worker_id": order.worker_id,
            "points": breakdown.points,
            "base_points": breakdown.base_points,
            "efficiency_factor": breakdown.efficiency_factor,
            "quality_factor": breakdown.quality_factor,
            "region_factor": breakdown.region_factor,
        },
    )
    return entry


def _require_manager(*, actor: User, organization: Organization) -> None:
    if not Membership.objects.filter(
        user=actor,
        organization=organization,
        role__in=(Membership.Role.OWNER, Membership.Role.ADMIN),
    ).exists():
        raise PermissionDenied(_("Only the owner or an administrator may change points rules."))


def _factor(
    value: Decimal, *, field: str, low: Decimal = Decimal("0"), high: Decimal = Decimal("5")
) -> Decimal:
    if not (low < value <= high) or value != value.quantize(Decimal("0.01")):
        raise ValidationFailed(
            _("Factors lie above %(low)s and at most %(high)s, with two decimals at most.")
            % {"low": low, "high": high},
            code="invalid_factor",
            detail={"field": field},
        )
    return value


@transaction.atomic
def points_rule_set(
    *,
    actor: User,
    organization: Organization,
    early_factor: Decimal,
    early_share: Decimal,
    on_time_factor: Decimal,
    late_factor: Decimal,
    quality_factors: dict[int, Decimal],
) -> PointsRule:
    """Set the employer's points rule (D6). It applies to orders accepted from now on and to
    every preview; points already awarded keep the factors they were computed with."""
    _require_manager(actor=actor, organization=organization)
    if set(quality_factors) != {1, 2, 3, 4, 5}:
        raise ValidationFailed(
            _("Give a quality factor for each rating from 1 to 5."),
            code="invalid_factor",
            detail={"field": "quality_factors"},
        )
    values = {
        "early_factor": _factor(early_factor, field="early_factor"),
        "early_share": _factor(early_share, field="early_share", high=Decimal("1")),
        "on_time_factor": _factor(on_time_factor, field="on_time_factor"),
        "late_factor": _factor(late_factor, field="late_factor"),
        "quality_factors": {
            str(r): str(_factor(f, field=f"quality_factors.{r}"))
            for r, f in sorted(quality_factors.items())
        },
    }
    rule, _created = PointsRule.objects.update_or_create(organization=organization, defaults=values)
    return rule


@transaction.atomic
def region_coefficient_set(
    *, actor: User, organization: Organization, region_id: int, coefficient: Decimal
) -> RegionCoefficient:
    """Set the employer's coefficient for a region (and the regions below it)."""
    _require_manager(actor=actor, organization=organization)
    region_selectors.region_get(region_id=region_id)
    coefficient = _factor(coefficient, field="coefficient")
    row, _created = RegionCoefficient.objects.update_or_create(
        organization=organization, region_id=region_id, defaults={"coefficient": coefficient}
    )
    return row
