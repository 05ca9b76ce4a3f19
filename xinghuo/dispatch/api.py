"""Dispatch endpoints: the worker's order hall and grab, the dispatcher's assignment."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from xinghuo.accounts import selectors as account_selectors
from xinghuo.accounts.auth import current_user
from xinghuo.core.api import Id, Limit
from xinghuo.work_orders import selectors as order_selectors
from xinghuo.work_orders.models import WorkOrder
from xinghuo.work_orders.schemas import ReasonIn, WorkOrderOut
from xinghuo.workforce import selectors as workforce_selectors
from xinghuo.workforce.models import Worker

from . import points, selectors, services
from .models import PointsRule, RegionCoefficient
from .schemas import (
    AssignIn,
    EligibleWorkerOut,
    PointsEntryOut,
    PointsOut,
    PointsRuleIn,
    PointsRuleOut,
    ReassignIn,
    RecommendationOut,
    RegionCoefficientIn,
    RegionCoefficientOut,
)

router = Router(tags=["dispatch"])


def _me(request: HttpRequest) -> Worker:
    return workforce_selectors.worker_for_user(user=current_user(request))


@router.get("/workers/me/order-hall", response=list[RecommendationOut])
def order_hall(request: HttpRequest, limit: Limit = 50) -> list[selectors.Recommendation]:
    """Open orders the worker may take, best first, each with the points and pay it would
    bring if done on time with a good rating."""
    return selectors.recommended_orders(worker=_me(request), limit=max(1, min(limit, 200)))


@router.post("/work-orders/{order_id}/grab", response=WorkOrderOut)
def grab(request: HttpRequest, order_id: Id) -> WorkOrder:
    order = services.work_order_grab(worker=_me(request), work_order_id=order_id)
    return order_selectors.order_get_for_worker(worker=_me(request), order_id=order.pk)


@router.post("/work-orders/{order_id}/decline", response=WorkOrderOut)
def decline(request: HttpRequest, order_id: Id, payload: ReasonIn) -> WorkOrder:
    return services.work_order_decline(
        worker=_me(request), work_order_id=order_id, reason=payload.reason
    )


@router.get("/workers/me/points", response=PointsOut)
def my_points(request: HttpRequest, limit: Limit = 50) -> PointsOut:
    worker = _me(request)
    entries = selectors.points_history(worker=worker)[: max(1, min(limit, 200))]
    return PointsOut(
        balance=selectors.points_balance(worker=worker),
        entries=[
            PointsEntryOut(
                order_id=e.order_id,
                order_title=e.order.title,
                points=e.points,
                base_points=e.base_points,
                efficiency_factor=e.efficiency_factor,
                quality_factor=e.quality_factor,
                region_factor=e.region_factor,
                created_at=e.created_at,
            )
            for e in entries
        ],
    )


@router.get(
    "/organizations/{organization_id}/work-orders/{order_id}/eligible-workers",
    response=list[EligibleWorkerOut],
)
def eligible_workers(
    request: HttpRequest, organization_id: Id, order_id: Id, limit: Limit = 50
) -> list[EligibleWorkerOut]:
    """Workers this order may go to, nearest first (those without a position last)."""
    org = account_selectors.organization_get_for_member(
        user=current_user(request), organization_id=organization_id
    )
    order = order_selectors.order_get_for_organization(organization=org, order_id=order_id)
    return [
        EligibleWorkerOut(
            id=w.pk,
            name=w.user.name,
            phone=w.user.phone,
            role_id=w.role_id,
            status=w.status,
            last_lat=w.last_lat,
            last_lng=w.last_lng,
            distance_m=distance,
        )
        for w, distance in selectors.workers_eligible_nearest(
            order=order, limit=max(1, min(limit, 200))
        )
    ]


@router.post(
    "/organizations/{organization_id}/work-orders/{order_id}/assign", response=WorkOrderOut
)
def assign(request: HttpRequest, organization_id: Id, order_id: Id, payload: AssignIn) -> WorkOrder:
    user = current_user(request)
    org = account_selectors.organization_get_for_member(user=user, organization_id=organization_id)
    services.work_order_assign(
        actor=user, organization=org, work_order_id=order_id, worker_id=payload.worker_id
    )
    return order_selectors.order_get_for_organization(organization=org, order_id=order_id)


@router.post(
    "/organizations/{organization_id}/work-orders/{order_id}/reassign", response=WorkOrderOut
)
def reassign(
    request: HttpRequest, organization_id: Id, order_id: Id, payload: ReassignIn
) -> WorkOrder:
    user = current_user(request)
    org = account_selectors.organization_get_for_member(user=user, organization_id=organization_id)
    services.work_order_reassign(
        actor=user,
        organization=org,
        work_order_id=order_id,
        worker_id=payload.worker_id,
        reason=payload.reason,
    )
    return order_selectors.order_get_for_organization(organization=org, order_id=order_id)


@router.get("/organizations/{organization_id}/points-rule", response=PointsRuleOut)
def points_rule_get(request: HttpRequest, organization_id: Id) -> PointsRule:
    """The employer's points rule (the platform default until it sets its own)."""
    org = account_selectors.organization_get_for_member(
        user=current_user(request), organization_id=organization_id
    )
    return points.rule_for(org.pk)


@router.put("/organizations/{organization_id}/points-rule", response=PointsRuleOut)
def points_rule_put(request: HttpRequest, organization_id: Id, payload: PointsRuleIn) -> PointsRule:
    user = current_user(request)
    org = account_selectors.organization_get_for_member(user=user, organization_id=organization_id)
    return services.points_rule_set(actor=user, organization=org, **payload.dict())


@router.put(
    "/organizations/{organization_id}/region-coefficients/{region_id}",
    response=RegionCoefficientOut,
)
def region_coefficient_put(
    request: HttpRequest, organization_id: Id, region_id: Id, payload: RegionCoefficientIn
) -> RegionCoefficient:
    user = current_user(request)
    org = account_selectors.organization_get_for_member(user=user, organization_id=organization_id)
    return services.region_coefficient_set(
        actor=user, organization=org, region_id=region_id, coefficient=payload.coefficient
    )
