"""Solver back-ends. Each turns a `Context` (orders, workers, travel matrix, eligibility) into
proposed routes — worker id → order ids in visiting order — which `schedule.enforce` then
checks. Chosen by measurement (bench/README_routing.md):

- VROOM (pyvroom) plans dispatch (the default). It encodes eligibility exactly with skills
  (one skill per distinct set of eligible workers) and urgency with job priority, which VROOM
  maximises before anything else. On the demo-city days it placed as many or more orders as
  PyVRP, with 2–11% less travel, and usually in a fraction of the budget.
- PyVRP is the better pure VRPTW solver (Solomon: ~0.2% from the best-known distances in 5 s
  where VROOM is ~2% off) and stays available (`Options(solver="pyvrp")`). PyVRP 0.14 has no
  "allowed vehicles per client": each group of workers who may take the same orders gets its
  own routing profile, a copy of the travel matrix in which every edge into an order the group
  may not take lasts longer than any shift, so such a visit needs time warp and makes the
  solution infeasible (PyVRP returns the best feasible one, and `enforce` checks anyway).
  Orders are prize-collecting clients (urgent ones worth URGENT_WEIGHT normal ones); workload
  balance is overtime cost past each worker's fair share. When orders outnumber what the day
  can hold, this prize-collecting search places fewer orders than VROOM's.
- Greedy: what a busy dispatcher does, the baseline.

Workload balance for every back-end is `schedule.rebalance`, after the solver.
"""

from __future__ import annotations

import math
import time
import warnings
from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, Protocol

import numpy as np

from .problem import Options, OrderSpec, WorkerSpec
from .schedule import Context

COST_SCALE = 10  # cost units per travel second: lets the balance weight have one decimal
URGENT_WEIGHT = 20
Proposal = dict[int, list[int]]


class Solver(Protocol):
    name: str

    def solve(
        self,
        ctx: Context,
        orders: Sequence[OrderSpec],
        workers: Sequence[WorkerSpec],
        options: Options,
    ) -> Proposal: ...


def _groups(ctx: Context, orders: Sequence[OrderSpec], workers: Sequence[WorkerSpec]):
    """Workers grouped by the set of these orders they may take: {order-id set: [worker…]}."""
    by_set: dict[frozenset[int], list[WorkerSpec]] = defaultdict(list)
    for w in workers:
        by_set[frozenset(o.id for o in orders if w.id in ctx.compat[o.id])].append(w)
    return by_set


def _fair_share(orders: Sequence[OrderSpec], workers: Sequence[WorkerSpec]) -> int:
    """Each worker's share of the day's work: service time plus a typical drive per order."""
    work = sum(o.service + 900 for o in orders)
    return math.ceil(work / max(1, len(workers)))


class PyVRPSolver:
    name = "pyvrp"

    def solve(
        self,
        ctx: Context,
        orders: Sequence[OrderSpec],
        workers: Sequence[WorkerSpec],
        options: Options,
    ) -> Proposal:
        return self.solve_within(ctx, orders, workers, options, all_or_nothing=False) or {}

    def solve_within(
        self,
        ctx: Context,
        orders: Sequence[OrderSpec],
        workers: Sequence[WorkerSpec],
        options: Options,
        *,
        all_or_nothing: bool,
    ) -> Proposal | None:
        import pyvrp
        import pyvrp.stop

        if not orders or not workers:
            return {}
        with warnings.catch_warnings():
            # PyVRP warns when its penalties hit their bound: expected here, where edges into
            # orders a worker may not take are made impossible on purpose.
            warnings.simplefilter("ignore", pyvrp.exceptions.PenaltyBoundWarning)
            return self._solve(ctx, orders, workers, options, all_or_nothing=all_or_nothing)

    def _solve(
        self,
        ctx: Context,
        orders: Sequence[OrderSpec],
        workers: Sequence[WorkerSpec],
        options: Options,
        *,
        all_or_nothing: bool,
    ) -> Proposal | None:
        import pyvrp
        import pyvrp.stop

        n_w, n_o = len(workers), len(orders)
        # Locations: each worker's start, one shared free "end" (routes are open), the orders.
        end = n_w
        src = [ctx.point_of_worker(w.id) for w in workers] + [
            ctx.point_of_order(o.id) for o in orders
        ]
        real = [*range(n_w), *range(n_w + 1, n_w + 1 + n_o)]
        horizon = max(w.shift_end for w in workers) - min(w.shift_start for w in workers)
        forbidden = 4 * (horizon + max(o.deadline for o in orders)) + 10**6
        size = n_w + 1 + n_o
        base = np.full((size, size), forbidden, dtype=np.int64)
        base[np.ix_(real, real)] = ctx.matrix.seconds[np.ix_(src, src)]
        base[:, end] = 0
        np.fill_diagonal(base, 0)

        groups = _groups(ctx, orders, workers)
        # Profile 0 is the plain matrix (PyVRP takes its neighbourhoods from it); then one
        # profile per group of workers who may take the same orders.
        matrices: list[Any] = [base]  # PyVRP's stubs want ndarray[int, …]
        profile_of: dict[int, int] = {}
        col = {o.id: n_w + 1 + i for i, o in enumerate(orders)}
        for allowed, members in groups.items():
            m = base.copy()
            banned = [col[o.id] for o in orders if o.id not in allowed]
            if banned:
                m[:, banned] = forbidden
                np.fill_diagonal(m, 0)
            matrices.append(m)
            for w in members:
                profile_of[w.id] = len(matrices) - 1

        max_travel = int(base[np.ix_(real, real)].max()) if size > 1 else 0
        share = _fair_share(orders, workers)
        balance = round(COST_SCALE * max(0.0, options.balance_weight))
        # Prizes matter only when not every order fits. A normal order is worth more than any
        # detour it causes; an urgent one as much as URGENT_WEIGHT normal ones. (A strictly
        # lexicographic prize would need penalties beyond PyVRP's range; `repair` in the
        # optimiser makes sure an urgent order that can be covered is.)
        normal_prize = COST_SCALE * (3 * max_travel + 1) + balance * horizon + 1000
        urgent_prize = normal_prize * URGENT_WEIGHT

        locations = [pyvrp.Location(x=0.0, y=0.0) for _ in range(size)]
        for k, w in enumerate(workers):
            locations[k] = pyvrp.Location(x=w.lng, y=w.lat)
        for i, o in enumerate(orders):
            locations[n_w + 1 + i] = pyvrp.Location(x=o.lng, y=o.lat)
        depots = [pyvrp.Depot(location=k) for k in range(n_w + 1)]

        def clients(required: bool) -> list[pyvrp.Client]:
            return [
                pyvrp.Client(
                    location=n_w + 1 + i,
                    delivery=[1],
                    service_duration=o.service,
                    tw_early=o.earliest,
                    tw_late=o.latest_start,
                    prize=urgent_prize if o.urgent else normal_prize,
                    required=required,
                    name=str(o.id),
                )
                for i, o in enumerate(orders)
            ]

        def vehicle_types(balanced: bool) -> list[pyvrp.VehicleType]:
            types = []
            for k, w in enumerate(workers):
                length = w.shift_end - w.shift_start
                nominal = min(length, share) if balanced and balance else length
                types.append(
                    pyvrp.VehicleType(
                        num_available=1,
                        capacity=[w.capacity],
                        start_depot=k,
                        end_depot=end,
                        tw_early=w.shift_start,
                        tw_late=w.shift_end,
                        shift_duration=nominal,
                        max_overtime=length - nominal,
                        unit_overtime_cost=balance if balanced else 0,
                        unit_distance_cost=COST_SCALE,
                        profile=profile_of[w.id],
                        name=str(w.id),
                    )
                )
            return types

        def data(*, required: bool, balanced: bool) -> pyvrp.ProblemData:
            return pyvrp.ProblemData(
                locations,
                clients(required),
                depots,
                vehicle_types(balanced),
                matrices,
                list(matrices),
            )

        def carried(solution: pyvrp.Solution, onto: pyvrp.ProblemData) -> pyvrp.Solution:
            """The same routes as a solution of another variant of the problem."""
            return pyvrp.Solution(
                onto,
                [
                    pyvrp.Route(
                        onto,
                        [pyvrp.Activity(client, a.idx) for a in r.schedule() if a.type == client],
                        r.vehicle_type(),
                    )
                    for r in solution.routes()
                ],
            )

        # When every order can be placed, PyVRP finds such a plan much sooner with every order
        # required (and balance ignored) than as a prize-collecting problem. So: first look for
        # a plan with all of them (unless their work alone overfills the shifts); if there is
        # one, spend the rest of the budget improving it, balance included; if none turns up in
        # half the budget, collect prizes (serve what fits, urgent first) instead — or, with
        # `all_or_nothing`, hand back None so that the caller can try another solver.
        client = pyvrp.ActivityType.CLIENT
        finish_by = time.perf_counter() + options.time_budget_s
        result = None
        if sum(o.service for o in orders) <= sum(w.shift_end - w.shift_start for w in workers):
            result = pyvrp.solve(
                data(required=True, balanced=False),
                stop=pyvrp.stop.MultipleCriteria(
                    [pyvrp.stop.FirstFeasible(), pyvrp.stop.MaxRuntime(options.time_budget_s / 2)]
                ),
                seed=options.seed,
                collect_stats=False,
            )
        left = max(0.05, finish_by - time.perf_counter())
        if result is not None and result.is_feasible():
            everything = data(required=True, balanced=True)
            result = pyvrp.solve(
                everything,
                stop=pyvrp.stop.MaxRuntime(left),
                seed=options.seed,
                collect_stats=False,
                initial_solution=carried(result.best, everything),
            )
        elif all_or_nothing:
            return None
        else:
            result = pyvrp.solve(
                data(required=False, balanced=True),
                stop=pyvrp.stop.MaxRuntime(left),
                seed=options.seed,
                collect_stats=False,
                # Prizes are large next to travel: let time-window penalties grow past them.
                params=pyvrp.SolveParams(penalty=pyvrp.PenaltyParams(max_penalty=1e9)),
            )
        if not result.is_feasible():
            return {}
        proposal: Proposal = {}
        for route in result.best.routes():
            worker = workers[route.vehicle_type()]
            proposal[worker.id] = [orders[a.idx].id for a in route.schedule() if a.type == client]
        return proposal


class VroomSolver:
    name = "vroom"

    def __init__(self, exploration_level: int = 5, threads: int = 2) -> None:
        self.exploration_level = exploration_level
        self.threads = threads

    def solve(
        self,
        ctx: Context,
        orders: Sequence[OrderSpec],
        workers: Sequence[WorkerSpec],
        options: Options,
    ) -> Proposal:
        import vroom

        if not orders or not workers:
            return {}
        src = [ctx.point_of_worker(w.id) for w in workers] + [
            ctx.point_of_order(o.id) for o in orders
        ]
        problem = vroom.Input()
        problem.set_durations_matrix(
            profile="car", matrix_input=ctx.matrix.seconds[np.ix_(src, src)].astype(np.uint32)
        )
        skill_of: dict[frozenset[int], int] = {}
        for o in orders:
            skill_of.setdefault(ctx.compat[o.id], len(skill_of) + 1)
        for k, w in enumerate(workers):
            problem.add_vehicle(
                vroom.Vehicle(
                    id=k,
                    start=k,
                    capacity=[w.capacity],
                    skills={s for ids, s in skill_of.items() if w.id in ids},
                    time_window=vroom.TimeWindow(w.shift_start, w.shift_end),
                )
            )
        for i, o in enumerate(orders):
            problem.add_job(
                vroom.Job(
                    id=i,
                    location=len(workers) + i,
                    default_service=o.service,
                    delivery=[1],
                    skills={skill_of[ctx.compat[o.id]]},
                    priority=100 if o.urgent else 0,
                    time_windows=[vroom.TimeWindow(o.earliest, o.latest_start)],
                )
            )
        solution = problem.solve(
            exploration_level=self.exploration_level,
            nb_threads=self.threads,
            timeout=timedelta(seconds=options.time_budget_s),
        ).to_dict()
        return {
            workers[r["vehicle"]].id: [orders[s["id"]].id for s in r["steps"] if s["type"] == "job"]
            for r in solution.get("routes", [])
        }


class GreedySolver:
    """What a busy dispatcher does: urgent orders first, then by deadline, each to the nearest
    eligible worker (from where his last order leaves him) who can still make it in time."""

    name = "greedy"

    def solve(
        self,
        ctx: Context,
        orders: Sequence[OrderSpec],
        workers: Sequence[WorkerSpec],
        options: Options,
    ) -> Proposal:
        state = {w.id: (ctx.point_of_worker(w.id), w.shift_start, 0) for w in workers}
        proposal: Proposal = defaultdict(list)
        for o in sorted(orders, key=lambda o: (not o.urgent, o.deadline, o.id)):
            there = ctx.point_of_order(o.id)
            best = None
            for w in workers:
                if w.id not in ctx.compat[o.id]:
                    continue
                here, t, count = state[w.id]
                if count >= w.capacity:
                    continue
                travel = int(ctx.matrix.seconds[here, there])
                finish = max(t + travel, o.earliest) + o.service
                if finish <= min(o.deadline, w.shift_end) and (
                    best is None or (travel, w.id) < best[0]
                ):
                    best = ((travel, w.id), w, finish)
            if best is not None:
                _key, w, finish = best
                state[w.id] = (there, finish, state[w.id][2] + 1)
                proposal[w.id].append(o.id)
        return dict(proposal)


SOLVERS: dict[str, type[Solver]] = {
    "pyvrp": PyVRPSolver,
    "vroom": VroomSolver,
    "greedy": GreedySolver,
}


def get_solver(name: str) -> Solver:
    try:
        return SOLVERS[name]()
    except KeyError:
        raise ValueError(f"unknown solver {name!r}; one of {sorted(SOLVERS)}") from None
