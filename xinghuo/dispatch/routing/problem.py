"""The optimiser's own vocabulary: what goes in (orders, workers, options) and what comes out
(a plan of routes and the orders left over, each with its reason).

Nothing here knows Django or a solver library. Times are whole seconds from the plan's start
(t = 0, usually "now"); positions are WGS-84 degrees.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Reason(StrEnum):
    """Why an order is not in any route."""

    # Nobody may take it (region, role, skills, certification) — or nobody is on shift.
    NO_ELIGIBLE_WORKER = "no_eligible_worker"
    # No eligible worker can get there and finish before its deadline (or his shift's end),
    # even going straight there first.
    NO_TIME_LEFT = "no_time_left"
    # Every eligible worker who could make it already has as many orders as he may take.
    CAPACITY = "capacity"
    # Eligible workers could make it, but their day is taken by orders that rank higher
    # (urgent ones, or a set that together serves more orders).
    WORKERS_BUSY = "workers_busy"
    # The solver proposed it in a way our own check refused (never expected; kept out of the plan).
    REJECTED_BY_CHECK = "rejected_by_check"


@dataclass(frozen=True)
class OrderSpec:
    """An open order to place. `deadline` is when the work must be finished."""

    id: int
    lat: float
    lng: float
    deadline: int
    earliest: int = 0
    service: int = 3600
    urgent: bool = False
    role_id: int | None = None
    skill_ids: frozenset[int] = frozenset()
    # When given, exactly the workers who may take the order (the caller computed eligibility,
    # e.g. with `dispatch.selectors.workers_eligible_for_order`); role and skills are then ignored.
    eligible_worker_ids: frozenset[int] | None = None

    @property
    def latest_start(self) -> int:
        return self.deadline - self.service


@dataclass(frozen=True)
class WorkerSpec:
    """A worker available for the plan, from where he stands now until his shift ends."""

    id: int
    lat: float
    lng: float
    shift_start: int = 0
    shift_end: int = 10 * 3600
    capacity: int = 8  # at most this many more orders
    role_id: int | None = None
    skill_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Options:
    """How hard to look and how to weigh workload balance against travel.

    balance_weight: cost, in travel-seconds, of each second a worker's route runs past the fair
    share of the day's work (0 switches balancing off; 1 makes an hour of imbalance worth an
    hour of driving).
    """

    time_budget_s: float = 1.0
    balance_weight: float = 0.3
    seed: int = 0
    solver: str = "vroom"  # or "pyvrp", "greedy" (routing.solvers; measured in bench/)
    # Insert what the solver left out where it still fits (urgent first, pushing out normal
    # orders if need be). Off only to measure a solver on its own.
    repair: bool = True


@dataclass(frozen=True)
class Problem:
    orders: Sequence[OrderSpec]
    workers: Sequence[WorkerSpec]

    def compatible(self, order: OrderSpec, worker: WorkerSpec) -> bool:
        """Whether `worker` may take `order` (the one eligibility test of the optimiser)."""
        if order.eligible_worker_ids is not None:
            return worker.id in order.eligible_worker_ids
        if order.role_id is not None and order.role_id != worker.role_id:
            return False
        return order.skill_ids <= worker.skill_ids

    def compatibility(self) -> dict[int, frozenset[int]]:
        """order id → ids of the workers who may take it."""
        return {
            o.id: frozenset(w.id for w in self.workers if self.compatible(o, w))
            for o in self.orders
        }


@dataclass(frozen=True)
class Stop:
    order_id: int
    arrival: int  # when he gets there
    start: int  # when work starts (after waiting for the order's earliest start)
    departure: int  # when work is done
    travel_s: int  # from the previous stop (or his start)
    travel_m: int
    urgent: bool = False
    late: bool = False  # finishes after the deadline (only in a worker's own day, never planned)


@dataclass(frozen=True)
class Route:
    worker_id: int
    stops: tuple[Stop, ...]

    @property
    def travel_s(self) -> int:
        return sum(s.travel_s for s in self.stops)

    @property
    def travel_m(self) -> int:
        return sum(s.travel_m for s in self.stops)

    @property
    def end(self) -> int | None:
        return self.stops[-1].departure if self.stops else None


@dataclass(frozen=True)
class Unassigned:
    order_id: int
    reason: Reason
    urgent: bool = False


@dataclass(frozen=True)
class Plan:
    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    solver: str
    solve_ms: int
    # The moment t = 0 stands for, when the caller gave one (times stay seconds otherwise).
    starts_at: datetime | None = None

    def at(self, seconds: int) -> datetime:
        assert self.starts_at is not None
        return self.starts_at + timedelta(seconds=seconds)

    @property
    def assignments(self) -> list[tuple[int, int]]:
        """(order id, worker id) for every planned stop, route by route."""
        return [(s.order_id, r.worker_id) for r in self.routes for s in r.stops]

    @property
    def total_travel_s(self) -> int:
        return sum(r.travel_s for r in self.routes)

    @property
    def total_travel_m(self) -> int:
        return sum(r.travel_m for r in self.routes)

    @property
    def late_count(self) -> int:
        return sum(1 for r in self.routes for s in r.stops if s.late)
