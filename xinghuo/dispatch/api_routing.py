"""Route planning endpoints: the dispatcher's auto-assign (preview, commit), the urgent
re-plan, and the worker's route for today. Thin: parse, call `routing.planning`, shape."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from xinghuo.accounts import selectors as account_selectors
from xinghuo.accounts.auth import current_user
from xinghuo.accounts.models import Organization
from xinghuo.core.api import Id
from xinghuo.work_orders.models import WorkOrder
from xinghuo.workforce import selectors as workforce_selectors
from xinghuo.workforce.models import Worker

from . import services
from .models import AssignmentOffer
from .routing import planning
from .routing.problem import Plan, Route, Stop

router = Router(tags=["routing"])


# --- schemas ---------------------------------------------------------------------------------


class AutoAssignPreviewIn(Schema):
    region_id: Id | None = None


class AssignmentIn(Schema):
    order_id: Id
    worker_id: Id


class AssignmentOut(Schema):
    order_id: int
    worker_id: int


class StopOut(Schema):
    order_id: int
    title: str
    lat: float
    lng: float
    urgent: bool
    status: str
    arrival_at: datetime
    start_at: datetime
    departure_at: datetime
    deadline_at: datetime
    travel_s: int
    travel_m: int
    late: bool


class RouteOut(Schema):
    worker_id: int
    worker_name: str
    travel_s: int
    travel_m: int
    stops: list[StopOut]


class UnassignedOut(Schema):
    order_id: int
    title: str
    urgent: bool
    reason: str = Field(
        description="no_eligible_worker, no_time_left, capacity, workers_busy or rejected_by_check"
    )


class PlanOut(Schema):
    starts_at: datetime
    solver: str
    solve_ms: int
    travel_s: int
    travel_m: int
    assignments: list[AssignmentOut] = Field(
        description="The new assignments this plan proposes: edit and send them to …/commit."
    )
    routes: list[RouteOut]
    unassigned: list[UnassignedOut]


class CommittedOut(Schema):
    order_id: int
    worker_id: int
    status: str = Field(description="assigned, or published while the worker's offer waits")
    assigned_at: datetime | None
    offer_id: int | None = Field(
        description="the offer the worker is asked to accept, unless he agreed to direct "
        "assignment from this employer"
    )


class DayRouteOut(Schema):
    worker_id: int
    mode: str
    starts_at: datetime
    travel_s: int
    travel_m: int
    stops: list[StopOut]


# --- shaping ---------------------------------------------------------------------------------


def _stop(stop: Stop, order: WorkOrder, at: Callable[[int], datetime]) -> StopOut:
    return StopOut(
        order_id=order.pk,
        title=order.title,
        lat=order.site.lat,
        lng=order.site.lng,
        urgent=order.priority == WorkOrder.Priority.URGENT,
        status=order.status,
        arrival_at=at(stop.arrival),
        start_at=at(stop.start),
        departure_at=at(stop.departure),
        deadline_at=order.deadline_at,
        travel_s=stop.travel_s,
        travel_m=stop.travel_m,
        late=stop.late,
    )


def _plan_out(plan: Plan, organization: Organization) -> PlanOut:
    order_ids = {s.order_id for r in plan.routes for s in r.stops} | {
        u.order_id for u in plan.unassigned
    }
    # Stops of other employers' orders (a worker's day holds them too) are shown without
    # their details: this organization may not read them.
    orders = WorkOrder.objects.select_related("site").in_bulk(order_ids)
    names = dict(
        Worker.objects.filter(pk__in=[r.worker_id for r in plan.routes]).values_list(
            "pk", "user__name"
        )
    )
    routes = []
    for route in plan.routes:
        stops = [
            _stop(s, orders[s.order_id], plan.at)
            for s in route.stops
            if orders[s.order_id].organization_id == organization.pk
        ]
        routes.append(
            RouteOut(
                worker_id=route.worker_id,
                worker_name=names.get(route.worker_id, ""),
                travel_s=route.travel_s,
                travel_m=route.travel_m,
                stops=stops,
            )
        )
    return PlanOut(
        starts_at=plan.starts_at,  # type: ignore[arg-type]
        solver=plan.solver,
        solve_ms=plan.solve_ms,
        travel_s=plan.total_travel_s,
        travel_m=plan.total_travel_m,
        assignments=[
            AssignmentOut(order_id=o, worker_id=w)
            for o, w in plan.assignments
            if orders[o].status == WorkOrder.Status.PUBLISHED
            and orders[o].organization_id == organization.pk
        ],
        routes=routes,
        unassigned=[
            UnassignedOut(
                order_id=u.order_id,
                title=orders[u.order_id].title,
                urgent=u.urgent,
                reason=u.reason.value,
            )
            for u in plan.unassigned
            if orders[u.order_id].organization_id == organization.pk
        ],
    )


def _dispatcher_org(request: HttpRequest, organization_id: Id) -> Organization:
    """A plan names candidate workers: verified employers only (EmployerNotVerified)."""
    org = account_selectors.organization_get_for_member(
        user=current_user(request),
        organization_id=organization_id,
        capability=account_selectors.Capability.ORDERS_DISPATCH,
    )
    services.require_verified_employer(organization=org)
    return org


# --- endpoints -------------------------------------------------------------------------------


@router.post("/organizations/{organization_id}/dispatch/auto-assign/preview", response=PlanOut)
def auto_assign_preview(
    request: HttpRequest, organization_id: Id, payload: AutoAssignPreviewIn
) -> PlanOut:
    """A plan for the published orders (of a region and the regions below it, when given):
    who takes what, in which order, with ETAs; and the orders left over with the reason.
    A dry run: nothing changes until the assignments are committed."""
    org = _dispatcher_org(request, organization_id)
    services.candidate_list_count(organization=org)
    plan = planning.auto_assign_preview(organization=org, region_id=payload.region_id)
    return _plan_out(plan, org)


@router.post(
    "/organizations/{organization_id}/dispatch/auto-assign/commit",
    response=list[CommittedOut],
)
def auto_assign_commit(
    request: HttpRequest, organization_id: Id, payload: list[AssignmentIn]
) -> list[CommittedOut]:
    """Assign the given orders to the given workers, all or nothing: the first refusal (not
    eligible, order taken, cap reached…) answers with its error and assigns none."""
    org = _dispatcher_org(request, organization_id)
    orders = planning.auto_assign_commit(
        actor=current_user(request),
        organization=org,
        plan_or_assignments=[(a.order_id, a.worker_id) for a in payload],
    )
    pairs = {a.order_id: a.worker_id for a in payload}
    offers = dict(
        AssignmentOffer.objects.filter(
            order__in=orders, status=AssignmentOffer.Status.PENDING
        ).values_list("order_id", "pk")
    )
    return [
        CommittedOut(
            order_id=o.pk,
            worker_id=o.worker_id or pairs[o.pk],
            status=o.status,
            assigned_at=o.assigned_at,
            offer_id=offers.get(o.pk) if o.worker_id is None else None,
        )
        for o in orders
    ]


@router.post("/organizations/{organization_id}/dispatch/urgent/{order_id}/replan", response=PlanOut)
def urgent_replan(request: HttpRequest, organization_id: Id, order_id: Id) -> PlanOut:
    """The eligible workers' days planned again around a new urgent order; orders already
    under way stay first and untouched. A dry run: commit the urgent order's assignment."""
    org = _dispatcher_org(request, organization_id)
    services.candidate_list_count(organization=org)
    return _plan_out(planning.urgent_replan(organization=org, order_id=order_id), org)


class RouteQuery(Schema):
    mode: Literal["optimise", "urgent_first", "nearest_first"] = "optimise"


@router.get("/workers/me/route", response=DayRouteOut)
def my_route(request: HttpRequest, query: Query[RouteQuery]) -> DayRouteOut:
    """Today's orders in the order to go, with arrival and finish times (ETAs)."""
    worker = workforce_selectors.worker_for_user(user=current_user(request))
    day = planning.worker_day_route(worker=worker, mode=query.mode)
    route: Route = day.route
    return DayRouteOut(
        worker_id=worker.pk,
        mode=day.mode,
        starts_at=day.starts_at,
        travel_s=route.travel_s,
        travel_m=route.travel_m,
        stops=[_stop(s, day.orders[s.order_id], day.at) for s in route.stops],
    )
