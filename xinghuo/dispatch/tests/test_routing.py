"""Route planning: the optimiser's rules (eligibility never broken, urgent orders covered, time
windows kept), the Django services (dry run, one transaction, re-plan) and the API."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from django.test import override_settings
from django.urls import clear_url_caches, path
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ninja import NinjaAPI

from xinghuo.accounts import services as account_services
from xinghuo.accounts.auth import api_auth
from xinghuo.dispatch import services
from xinghuo.dispatch.api_routing import router as routing_router
from xinghuo.dispatch.exceptions import WorkerNotEligible
from xinghuo.dispatch.routing import (
    HaversineProvider,
    Options,
    OrderSpec,
    Problem,
    Reason,
    TravelMatrix,
    WorkerSpec,
    optimise,
    order_day,
    planning,
)
from xinghuo.dispatch.routing.schedule import Context, violations
from xinghuo.notifications.models import Notification
from xinghuo.regions.exceptions import RegionNotFound
from xinghuo.work_orders import services as order_services
from xinghuo.work_orders.models import WorkOrder, WorkOrderEvent
from xinghuo.workforce import services as workforce_services
from xinghuo.workforce.models import Skill, Worker

HOUR = 3600
FAST = {"time_budget_s": 0.15}


def _plan(problem: Problem, solver: str = "vroom", **kw) -> object:
    return optimise(problem, options=Options(solver=solver, **{**FAST, **kw}))


def _check(problem: Problem, plan) -> None:  # type: ignore[no-untyped-def]
    ctx = Context.build(problem, HaversineProvider())
    assert violations(ctx, [(r.worker_id, r.stops) for r in plan.routes]) == []
    planned = [s.order_id for r in plan.routes for s in r.stops]
    left = [u.order_id for u in plan.unassigned]
    assert sorted(planned + left) == sorted(o.id for o in problem.orders)


# --- the optimiser, without the database -----------------------------------------------------

coords = st.tuples(st.floats(30.15, 30.30), st.floats(120.02, 120.28))


@st.composite
def scenarios(draw: st.DrawFn) -> Problem:
    n_workers = draw(st.integers(1, 4))
    workers = []
    for k in range(n_workers):
        lat, lng = draw(coords)
        start = draw(st.integers(0, 2)) * HOUR
        workers.append(
            WorkerSpec(
                id=k + 1,
                lat=lat,
                lng=lng,
                shift_start=start,
                shift_end=start + draw(st.integers(2, 9)) * HOUR,
                capacity=draw(st.integers(0, 4)),
            )
        )
    orders = []
    for i in range(draw(st.integers(1, 9))):
        lat, lng = draw(coords)
        earliest = draw(st.sampled_from([0, 0, HOUR, 3 * HOUR]))
        service = draw(st.sampled_from([900, 1800, 3600, 2 * HOUR]))
        orders.append(
            OrderSpec(
                id=100 + i,
                lat=lat,
                lng=lng,
                earliest=earliest,
                deadline=earliest + service + draw(st.integers(0, 8)) * 1800,
                service=service,
                urgent=draw(st.booleans()),
                eligible_worker_ids=frozenset(
                    draw(st.sets(st.integers(1, n_workers + 1), max_size=n_workers))
                ),
            )
        )
    return Problem(orders=orders, workers=workers)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
@given(problem=scenarios(), solver=st.sampled_from(["vroom", "pyvrp", "greedy"]))
def test_no_plan_ever_breaks_eligibility_or_time_windows(problem: Problem, solver: str) -> None:
    plan = _plan(problem, solver=solver, time_budget_s=0.1)
    _check(problem, plan)
    eligible = {o.id: o.eligible_worker_ids for o in problem.orders}
    for worker_id, order_id in ((r.worker_id, s.order_id) for r in plan.routes for s in r.stops):
        assert worker_id in eligible[order_id]


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
@given(problem=scenarios(), solver=st.sampled_from(["vroom", "pyvrp"]))
def test_an_urgent_order_is_covered_whenever_an_eligible_worker_can_make_it(
    problem: Problem, solver: str
) -> None:
    # One urgent order among normal ones, workers with room for at least one order.
    orders = [OrderSpec(**{**o.__dict__, "urgent": n == 0}) for n, o in enumerate(problem.orders)]
    workers = [
        WorkerSpec(**{**w.__dict__, "capacity": max(1, w.capacity)}) for w in problem.workers
    ]
    problem = Problem(orders=orders, workers=workers)
    plan = _plan(problem, solver=solver, time_budget_s=0.1)
    _check(problem, plan)
    ctx = Context.build(problem, HaversineProvider())
    urgent = orders[0]
    reachable = any(
        ctx.can_reach(ctx.worker(w), urgent)
        for w in urgent.eligible_worker_ids
        if w in ctx.worker_index
    )
    planned = {s.order_id for r in plan.routes for s in r.stops}
    assert (urgent.id in planned) == reachable


def test_urgent_order_pushes_out_normal_work_of_the_only_eligible_worker() -> None:
    here = (30.26, 120.10)
    worker = WorkerSpec(id=1, lat=here[0], lng=here[1], shift_end=4 * HOUR, capacity=3)
    normal = [
        OrderSpec(id=10 + i, lat=30.261, lng=120.101, deadline=4 * HOUR, service=HOUR)
        for i in range(3)
    ]
    urgent = OrderSpec(id=99, lat=30.262, lng=120.102, deadline=2 * HOUR, service=HOUR, urgent=True)
    problem = Problem(orders=[*normal, urgent], workers=[worker])
    for solver in ("vroom", "pyvrp", "greedy"):
        plan = _plan(problem, solver=solver)
        _check(problem, plan)
        assert 99 in {s.order_id for r in plan.routes for s in r.stops}, solver
        assert len(plan.assignments) == 3  # his day holds three one-hour orders and the drives


class _RogueSolver:
    """Proposes everything that must never reach a plan."""

    name = "rogue"

    def solve(self, ctx, orders, workers, options):  # type: ignore[no-untyped-def]
        return {
            1: [20, 21, 21, 22, 999],  # 20 not his, 21 twice, 22 due before he can arrive
            2: [23, 24, 25],  # over his capacity of 2
            77: [26],  # no such worker
        }  # and 27 left out


def test_the_check_removes_whatever_a_solver_gets_wrong() -> None:
    workers = [
        WorkerSpec(id=1, lat=30.20, lng=120.10, capacity=5),
        WorkerSpec(id=2, lat=30.20, lng=120.10, capacity=2),
    ]
    at = {"lat": 30.21, "lng": 120.11, "service": 1800}
    orders = [
        OrderSpec(id=20, deadline=8 * HOUR, eligible_worker_ids=frozenset({2}), **at),
        OrderSpec(id=21, deadline=8 * HOUR, eligible_worker_ids=frozenset({1}), **at),
        OrderSpec(id=22, deadline=1800, eligible_worker_ids=frozenset({1}), **at),
        *(
            OrderSpec(id=i, deadline=8 * HOUR, eligible_worker_ids=frozenset({2}), **at)
            for i in (23, 24, 25)
        ),
        OrderSpec(id=26, deadline=8 * HOUR, eligible_worker_ids=frozenset({1, 2}), **at),
        OrderSpec(id=27, deadline=8 * HOUR, eligible_worker_ids=frozenset({2}), **at),
    ]
    problem = Problem(orders=orders, workers=workers)
    plan = optimise(problem, options=Options(repair=False), solver=_RogueSolver())
    _check(problem, plan)
    routes = {r.worker_id: [s.order_id for s in r.stops] for r in plan.routes}
    assert routes == {1: [21], 2: [23, 24]}
    reasons = {u.order_id: u.reason for u in plan.unassigned}
    assert {o for o, r in reasons.items() if r == Reason.REJECTED_BY_CHECK} == {20, 22, 25, 26}
    assert reasons[27] == Reason.CAPACITY  # left out; worker 2 is full


def test_time_windows_wait_for_the_earliest_start_and_keep_the_deadline() -> None:
    worker = WorkerSpec(id=1, lat=30.25, lng=120.10)
    order = OrderSpec(id=1, lat=30.26, lng=120.11, earliest=2 * HOUR, deadline=4 * HOUR)
    plan = _plan(Problem(orders=[order], workers=[worker]))
    (stop,) = plan.routes[0].stops
    assert stop.arrival < 2 * HOUR == stop.start
    assert stop.departure == 3 * HOUR <= order.deadline and not stop.late


def test_reasons_for_orders_left_over() -> None:
    w = WorkerSpec(id=1, lat=30.25, lng=120.10, capacity=1, shift_end=8 * HOUR)
    near = {"lat": 30.251, "lng": 120.101}
    orders = [
        OrderSpec(id=1, deadline=8 * HOUR, eligible_worker_ids=frozenset(), **near),
        # 60 km away, due within the hour
        OrderSpec(id=2, lat=30.8, lng=120.10, deadline=HOUR, eligible_worker_ids=frozenset({1})),
        OrderSpec(id=3, deadline=8 * HOUR, urgent=True, eligible_worker_ids=frozenset({1}), **near),
        OrderSpec(id=4, deadline=8 * HOUR, eligible_worker_ids=frozenset({1}), **near),
    ]
    plan = _plan(Problem(orders=orders, workers=[w]))
    assert plan.assignments == [(3, 1)]
    assert {u.order_id: u.reason for u in plan.unassigned} == {
        1: Reason.NO_ELIGIBLE_WORKER,
        2: Reason.NO_TIME_LEFT,
        4: Reason.CAPACITY,
    }


def test_role_and_skills_decide_eligibility_when_no_explicit_set_is_given() -> None:
    workers = [
        WorkerSpec(id=1, lat=30.25, lng=120.10, role_id=7, skill_ids=frozenset({1})),
        WorkerSpec(id=2, lat=30.25, lng=120.10, role_id=7, skill_ids=frozenset({1, 2})),
        WorkerSpec(id=3, lat=30.25, lng=120.10, role_id=8, skill_ids=frozenset({1, 2})),
    ]
    order = OrderSpec(
        id=1, lat=30.26, lng=120.11, deadline=8 * HOUR, role_id=7, skill_ids=frozenset({1, 2})
    )
    problem = Problem(orders=[order], workers=workers)
    assert problem.compatibility() == {1: frozenset({2})}
    assert _plan(problem).assignments == [(1, 2)]


def test_haversine_provider_applies_road_factor_and_speed() -> None:
    # 0.01° of latitude is 1112 m; × 1.5 on the road = 1668 m; at 36 km/h (10 m/s) 167 s.
    m = HaversineProvider(speed_kmh=36, road_factor=1.5).matrix([(30.0, 120.0), (30.01, 120.0)])
    assert m.metres[0, 1] == 1668 and m.seconds[0, 1] == 167 and m.seconds[1, 1] == 0


class _GridProvider:
    """A road network stand-in: every trip takes 10 minutes, whatever the distance."""

    def matrix(self, points):  # type: ignore[no-untyped-def]
        n = len(points)
        seconds = np.full((n, n), 600, dtype=np.int64)
        np.fill_diagonal(seconds, 0)
        return TravelMatrix(seconds=seconds, metres=seconds * 10)


def test_another_matrix_provider_plugs_in() -> None:
    worker = WorkerSpec(id=1, lat=30.25, lng=120.10)
    order = OrderSpec(id=1, lat=30.29, lng=120.25, deadline=8 * HOUR, service=1800)
    plan = optimise(
        Problem(orders=[order], workers=[worker]), options=Options(**FAST), provider=_GridProvider()
    )
    assert plan.routes[0].stops[0].arrival == 600


def test_balance_weight_spreads_work_over_workers() -> None:
    workers = [
        WorkerSpec(id=1, lat=30.25, lng=120.10, capacity=6),
        WorkerSpec(id=2, lat=30.25, lng=120.13, capacity=6),
    ]
    orders = [
        OrderSpec(id=i, lat=30.25 + i * 0.001, lng=120.10, deadline=9 * HOUR, service=HOUR)
        for i in range(6)
    ]
    problem = Problem(orders=orders, workers=workers)

    def loads(weight: float) -> list[int]:
        plan = _plan(problem, balance_weight=weight)
        _check(problem, plan)
        return sorted(len(r.stops) for r in plan.routes)

    assert loads(0.0) == [6]
    assert loads(2.0) == [3, 3]


def test_day_orders_by_mode_with_orders_under_way_first() -> None:
    worker = WorkerSpec(id=1, lat=30.20, lng=120.10, shift_end=12 * HOUR)
    orders = [
        OrderSpec(id=1, lat=30.21, lng=120.10, deadline=12 * HOUR),  # nearest
        OrderSpec(id=2, lat=30.28, lng=120.10, deadline=6 * HOUR, urgent=True),  # far, urgent
        OrderSpec(id=3, lat=30.24, lng=120.10, deadline=12 * HOUR),
        OrderSpec(id=4, lat=30.26, lng=120.10, deadline=12 * HOUR),  # he is on his way
    ]

    def seq(mode: str, under_way: tuple[int, ...] = ()) -> list[int]:
        route = order_day(worker=worker, orders=orders, mode=mode, under_way=under_way)
        return [s.order_id for s in route.stops]

    assert seq("nearest_first") == [1, 3, 4, 2]
    assert seq("urgent_first") == [2, 1, 3, 4]
    assert seq("urgent_first", under_way=(4,)) == [4, 2, 3, 1]
    assert seq("optimise", under_way=(4,))[0] == 4
    assert sorted(seq("optimise")) == [1, 2, 3, 4]


def test_a_day_keeps_orders_that_cannot_be_on_time_marked_late() -> None:
    worker = WorkerSpec(id=1, lat=30.20, lng=120.10)
    orders = [
        OrderSpec(id=1, lat=30.21, lng=120.10, deadline=HOUR, service=2 * HOUR),
        OrderSpec(id=2, lat=30.22, lng=120.10, deadline=8 * HOUR),
    ]
    for mode in ("optimise", "urgent_first", "nearest_first"):
        stops = order_day(worker=worker, orders=orders, mode=mode).stops
        assert {s.order_id: s.late for s in stops} == {1: True, 2: False}, mode


@pytest.mark.serial
def test_interactive_size_plans_within_300_ms() -> None:
    import random
    import time

    rng = random.Random(7)
    workers = [
        WorkerSpec(id=k, lat=30.15 + rng.random() * 0.15, lng=120.02 + rng.random() * 0.25)
        for k in range(1, 11)
    ]
    orders = [
        OrderSpec(
            id=100 + i,
            lat=30.15 + rng.random() * 0.15,
            lng=120.02 + rng.random() * 0.25,
            deadline=rng.randint(3, 10) * HOUR,
            urgent=rng.random() < 0.2,
            eligible_worker_ids=frozenset(rng.sample(range(1, 11), 4)),
        )
        for i in range(30)
    ]
    began = time.perf_counter()
    plan = optimise(Problem(orders=orders, workers=workers), options=Options(time_budget_s=0.2))
    assert time.perf_counter() - began < 0.3 + 0.2  # the target, with room for a busy CI
    assert len(plan.assignments) >= 25


# --- the services on the database ------------------------------------------------------------


@pytest.fixture
def ready_worker(make_eligible_worker):  # type: ignore[no-untyped-def]
    def make(**kwargs):  # type: ignore[no-untyped-def]
        worker = make_eligible_worker(**kwargs)
        workforce_services.worker_set_status(worker=worker, status=Worker.Status.AVAILABLE)
        return worker

    return make


def _crew(worker: Worker, organization) -> Worker:  # type: ignore[no-untyped-def]
    """The worker agrees that `organization` may assign him orders without an offer."""
    services.direct_assignment_consent_set(
        worker=worker, organization_id=organization.pk, allowed=True
    )
    return worker


def _snapshot() -> tuple:
    return (
        list(WorkOrder.objects.order_by("pk").values_list("pk", "status", "worker_id")),
        WorkOrderEvent.objects.count(),
        Notification.objects.count(),
    )


def test_preview_plans_eligible_workers_and_changes_nothing(
    make_employer, make_order, ready_worker
) -> None:
    owner, org = make_employer()
    skill = Skill.objects.get_or_create(code="generator", defaults={"name": "油机发电"})[0]
    plain = make_order(owner=owner, organization=org, title="巡检")
    needs_skill = make_order(
        owner=owner, organization=org, title="发电", required_skill_ids=[skill.pk]
    )
    worker = ready_worker()
    before = _snapshot()
    plan = planning.auto_assign_preview(organization=org, options=Options(**FAST))
    assert _snapshot() == before
    assert plan.assignments == [(plain.pk, worker.pk)]
    assert {u.order_id: u.reason for u in plan.unassigned} == {
        needs_skill.pk: Reason.NO_ELIGIBLE_WORKER
    }
    stop = plan.routes[0].stops[0]
    assert plan.at(stop.arrival) >= plan.starts_at


def test_preview_leaves_out_off_duty_workers_and_other_regions_and_employers(
    make_employer, make_order, ready_worker, make_eligible_worker, hangzhou
) -> None:
    owner, org = make_employer()
    other_owner, other_org = make_employer()
    north = make_order(owner=owner, organization=org)  # in the north grid
    south = make_order(owner=owner, organization=org, lat=30.16, lng=120.06)  # south-west grid
    make_order(owner=other_owner, organization=other_org)
    make_eligible_worker()  # off duty
    worker = ready_worker()
    plan = planning.auto_assign_preview(
        organization=org, region_id=hangzhou["district"].pk, options=Options(**FAST)
    )
    assert sorted(plan.assignments) == sorted([(north.pk, worker.pk), (south.pk, worker.pk)])
    theirs = planning.auto_assign_preview(
        organization=other_org, region_id=hangzhou["city"].pk, options=Options(**FAST)
    )
    their_orders = set(
        WorkOrder.objects.filter(organization=other_org).values_list("pk", flat=True)
    )
    assert len(theirs.assignments) == 1
    assert {o for o, _w in theirs.assignments} <= their_orders
    with pytest.raises(RegionNotFound):
        planning.auto_assign_preview(organization=org, region_id=987654)


def test_commit_assigns_all_or_nothing(make_employer, make_order, ready_worker) -> None:
    owner, org = make_employer()
    skill = Skill.objects.get_or_create(code="welding", defaults={"name": "焊接"})[0]
    first = make_order(owner=owner, organization=org, title="一")
    second = make_order(owner=owner, organization=org, title="二", required_skill_ids=[skill.pk])
    worker = _crew(ready_worker(), org)
    before = _snapshot()
    with pytest.raises(WorkerNotEligible) as err:
        planning.auto_assign_commit(
            actor=owner,
            organization=org,
            plan_or_assignments=[(first.pk, worker.pk), (second.pk, worker.pk)],
        )
    assert err.value.detail["order_id"] == second.pk
    assert _snapshot() == before  # the first assignment was rolled back with the second

    plan = planning.auto_assign_preview(organization=org, options=Options(**FAST))
    done = planning.auto_assign_commit(actor=owner, organization=org, plan_or_assignments=plan)
    assert [(o.pk, o.worker_id, o.status) for o in done] == [(first.pk, worker.pk, "assigned")]


def test_urgent_replan_leaves_orders_under_way_alone(
    make_employer, make_order, ready_worker
) -> None:
    owner, org = make_employer()
    from xinghuo.accounts.models import Organization

    Organization.objects.filter(pk=org.pk).update(max_open_orders_per_worker=5)
    org.refresh_from_db()
    worker = _crew(ready_worker(), org)
    going = make_order(owner=owner, organization=org, title="在途", lat=30.28, lng=120.12)
    waiting = make_order(owner=owner, organization=org, title="待办", lat=30.24, lng=120.07)
    for o in (going, waiting):
        planning.auto_assign_commit(
            actor=owner, organization=org, plan_or_assignments=[(o.pk, worker.pk)]
        )
    order_services.work_order_depart(worker=worker, order_id=going.pk)
    urgent = make_order(
        owner=owner,
        organization=org,
        title="断站抢修",
        priority="urgent",
        lat=30.27,
        lng=120.11,
        deadline_at=timezone.now() + timedelta(hours=4),
    )
    before = _snapshot()
    plan = planning.urgent_replan(organization=org, order_id=urgent.pk, options=Options(**FAST))
    assert _snapshot() == before
    (route,) = plan.routes
    assert route.stops[0].order_id == going.pk  # first, as he is on his way there
    assert {s.order_id for s in route.stops} == {going.pk, waiting.pk, urgent.pk}
    assert (urgent.pk, worker.pk) in plan.assignments


def test_worker_day_route_orders_held_orders_with_etas(
    make_employer, make_order, ready_worker
) -> None:
    owner, org = make_employer()
    from xinghuo.accounts.models import Organization

    Organization.objects.filter(pk=org.pk).update(max_open_orders_per_worker=5)
    worker = _crew(ready_worker(), org)  # at 30.2601, 120.1001
    far = make_order(owner=owner, organization=org, title="远", lat=30.29, lng=120.14)
    near = make_order(owner=owner, organization=org, title="近", lat=30.262, lng=120.101)
    urgent = make_order(
        owner=owner, organization=org, title="急", lat=30.28, lng=120.13, priority="urgent"
    )
    planning.auto_assign_commit(
        actor=owner,
        organization=org,
        plan_or_assignments=[(o.pk, worker.pk) for o in (far, near, urgent)],
    )
    worker.refresh_from_db()
    day = planning.worker_day_route(worker=worker, mode="nearest_first")
    assert [s.order_id for s in day.route.stops] == [near.pk, urgent.pk, far.pk]
    day = planning.worker_day_route(worker=worker, mode="urgent_first")
    assert day.route.stops[0].order_id == urgent.pk
    assert day.at(day.route.stops[0].arrival) > day.starts_at


# --- the API ---------------------------------------------------------------------------------

_test_api = NinjaAPI(auth=api_auth, urls_namespace="routing-test", docs_url=None)
_test_api.add_router("/", routing_router)


def _copy_error_handlers() -> None:
    from config.api import api as main_api

    _test_api._exception_handlers.update(main_api._exception_handlers)


urlpatterns = [path("api/v1/", _test_api.urls)]


@pytest.fixture
def routing_api(api):  # type: ignore[no-untyped-def]
    """The routing router on an API of its own (config/api.py may or may not mount it yet),
    with the project's error handlers."""
    _copy_error_handlers()
    with override_settings(ROOT_URLCONF=__name__, ROUTING_TIME_BUDGET_S=0.15):
        clear_url_caches()
        yield api
    clear_url_caches()


def test_api_preview_commit_and_route(make_employer, make_order, ready_worker, routing_api):
    owner, org = make_employer()
    order = make_order(owner=owner, organization=org)
    worker = _crew(ready_worker(), org)
    client = routing_api(owner)
    base = f"/organizations/{org.pk}/dispatch/auto-assign"

    resp = client.post(f"{base}/preview", {})
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["assignments"] == [{"order_id": order.pk, "worker_id": worker.pk}]
    assert body["routes"][0]["stops"][0]["order_id"] == order.pk
    assert WorkOrder.objects.get(pk=order.pk).status == "published"

    resp = client.post(f"{base}/commit", body["assignments"])
    assert resp.status_code == 200, resp.content
    assert resp.json()[0]["status"] == "assigned"

    resp = routing_api(worker.user).get("/workers/me/route", {"mode": "urgent_first"})
    assert resp.status_code == 200, resp.content
    assert [s["order_id"] for s in resp.json()["stops"]] == [order.pk]
    bad = routing_api(worker.user).get("/workers/me/route", {"mode": "fastest"})
    assert bad.status_code == 422 and bad.json()["code"] == "validation_error"


def test_api_commit_offers_the_order_to_a_worker_who_has_not_agreed_to_direct_assignment(
    make_employer, make_order, ready_worker, routing_api
):
    owner, org = make_employer()
    order = make_order(owner=owner, organization=org)
    worker = ready_worker()
    resp = routing_api(owner).post(
        f"/organizations/{org.pk}/dispatch/auto-assign/commit",
        [{"order_id": order.pk, "worker_id": worker.pk}],
    )
    assert resp.status_code == 200, resp.content
    (row,) = resp.json()
    assert row["status"] == "published" and row["worker_id"] == worker.pk
    assert row["offer_id"] is not None
    assert WorkOrder.objects.get(pk=order.pk).worker_id is None
    services.assignment_offer_accept(worker=worker, offer_id=row["offer_id"])
    assert WorkOrder.objects.get(pk=order.pk).worker_id == worker.pk


def test_api_previews_count_against_the_candidate_list_limit(
    make_employer, make_order, ready_worker, routing_api, settings
):
    """A plan names candidates and their ETAs from where they are: like a candidate list,
    it is counted per organization, so it cannot be polled to follow workers."""
    settings.CANDIDATE_LISTS_PER_WINDOW = 1
    owner, org = make_employer()
    make_order(owner=owner, organization=org)
    ready_worker()
    client = routing_api(owner)
    path_ = f"/organizations/{org.pk}/dispatch/auto-assign/preview"
    assert client.post(path_, {}).status_code == 200
    again = client.post(path_, {})
    assert again.status_code == 429, again.content
    assert again.json()["code"] == "candidate_lists_exhausted"


def test_api_unverified_employer_may_not_plan(make_employer, routing_api):
    owner, org = make_employer(verified=False, escrow_fen=0)
    resp = routing_api(owner).post(f"/organizations/{org.pk}/dispatch/auto-assign/preview", {})
    assert resp.status_code == 403
    assert resp.json()["code"] == "employer_not_verified"


def test_api_commit_error_is_json_and_changes_nothing(
    make_employer, make_order, ready_worker, make_worker, routing_api
):
    owner, org = make_employer()
    order = make_order(owner=owner, organization=org)
    stranger = make_worker()  # serves no region
    resp = routing_api(owner).post(
        f"/organizations/{org.pk}/dispatch/auto-assign/commit",
        [{"order_id": order.pk, "worker_id": stranger.pk}],
    )
    assert resp.status_code == 422
    assert resp.json()["code"] == "worker_not_eligible"
    assert WorkOrder.objects.get(pk=order.pk).status == "published"


def test_api_other_organization_is_not_found_and_viewers_may_not_plan(make_employer, routing_api):
    owner, org = make_employer()
    other_owner, _other = make_employer()
    path_ = f"/organizations/{org.pk}/dispatch/auto-assign/preview"
    assert routing_api(other_owner).post(path_, {}).status_code == 404
    viewer = account_services.user_create(phone="13600000009", password="Xinghuo@2026", name="看")
    account_services.membership_add(
        actor=owner, organization=org, phone=viewer.phone, role="viewer"
    )
    resp = routing_api(viewer).post(path_, {})
    assert resp.status_code == 403 and resp.json()["code"] == "permission_denied"
