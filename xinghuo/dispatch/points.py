"""Points (D6): one calculation for the award at acceptance and for the preview.

    points = base × efficiency × quality × region coefficient, rounded half up.

- efficiency: delivered by the deadline within `early_share` of the time allowed
  (from assignment to deadline) → early factor; by the deadline → on-time factor;
  after it → late factor.
- quality: the factor the employer's rule gives the rating (1–5).
- region: the employer's coefficient for the order's region, or for the nearest
  region above it that has one; 1 when none does.

The preview shown before a worker takes an order assumes delivery on time (not
early) and the top rating.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from xinghuo.regions import selectors as region_selectors
from xinghuo.work_orders.models import WorkOrder

from .models import PointsRule, RegionCoefficient

ONE = Decimal("1")


@dataclass(frozen=True)
class PointsBreakdown:
    points: int
    base_points: int
    efficiency_factor: Decimal
    quality_factor: Decimal
    region_factor: Decimal


def rule_for(organization_id: int) -> PointsRule:
    rule = PointsRule.objects.filter(organization_id=organization_id).first()
    return rule or PointsRule(organization_id=organization_id)


def rules_for_orders(orders: Iterable[WorkOrder]) -> dict[int, PointsRule]:
    orders = list(orders)
    org_ids = {o.organization_id for o in orders}
    stored = {r.organization_id: r for r in PointsRule.objects.filter(organization_id__in=org_ids)}
    return {
        o.pk: stored.get(o.organization_id) or PointsRule(organization_id=o.organization_id)
        for o in orders
    }


def efficiency_factor(*, rule: PointsRule, order: WorkOrder, delivered_at: datetime) -> Decimal:
    if delivered_at > order.deadline_at:
        return rule.late_factor
    start = order.assigned_at or order.published_at or order.created_at
    allowed = (order.deadline_at - start).total_seconds()
    used = (delivered_at - start).total_seconds()
    if allowed > 0 and used <= allowed * float(rule.early_share):
        return rule.early_factor
    return rule.on_time_factor


def quality_factor(*, rule: PointsRule, rating: int | None) -> Decimal:
    if rating is None:
        return ONE
    return Decimal(str(rule.quality_factors.get(str(rating), "1")))


class RegionFactors:
    """Region coefficients of several employers, loaded once (for lists of orders); the
    ancestors of `region_ids` (the orders' regions) too, in one query, when any employer
    has coefficients."""

    def __init__(self, organization_ids: Iterable[int], region_ids: Iterable[int] = ()) -> None:
        self._by_org: dict[int, dict[int, Decimal]] = {}
        for org_id, region_id, coefficient in RegionCoefficient.objects.filter(
            organization_id__in=set(organization_ids)
        ).values_list("organization_id", "region_id", "coefficient"):
            self._by_org.setdefault(org_id, {})[region_id] = coefficient
        region_ids = set(region_ids)
        self._ancestors: dict[int, list[int]] = (
            region_selectors.region_ancestor_ids_by_region(region_ids=region_ids)
            if self._by_org and region_ids
            else {}
        )

    def factor(self, *, organization_id: int, region_id: int) -> Decimal:
        coefficients = self._by_org.get(organization_id)
        if not coefficients:
            return ONE
        if region_id not in self._ancestors:
            self._ancestors[region_id] = region_selectors.region_ancestor_ids(region_id=region_id)
        for ancestor in self._ancestors[region_id]:
            if ancestor in coefficients:
                return coefficients[ancestor]
        return ONE


def region_factor(*, organization_id: int, region_id: int) -> Decimal:
    return RegionFactors([organization_id]).factor(
        organization_id=organization_id, region_id=region_id
    )


def compute(
    *,
    base_points: int,
    efficiency: Decimal,
    quality: Decimal,
    region: Decimal,
) -> PointsBreakdown:
    raw = Decimal(base_points) * efficiency * quality * region
    return PointsBreakdown(
        points=int(raw.quantize(ONE, rounding=ROUND_HALF_UP)),
        base_points=base_points,
        efficiency_factor=efficiency,
        quality_factor=quality,
        region_factor=region,
    )


def for_order(
    *, order: WorkOrder, delivered_at: datetime, rating: int | None, rule: PointsRule | None = None
) -> PointsBreakdown:
    rule = rule or rule_for(order.organization_id)
    return compute(
        base_points=order.base_points,
        efficiency=efficiency_factor(rule=rule, order=order, delivered_at=delivered_at),
        quality=quality_factor(rule=rule, rating=rating),
        region=region_factor(organization_id=order.organization_id, region_id=order.region_id),
    )


def preview(
    *,
    order: WorkOrder,
    rule: PointsRule | None = None,
    region_factors: RegionFactors | None = None,
) -> PointsBreakdown:
    """What the worker would earn delivering on time (not early) with the top rating."""
    rule = rule or rule_for(order.organization_id)
    factors = region_factors or RegionFactors([order.organization_id])
    return compute(
        base_points=order.base_points,
        efficiency=rule.on_time_factor,
        quality=quality_factor(rule=rule, rating=5),
        region=factors.factor(organization_id=order.organization_id, region_id=order.region_id),
    )
