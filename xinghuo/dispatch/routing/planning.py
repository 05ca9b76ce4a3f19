"""Auto-assignment and route planning on the database (MISSION D3, D5).

    auto_assign_preview   dry run: a plan for an organization's published orders (a region)
    auto_assign_commit    the plan, or the dispatcher's edit of it, assigned in one transaction
    urgent_replan         a new urgent order: the eligible workers' days planned again around it
    worker_day_route      a worker's orders today, in the order he should go, with ETAs

Eligibility comes from `dispatch.selectors.workers_eligible_for_order`, the one rule, as an
explicit set of workers per order; the optimiser never decides it. Assignment goes through
`dispatch.services.work_order_assign`, which checks eligibility and caps once more.

The plan's clock starts now; a worker's day runs ROUTING_SHIFT_HOURS (10) from now. Settings
(all optional): ROUTING_SPEED_KMH (30), ROUTING_ROAD_FACTOR (1.4), ROUTING_TIME_BUDGET_S (2),
ROUTING_BALANCE_WEIGHT (0.3), ROUTING_SOLVER ("vroom").
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinghuo.accounts.models import Organization, User
from xinghuo.core.exceptions import ApplicationError, ValidationFailed
from xinghuo.dispatch import selectors, services
from xinghuo.regions import selectors as region_selectors
from xinghuo.work_orders.exceptions import WorkOrderNotFound
from xinghuo.work_orders.models import WorkOrder
from xinghuo.workforce.models import Worker

from .matrix import HaversineProvider
from .optimiser import DAY_MODES, optimise, order_day
from .problem import Options, OrderSpec, Plan, Problem, Route, WorkerSpec

S = WorkOrder.Status
UNDER_WAY = (S.EN_ROUTE, S.ON_SITE)
MAX_COMMIT = 1000


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def provider() -> HaversineProvider:
    return HaversineProvider(
        speed_kmh=_setting("ROUTING_SPEED_KMH", 30.0),
        road_factor=_setting("ROUTING_ROAD_FACTOR", 1.4),
    )


def default_options(**overrides: object) -> Options:
    options = Options(
        time_budget_s=_setting("ROUTING_TIME_BUDGET_S", 2.0),
        balance_weight=_setting("ROUTING_BALANCE_WEIGHT", 0.3),
        solver=str(getattr(settings, "ROUTING_SOLVER", "vroom")),
    )
    return replace(options, **overrides)  # type: ignore[arg-type]


def _shift_seconds() -> int:
    return round(_setting("ROUTING_SHIFT_HOURS", 10.0) * 3600)


def _seconds(at: datetime | None, now: datetime) -> int | None:
    return None if at is None else math.floor((at - now).total_seconds())


def _order_spec(order: WorkOrder, now: datetime, eligible: Iterable[int]) -> OrderSpec:
    return OrderSpec(
        id=order.pk,
        lat=order.site.lat,
        lng=order.site.lng,
        earliest=max(0, _seconds(order.earliest_start_at, now) or 0),
        deadline=_seconds(order.deadline_at, now) or 0,
        service=order.estimated_minutes * 60,
        urgent=order.priority == WorkOrder.Priority.URGENT,
        eligible_worker_ids=frozenset(eligible),
    )


@dataclass(frozen=True)
class _Start:
    """Where and when a worker is free for new work: after the orders he is already on."""

    lat: float
    lng: float
    at: int
    under_way: tuple[Route, ...] = ()


def _worker_start(worker: Worker, *, now: datetime, held: Sequence[WorkOrder]) -> _Start:
    """A worker on his way to, or at, a site finishes that first (in the order he took them);
    he is free from there once it is done."""
    assert worker.last_lat is not None and worker.last_lng is not None
    going = [o for o in held if o.status in UNDER_WAY]
    if not going:
        return _Start(lat=worker.last_lat, lng=worker.last_lng, at=0)
    going.sort(key=lambda o: (o.status != S.ON_SITE, o.assigned_at or now, o.pk))
    spec = WorkerSpec(id=worker.pk, lat=worker.last_lat, lng=worker.last_lng, shift_end=10**9)
    route = order_day(
        worker=spec,
        orders=[_order_spec(o, now, [worker.pk]) for o in going],
        mode="nearest_first",
        under_way=tuple(o.pk for o in going),
        provider=provider(),
    )
    last = going[-1]
    end = route.stops[-1].departure if route.stops else 0
    return _Start(lat=last.site.lat, lng=last.site.lng, at=end, under_way=(route,))


def _held_by(worker_ids: Iterable[int]) -> dict[int, list[WorkOrder]]:
    rows: dict[int, list[WorkOrder]] = {}
    for o in (
        WorkOrder.objects.filter(worker_id__in=list(worker_ids), status__in=S.HELD)
        .select_related("site")
        .order_by("pk")
    ):
        rows.setdefault(o.worker_id, []).append(o)  # type: ignore[arg-type]
    return rows


def _room(worker: Worker, organization: Organization, held: Sequence[WorkOrder]) -> int:
    """How many more orders of `organization` the worker may take (its cap, as the grab)."""
    mine = sum(1 for o in held if o.organization_id == organization.pk)
    return max(0, organization.max_open_orders_per_worker - mine)


def _available(ids: Iterable[int]) -> dict[int, Worker]:
    return {
        w.pk: w
        for w in Worker.objects.filter(
            pk__in=list(ids),
            is_active=True,
            status=Worker.Status.AVAILABLE,
            last_lat__isnull=False,
            last_lng__isnull=False,
        )
    }


def _worker_spec(worker: Worker, start: _Start, *, capacity: int, shift_end: int) -> WorkerSpec:
    return WorkerSpec(
        id=worker.pk,
        lat=start.lat,
        lng=start.lng,
        shift_start=start.at,
        shift_end=max(shift_end, start.at),
        capacity=capacity,
    )


def auto_assign_preview(
    *,
    organization: Organization,
    region_id: int | None = None,
    now: datetime | None = None,
    options: Options | None = None,
) -> Plan:
    """A plan for the organization's published orders (in `region_id` and the regions below
    it, when given) over the workers who may take them. Changes nothing.

    Workers count when available, active and with a known position; a worker on his way to or
    at a site is planned from there, once that order is done; his room is the employer's cap of
    open orders per worker less what he holds. Raises RegionNotFound for an unknown region.
    """
    now = now or timezone.now()
    orders_qs = WorkOrder.objects.filter(organization=organization, status=S.PUBLISHED)
    if region_id is not None:
        region_selectors.region_get(region_id=region_id)
        orders_qs = orders_qs.filter(
            region_id__in=region_selectors.region_descendant_ids(region_ids=[region_id])
        )
    orders = list(
        orders_qs.select_related("site").prefetch_related("required_skills").order_by("pk")
    )
    eligible: dict[int, set[int]] = {
        o.pk: set(selectors.workers_eligible_for_order(order=o).values_list("pk", flat=True))
        for o in orders
    }
    workers = _available({w for ids in eligible.values() for w in ids})
    held = _held_by(workers)
    shift_end = _shift_seconds()
    specs = []
    for w in workers.values():
        mine = held.get(w.pk, [])
        start = _worker_start(w, now=now, held=mine)
        specs.append(
            _worker_spec(w, start, capacity=_room(w, organization, mine), shift_end=shift_end)
        )
    problem = Problem(
        orders=[_order_spec(o, now, eligible[o.pk] & set(workers)) for o in orders],
        workers=sorted(specs, key=lambda w: w.id),
    )
    plan = optimise(problem, options=options or default_options(), provider=provider())
    return replace(plan, starts_at=now)


@transaction.atomic
def auto_assign_commit(
    *,
    actor: User,
    organization: Organization,
    plan_or_assignments: Plan | Iterable[tuple[int, int]],
) -> list[WorkOrder]:
    """Assign every (order id, worker id) pair, all or nothing, in the order given.

    Each goes through `dispatch.services.work_order_assign` (editor rights, a verified
    employer, the order still published, the worker eligible, the cap of open orders): a
    worker who agreed to direct assignment from this employer gets the order, any other an
    offer to accept (his order stays published meanwhile); the first refusal raises its error,
    with the pair in its detail, and nothing is assigned. The workers' rows are locked first,
    in primary-key order, so that two commits cannot deadlock on them.
    """
    pairs = (
        plan_or_assignments.assignments
        if isinstance(plan_or_assignments, Plan)
        else [(int(o), int(w)) for o, w in plan_or_assignments]
    )
    if len(pairs) > MAX_COMMIT:
        raise ValidationFailed(
            _("Too many assignments at once (at most %(n)d).") % {"n": MAX_COMMIT},
            code="too_many",
            detail={"max": MAX_COMMIT},
        )
    order_ids = [o for o, _w in pairs]
    if len(set(order_ids)) != len(order_ids):
        raise ValidationFailed(
            _("An order appears more than once."),
            code="duplicate_order",
            detail={"field": "order_id"},
        )
    list(
        Worker.objects.select_for_update()
        .filter(pk__in={w for _o, w in pairs})
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    assigned = []
    for order_id, worker_id in pairs:
        try:
            assigned.append(
                services.work_order_assign(
                    actor=actor,
                    organization=organization,
                    work_order_id=order_id,
                    worker_id=worker_id,
                ).order
            )
        except ApplicationError as exc:
            exc.detail = {**exc.detail, "order_id": order_id, "worker_id": worker_id}
            raise
    return assigned


def urgent_replan(
    *,
    organization: Organization,
    order_id: int,
    now: datetime | None = None,
    options: Options | None = None,
) -> Plan:
    """The days of the workers who may take the new urgent order, planned again around it.

    Orders a worker is on his way to or at stay first in his route, untouched; the orders he
    holds but has not started keep their worker and may change places (or drop out of today:
    they are then listed as unassigned, still his). Changes nothing; commit the new order's
    assignment with `auto_assign_commit`. Raises WorkOrderNotFound for an order of another
    organization, ValidationFailed when the order is not a published urgent one.
    """
    now = now or timezone.now()
    order = (
        WorkOrder.objects.filter(pk=order_id, organization=organization)
        .select_related("site")
        .first()
    )
    if order is None:
        raise WorkOrderNotFound()
    if order.status != S.PUBLISHED or order.priority != WorkOrder.Priority.URGENT:
        raise ValidationFailed(
            _("Only a published urgent order can be re-planned for."),
            code="not_open_urgent",
            detail={"status": order.status, "priority": order.priority},
        )
    workers = _available(
        selectors.workers_eligible_for_order(order=order).values_list("pk", flat=True)
    )
    held = _held_by(workers)
    shift_end = _shift_seconds()
    specs, pinned, under_way = [], [], {}
    new_ok = []
    for w in workers.values():
        mine = held.get(w.pk, [])
        start = _worker_start(w, now=now, held=mine)
        waiting = [o for o in mine if o.status == S.ASSIGNED]
        pinned += [_order_spec(o, now, [w.pk]) for o in waiting]
        room = _room(w, organization, mine)
        if room > 0:
            new_ok.append(w.pk)
        specs.append(
            _worker_spec(w, start, capacity=len(waiting) + (1 if room else 0), shift_end=shift_end)
        )
        if start.under_way:
            under_way[w.pk] = start.under_way[0].stops
    problem = Problem(
        orders=[_order_spec(order, now, new_ok), *pinned], workers=sorted(specs, key=lambda s: s.id)
    )
    plan = optimise(problem, options=options or default_options(), provider=provider())
    routes = {r.worker_id: r for r in plan.routes}
    merged = tuple(
        Route(
            worker_id=w,
            stops=(*under_way.get(w, ()), *(routes[w].stops if w in routes else ())),
        )
        for w in sorted(set(routes) | set(under_way))
    )
    return replace(plan, routes=merged, starts_at=now)


def _today_end(now: datetime) -> datetime:
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)


@dataclass(frozen=True)
class DayRoute:
    route: Route
    mode: str
    starts_at: datetime
    orders: dict[int, WorkOrder]

    def at(self, seconds: int) -> datetime:
        return self.starts_at + timedelta(seconds=seconds)


def worker_day_route(
    *, worker: Worker, mode: str = "optimise", now: datetime | None = None
) -> DayRoute:
    """The orders the worker holds for today (not delivered; not due to start after today),
    in the order he should go, with ETAs from where he last reported himself.

    Those he is on his way to or at come first; the others follow by `mode`: "optimise" (least
    travel, deadlines kept where possible), "urgent_first" or "nearest_first". Raises
    ValidationFailed for an unknown mode, or when his position is not known.
    """
    if mode not in DAY_MODES:
        raise ValidationFailed(
            _("Unknown route mode."), code="invalid_mode", detail={"modes": list(DAY_MODES)}
        )
    if worker.last_lat is None or worker.last_lng is None:
        raise ValidationFailed(
            _("Your position is not known yet: share your location first."),
            code="position_unknown",
        )
    now = now or timezone.now()
    orders = list(
        WorkOrder.objects.filter(worker=worker, status__in=(S.ASSIGNED, *UNDER_WAY))
        .filter(Q(earliest_start_at__isnull=True) | Q(earliest_start_at__lt=_today_end(now)))
        .select_related("site")
        .order_by("pk")
    )
    going = sorted(
        (o for o in orders if o.status in UNDER_WAY),
        key=lambda o: (o.status != S.ON_SITE, o.assigned_at or now, o.pk),
    )
    spec = WorkerSpec(
        id=worker.pk,
        lat=worker.last_lat,
        lng=worker.last_lng,
        shift_end=max(_shift_seconds(), 1),
        capacity=max(1, len(orders)),
    )
    route = order_day(
        worker=spec,
        orders=[_order_spec(o, now, [worker.pk]) for o in orders],
        mode=mode,
        under_way=tuple(o.pk for o in going),
        options=default_options(time_budget_s=0.2, balance_weight=0.0),
        provider=provider(),
    )
    return DayRoute(route=route, mode=mode, starts_at=now, orders={o.pk: o for o in orders})
