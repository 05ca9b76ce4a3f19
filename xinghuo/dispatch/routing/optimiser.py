"""The optimiser's entry points: a plan for many workers, and the order of one worker's day.

    optimise(problem)                 → Plan: routes for the workers, the rest with reasons
    order_day(problem, mode=…)        → Route: one worker's orders in the order he should go

Objectives, in this order: urgent orders assigned and on time; eligibility never violated;
deadlines met; total travel least; workload balanced (`Options.balance_weight`). Eligibility,
deadlines, shifts and capacity are hard: `schedule.enforce` removes from every plan anything
that breaks them, whatever the solver said.
"""

from __future__ import annotations

import time
from typing import Literal

from .matrix import HaversineProvider, MatrixProvider
from .problem import Options, OrderSpec, Plan, Problem, Reason, Route, Unassigned, WorkerSpec
from .schedule import Context, enforce, rebalance, repair, timeline, unplaced_reason
from .solvers import Solver, get_solver

DayMode = Literal["optimise", "urgent_first", "nearest_first"]
DAY_MODES: tuple[str, ...] = ("optimise", "urgent_first", "nearest_first")


def optimise(
    problem: Problem,
    *,
    options: Options | None = None,
    provider: MatrixProvider | None = None,
    solver: Solver | None = None,
) -> Plan:
    """Assign and sequence `problem.orders` over `problem.workers`.

    Orders nobody eligible can reach in time are not given to the solver at all; what the
    solver proposes is checked (`schedule.enforce`) before it becomes the plan.
    """
    options = options or Options()
    began = time.perf_counter()
    ctx = Context.build(problem, provider or HaversineProvider())
    solver = solver or get_solver(options.solver)
    workers = [w for w in ctx.workers if w.capacity > 0 and w.shift_end > w.shift_start]
    placeable = [
        o
        for o in ctx.orders
        if any(ctx.can_reach(w, o) for w in workers if w.id in ctx.compat[o.id])
    ]
    proposal = solver.solve(ctx, placeable, workers, options)
    checked = enforce(ctx, proposal)
    rejected = set(checked.rejected)
    if options.repair:
        sequences = {w: [s.order_id for s in stops] for w, stops in checked.routes.items()}
        planned = {o for seq in sequences.values() for o in seq}
        repair(ctx, sequences, [o for o in placeable if o.id not in planned])
        rebalance(ctx, sequences, weight=options.balance_weight, workers=workers)
        checked = enforce(ctx, sequences)
        rejected |= set(checked.rejected)
    load = {w: len(stops) for w, stops in checked.routes.items()}
    planned = {s.order_id for stops in checked.routes.values() for s in stops}
    unassigned = []
    for o in ctx.orders:
        if o.id in planned:
            continue
        reason = Reason.REJECTED_BY_CHECK if o.id in rejected else unplaced_reason(ctx, o, load)
        unassigned.append(Unassigned(order_id=o.id, reason=reason, urgent=o.urgent))
    routes = tuple(
        Route(worker_id=w.id, stops=tuple(checked.routes[w.id]))
        for w in ctx.workers
        if w.id in checked.routes
    )
    return Plan(
        routes=routes,
        unassigned=tuple(unassigned),
        solver=solver.name,
        solve_ms=round((time.perf_counter() - began) * 1000),
    )


def order_day(
    *,
    worker: WorkerSpec,
    orders: list[OrderSpec],
    mode: str = "optimise",
    under_way: tuple[int, ...] = (),
    options: Options | None = None,
    provider: MatrixProvider | None = None,
) -> Route:
    """The order in which `worker` should do the orders he holds, with his ETAs.

    Orders in `under_way` (he is on his way or on site) come first, as given, in every mode.
    He keeps every order whatever the mode: one that cannot be done on time is still in the
    route, marked late. Modes for the rest:
      - optimise: least travel with every deadline met that can be (PyVRP), the rest after;
      - urgent_first: urgent orders first, each group by deadline, nearer first on a tie;
      - nearest_first: always the nearest order next.
    """
    if mode not in DAY_MODES:
        raise ValueError(f"unknown mode {mode!r}")
    provider = provider or HaversineProvider()
    mine = frozenset({worker.id})
    own = [OrderSpec(**{**o.__dict__, "eligible_worker_ids": mine}) for o in orders]
    by_id = {o.id: o for o in own}
    roomy = WorkerSpec(**{**worker.__dict__, "capacity": max(worker.capacity, len(own))})
    first = [by_id[i] for i in under_way if i in by_id]
    fixed = timeline(
        Context.build(Problem(orders=first, workers=[roomy]), provider), roomy, under_way
    )
    rest = [o for o in own if o.id not in set(under_way)]
    if fixed:
        last = by_id[fixed[-1].order_id]
        here = WorkerSpec(
            **{
                **roomy.__dict__,
                "lat": last.lat,
                "lng": last.lng,
                "shift_start": fixed[-1].departure,
            }
        )
    else:
        here = roomy
    ctx = Context.build(Problem(orders=rest, workers=[here]), provider)
    if mode == "nearest_first":
        sequence = _nearest_first(ctx, here, rest)
    elif mode == "urgent_first":
        start = ctx.point_of_worker(here.id)
        sequence = [
            o.id
            for o in sorted(
                rest,
                key=lambda o: (
                    not o.urgent,
                    o.deadline,
                    int(ctx.matrix.seconds[start, ctx.point_of_order(o.id)]),
                    o.id,
                ),
            )
        ]
    else:
        options = options or Options(time_budget_s=0.2, balance_weight=0.0)
        plan = optimise(ctx.problem, options=options, provider=_Fixed(ctx))
        sequence = [s.order_id for r in plan.routes for s in r.stops]
        planned = set(sequence)
        left = sorted(
            (o for o in rest if o.id not in planned), key=lambda o: (not o.urgent, o.deadline, o.id)
        )
        sequence += [o.id for o in left]
    return Route(worker_id=worker.id, stops=(*fixed, *timeline(ctx, here, sequence)))


def _nearest_first(ctx: Context, worker: WorkerSpec, orders: list[OrderSpec]) -> list[int]:
    here, left, sequence = ctx.point_of_worker(worker.id), {o.id for o in orders}, []
    while left:
        nxt = min(
            left, key=lambda oid: (int(ctx.matrix.seconds[here, ctx.point_of_order(oid)]), oid)
        )
        sequence.append(nxt)
        left.remove(nxt)
        here = ctx.point_of_order(nxt)
    return sequence


class _Fixed:
    """A provider that hands back a matrix already computed (same points, same order)."""

    def __init__(self, ctx: Context) -> None:
        self._matrix = ctx.matrix

    def matrix(self, points):  # type: ignore[no-untyped-def]
        return self._matrix
