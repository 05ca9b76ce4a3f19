"""Timelines and the check every plan passes before anyone sees it.

Whatever a solver proposes, the plan's times are recomputed here from our own travel matrix,
and a stop that breaks a rule — a worker who may not take the order, an order served twice,
a deadline or the end of a shift missed, more orders than the worker may take — is taken out
of the plan. Solvers are fast and clever; this file is slow and simple, and it has the last word.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .matrix import MatrixProvider, TravelMatrix
from .problem import OrderSpec, Problem, Reason, Stop, WorkerSpec


@dataclass
class Context:
    """A problem with its travel matrix. Point k < W is worker k's start; W + i is order i."""

    problem: Problem
    matrix: TravelMatrix
    workers: list[WorkerSpec] = field(init=False)
    orders: list[OrderSpec] = field(init=False)
    worker_index: dict[int, int] = field(init=False)
    order_index: dict[int, int] = field(init=False)
    compat: dict[int, frozenset[int]] = field(init=False)

    def __post_init__(self) -> None:
        self.workers = list(self.problem.workers)
        self.orders = list(self.problem.orders)
        self.worker_index = {w.id: k for k, w in enumerate(self.workers)}
        self.order_index = {o.id: i for i, o in enumerate(self.orders)}
        if len(self.worker_index) != len(self.workers) or len(self.order_index) != len(self.orders):
            raise ValueError("worker and order ids must be unique")
        self.compat = self.problem.compatibility()

    @classmethod
    def build(cls, problem: Problem, provider: MatrixProvider) -> Context:
        points = [(w.lat, w.lng) for w in problem.workers] + [
            (o.lat, o.lng) for o in problem.orders
        ]
        return cls(problem=problem, matrix=provider.matrix(points))

    def point_of_worker(self, worker_id: int) -> int:
        return self.worker_index[worker_id]

    def point_of_order(self, order_id: int) -> int:
        return len(self.workers) + self.order_index[order_id]

    def order(self, order_id: int) -> OrderSpec:
        return self.orders[self.order_index[order_id]]

    def worker(self, worker_id: int) -> WorkerSpec:
        return self.workers[self.worker_index[worker_id]]

    def direct_finish(self, worker: WorkerSpec, order: OrderSpec) -> int:
        """When `worker` would finish `order` going straight there at the start of his shift."""
        travel = int(
            self.matrix.seconds[self.point_of_worker(worker.id), self.point_of_order(order.id)]
        )
        return max(worker.shift_start + travel, order.earliest) + order.service

    def can_reach(self, worker: WorkerSpec, order: OrderSpec) -> bool:
        return self.direct_finish(worker, order) <= min(order.deadline, worker.shift_end)


def timeline(ctx: Context, worker: WorkerSpec, order_ids: Sequence[int]) -> list[Stop]:
    """Arrival, start and departure at each stop, leaving from the worker's start at his shift's
    start and waiting where an order may not start yet."""
    stops = []
    t, here = worker.shift_start, ctx.point_of_worker(worker.id)
    for order_id in order_ids:
        order = ctx.order(order_id)
        there = ctx.point_of_order(order_id)
        travel_s = int(ctx.matrix.seconds[here, there])
        arrival = t + travel_s
        start = max(arrival, order.earliest)
        departure = start + order.service
        stops.append(
            Stop(
                order_id=order_id,
                arrival=arrival,
                start=start,
                departure=departure,
                travel_s=travel_s,
                travel_m=int(ctx.matrix.metres[here, there]),
                urgent=order.urgent,
                late=departure > order.deadline,
            )
        )
        t, here = departure, there
    return stops


def _first_time_violation(worker: WorkerSpec, stops: Sequence[Stop]) -> int | None:
    for n, stop in enumerate(stops):
        if stop.late or stop.departure > worker.shift_end:
            return n
    return None


@dataclass(frozen=True)
class CheckedRoutes:
    routes: dict[int, list[Stop]]  # worker id → stops, every rule kept
    rejected: list[int]  # order ids taken out


def enforce(ctx: Context, proposed: dict[int, list[int]]) -> CheckedRoutes:
    """Keep of `proposed` (worker id → order ids in visiting order) only what breaks no rule.

    After a stop is taken out the route is timed and checked again, until nothing breaks.
    """
    seen: set[int] = set()
    rejected: list[int] = []
    routes: dict[int, list[Stop]] = {}
    for worker_id, order_ids in proposed.items():
        if worker_id not in ctx.worker_index:
            rejected.extend(o for o in order_ids if o in ctx.order_index and o not in seen)
            continue
        worker = ctx.worker(worker_id)
        kept: list[int] = []
        for order_id in order_ids:
            if order_id not in ctx.order_index or order_id in seen:
                continue
            seen.add(order_id)
            if worker_id in ctx.compat[order_id]:
                kept.append(order_id)
            else:
                rejected.append(order_id)
        while len(kept) > worker.capacity:
            rejected.append(kept.pop())
        stops = timeline(ctx, worker, kept)
        while (bad := _first_time_violation(worker, stops)) is not None:
            rejected.append(kept.pop(bad))
            stops = timeline(ctx, worker, kept)
        if stops:
            routes[worker_id] = stops
    return CheckedRoutes(routes=routes, rejected=rejected)


def unplaced_reason(ctx: Context, order: OrderSpec, load: dict[int, int]) -> Reason:
    """Why `order` is in no route, given how many orders each worker got (`load`)."""
    eligible = [ctx.worker(w) for w in ctx.compat[order.id]]
    if not eligible:
        return Reason.NO_ELIGIBLE_WORKER
    reachable = [w for w in eligible if ctx.can_reach(w, order)]
    if not reachable:
        return Reason.NO_TIME_LEFT
    if all(load.get(w.id, 0) >= w.capacity for w in reachable):
        return Reason.CAPACITY
    return Reason.WORKERS_BUSY


def violations(ctx: Context, routes: Iterable[tuple[int, Sequence[Stop]]]) -> list[str]:
    """Every rule a finished plan breaks, in words (empty for a good plan). For tests and the
    benchmark: `enforce` has already removed all of these from any plan it returns."""
    found = []
    seen: set[int] = set()
    for worker_id, stops in routes:
        worker = ctx.worker(worker_id)
        if len(stops) > worker.capacity:
            found.append(f"worker {worker_id}: {len(stops)} orders > capacity {worker.capacity}")
        fresh = timeline(ctx, worker, [s.order_id for s in stops])
        for stop, again in zip(stops, fresh, strict=True):
            order = ctx.order(stop.order_id)
            if stop.order_id in seen:
                found.append(f"order {stop.order_id} planned twice")
            seen.add(stop.order_id)
            if worker_id not in ctx.compat[order.id]:
                found.append(f"order {order.id}: worker {worker_id} is not eligible")
            if stop != again:
                found.append(f"order {order.id}: times do not follow from travel")
            if again.start < order.earliest or again.departure > order.deadline:
                found.append(f"order {order.id}: outside its time window")
            if again.departure > worker.shift_end:
                found.append(f"order {order.id}: after worker {worker_id}'s shift")
    return found


def _feasible(ctx: Context, worker: WorkerSpec, order_ids: Sequence[int]) -> int | None:
    """Travel seconds of the route if it keeps every time rule, else None (fast path of
    `timeline` for the repair loops)."""
    t, here, travel = worker.shift_start, ctx.point_of_worker(worker.id), 0
    seconds = ctx.matrix.seconds
    for order_id in order_ids:
        order = ctx.order(order_id)
        there = ctx.point_of_order(order_id)
        leg = int(seconds[here, there])
        t = max(t + leg, order.earliest) + order.service
        if t > order.deadline or t > worker.shift_end:
            return None
        travel += leg
        here = there
    return travel


def _best_insertion(
    ctx: Context, worker: WorkerSpec, route: list[int], order_id: int
) -> tuple[int, int] | None:
    """(added travel, position) of the cheapest feasible place for `order_id` in `route`."""
    base = _feasible(ctx, worker, route)
    if base is None:
        return None
    best = None
    for pos in range(len(route) + 1):
        cost = _feasible(ctx, worker, [*route[:pos], order_id, *route[pos:]])
        if cost is not None and (best is None or cost - base < best[0]):
            best = (cost - base, pos)
    return best


def repair(ctx: Context, routes: dict[int, list[int]], candidates: Sequence[OrderSpec]) -> None:
    """Insert left-over orders where they fit (in place), urgent ones first.

    An urgent order that fits nowhere may push out normal orders: from the eligible worker for
    whom that costs the fewest normal orders. Pushed-out orders are tried elsewhere in turn.
    Every route stays within eligibility, capacity, deadlines and shifts.
    """
    queue = sorted(candidates, key=lambda o: (not o.urgent, o.deadline, o.id))
    while queue:
        order = queue.pop(0)
        eligible = [ctx.worker(w) for w in sorted(ctx.compat[order.id])]
        best = None
        for w in eligible:
            route = routes.get(w.id, [])
            if len(route) >= w.capacity:
                continue
            found = _best_insertion(ctx, w, route, order.id)
            if found is not None and (best is None or found[0] < best[0]):
                best = (found[0], w.id, found[1])
        if best is not None:
            _cost, worker_id, pos = best
            routes.setdefault(worker_id, []).insert(pos, order.id)
            continue
        if not order.urgent:
            continue
        bump = _bump_for_urgent(ctx, routes, order, eligible)
        if bump is not None:
            worker_id, new_route, pushed = bump
            routes[worker_id] = new_route
            queue = sorted(
                [*queue, *(ctx.order(o) for o in pushed)],
                key=lambda o: (not o.urgent, o.deadline, o.id),
            )


def _bump_for_urgent(
    ctx: Context, routes: dict[int, list[int]], urgent: OrderSpec, eligible: list[WorkerSpec]
) -> tuple[int, list[int], list[int]] | None:
    """The route change that takes `urgent` in by pushing out the fewest normal orders."""
    best: tuple[int, int, int, list[int], list[int]] | None = None
    for w in eligible:
        if not ctx.can_reach(w, urgent):
            continue
        route = routes.get(w.id, [])
        normal = [o for o in route if not ctx.order(o).urgent]
        # Push out one normal order, else all of them (keeping his other urgent ones).
        options = [[o] for o in normal] + ([normal] if len(normal) > 1 else [])
        for pushed in options:
            rest = [o for o in route if o not in pushed]
            found = _best_insertion(ctx, w, rest, urgent.id)
            if found is None or len(rest) + 1 > w.capacity:
                continue
            new_route = [*rest[: found[1]], urgent.id, *rest[found[1] :]]
            key = (len(pushed), found[0], w.id)
            if best is None or key < best[:3]:
                best = (*key, new_route, pushed)
    if best is None:
        return None
    return best[2], best[3], best[4]


def _work(ctx: Context, worker: WorkerSpec, route: Sequence[int]) -> int:
    """Seconds from the start of his shift until his last order is done."""
    if not route:
        return 0
    return timeline(ctx, worker, route)[-1].departure - worker.shift_start


def rebalance(
    ctx: Context, routes: dict[int, list[int]], *, weight: float, workers: Sequence[WorkerSpec]
) -> int:
    """Move orders off the longest days where that is worth it (in place); returns the moves.

    Cost of a plan = travel seconds + weight × Σ seconds each worker works past the mean
    working day, the same trade-off the PyVRP back-end models with overtime. A move takes an
    order from a worker past the mean to the cheapest feasible place in another eligible
    worker's route, and is made when it lowers that cost. Every rule stays kept.
    """
    if weight <= 0 or len(workers) < 2:
        return 0
    moves = 0
    for _round in range(200):
        work = {w.id: _work(ctx, w, routes.get(w.id, [])) for w in workers}
        share = sum(work.values()) / len(workers)

        def over(seconds: int, _share: float = share) -> float:
            return max(0.0, seconds - _share)

        best: tuple[float, int, int, int, int] | None = None  # gain, order, from, to, pos
        for w in sorted(workers, key=lambda w: -work[w.id]):
            if work[w.id] <= share:
                break
            route = routes.get(w.id, [])
            for order_id in route:
                rest = [o for o in route if o != order_id]
                before_travel = _feasible(ctx, w, route) or 0
                after_travel = _feasible(ctx, w, rest)
                if after_travel is None:
                    continue
                saved = (
                    before_travel
                    - after_travel
                    + weight * (over(work[w.id]) - over(_work(ctx, w, rest)))
                )
                for other_id in sorted(ctx.compat[order_id]):
                    if other_id == w.id or other_id not in work:
                        continue
                    other = ctx.worker(other_id)
                    target = routes.get(other_id, [])
                    if len(target) >= other.capacity:
                        continue
                    found = _best_insertion(ctx, other, target, order_id)
                    if found is None:
                        continue
                    added, pos = found
                    grown = [*target[:pos], order_id, *target[pos:]]
                    cost = added + weight * (over(_work(ctx, other, grown)) - over(work[other_id]))
                    gain = saved - cost
                    if gain > 1 and (best is None or gain > best[0]):
                        best = (gain, order_id, w.id, other_id, pos)
        if best is None:
            break
        _gain, order_id, src, dst, pos = best
        routes[src].remove(order_id)
        routes.setdefault(dst, []).insert(pos, order_id)
        moves += 1
    return moves
