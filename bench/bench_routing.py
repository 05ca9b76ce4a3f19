"""Routing benchmark: the optimiser's solver on the Solomon VRPTW instances, a generated day of
the demo city, and the interactive case. See bench/README_routing.md.

    .venv/bin/python bench/bench_routing.py [--instances bench/solomon] [--budget 5]
    make bench-routing [INSTANCES=path/to/folder] [BUDGET=5]

1. Solomon: every `*.txt` in the folder (Solomon's format, `bks.json` beside them) is solved by
   the chosen solver (PyVRP) and by the baseline library (VROOM; `--baselines vroom,ortools`
   adds OR-Tools) with the same wall-clock budget. Each solution is checked by this script
   (every customer served once, capacity, time windows, the depot's horizon, the fleet size)
   and its distance recomputed at full precision (Euclidean, no rounding), then compared with
   the best-known distance. A solver whose solution fails the check scores no gap.
2. The demo city: 200 orders (20% urgent) with roles, skills and areas over 40 workers, through
   the app's own optimiser (`xinghuo.dispatch.routing.optimise`), against a greedy
   nearest-eligible-worker dispatcher.
3. Interactive: 30 orders over 10 workers, wall time of `optimise` (target < 300 ms).

The last line printed is `mean gap X% max time Y s` for the chosen solver on the Solomon set.
Results also go to bench/results/routing-<date>.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import statistics
import sys
import time
import warnings
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS_DIR = ROOT / "bench" / "results"
# The solver chosen for the VRPTW benchmark (the last line reports it). Dispatch itself plans
# with VROOM by default: see bench/README_routing.md for the measurements behind both choices.
CHOSEN = "pyvrp"
# Solomon times and distances are given to the solvers as integers in 1/SCALE units. Travel
# times are rounded *up*, so that a schedule feasible for the solver is feasible at full
# precision too; the distance they minimise is rounded to the nearest unit.
SCALE = 1000
EPS = 1e-6

# --- Solomon -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instance:
    name: str
    vehicles: int
    capacity: int
    # node 0 is the depot: (x, y, demand, ready, due, service)
    nodes: list[tuple[float, float, int, float, float, float]]

    @property
    def size(self) -> int:
        return len(self.nodes)

    def euclid(self) -> np.ndarray:
        xy = np.array([(n[0], n[1]) for n in self.nodes], dtype=float)
        return np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))


def read_solomon(path: Path) -> Instance:
    lines = [line.split() for line in path.read_text().splitlines()]
    vehicles = capacity = None
    nodes = []
    for i, parts in enumerate(lines):
        if parts[:2] == ["NUMBER", "CAPACITY"]:
            vehicles, capacity = (int(x) for x in lines[i + 1][:2])
        elif len(parts) == 7 and all(p.replace(".", "", 1).isdigit() for p in parts):
            _id, x, y, demand, ready, due, service = (float(p) for p in parts)
            nodes.append((x, y, int(demand), ready, due, service))
    if vehicles is None or capacity is None or len(nodes) < 2:
        raise ValueError(f"{path} is not in Solomon's format")
    return Instance(path.stem, vehicles, capacity, nodes)


def check_solomon(inst: Instance, routes: list[list[int]]) -> tuple[list[str], float]:
    """Problems with `routes` (customer numbers 1…n per vehicle), and the distance at full
    precision."""
    problems = []
    served = [c for r in routes for c in r]
    missing = set(range(1, inst.size)) - set(served)
    if missing:
        problems.append(f"{len(missing)} customers not served")
    if len(served) != len(set(served)):
        problems.append("a customer served twice")
    if any(not 1 <= c < inst.size for c in served):
        problems.append("unknown customer")
        return problems, math.inf
    if len([r for r in routes if r]) > inst.vehicles:
        problems.append(f"{len(routes)} routes > {inst.vehicles} vehicles")
    d = inst.euclid()
    total = 0.0
    depot = inst.nodes[0]
    for r in routes:
        if not r:
            continue
        if sum(inst.nodes[c][2] for c in r) > inst.capacity:
            problems.append("capacity exceeded")
        t, here = depot[3], 0
        for c in r:
            _x, _y, _q, ready, due, service = inst.nodes[c]
            t = max(t + d[here, c], ready)
            if t > due + EPS:
                problems.append(f"customer {c} served at {t:.3f} > due {due}")
            t += service
            total += d[here, c]
            here = c
        total += d[here, 0]
        if t + d[here, 0] > depot[4] + EPS:
            problems.append(f"route back at the depot at {t + d[here, 0]:.3f} > {depot[4]}")
    return problems, total


def solve_pyvrp(inst: Instance, budget: float, seed: int = 0) -> list[list[int]]:
    import pyvrp
    import pyvrp.stop

    d = inst.euclid()
    dist = np.rint(d * SCALE).astype(np.int64)
    dur = np.ceil(d * SCALE - 1e-9).astype(np.int64)
    np.fill_diagonal(dur, 0)
    s = SCALE
    depot = inst.nodes[0]
    locations = [pyvrp.Location(x=n[0], y=n[1]) for n in inst.nodes]
    clients = [
        pyvrp.Client(
            location=i,
            delivery=[n[2]],
            service_duration=round(n[5] * s),
            tw_early=round(n[3] * s),
            tw_late=round(n[4] * s),
        )
        for i, n in enumerate(inst.nodes)
        if i > 0
    ]
    vehicle = pyvrp.VehicleType(
        num_available=inst.vehicles,
        capacity=[inst.capacity],
        tw_early=round(depot[3] * s),
        tw_late=round(depot[4] * s),
    )
    data = pyvrp.ProblemData(
        locations,
        clients,
        [pyvrp.Depot(location=0, tw_early=round(depot[3] * s), tw_late=round(depot[4] * s))],
        [vehicle],
        [dist],
        [dur],
    )
    result = pyvrp.solve(data, stop=pyvrp.stop.MaxRuntime(budget), seed=seed, collect_stats=False)
    client = pyvrp.ActivityType.CLIENT
    # Client k (0-based) sits at location k + 1, its Solomon number.
    return [[a.idx + 1 for a in r.schedule() if a.type == client] for r in result.best.routes()]


def solve_vroom(inst: Instance, budget: float, seed: int = 0) -> list[list[int]]:
    import vroom

    d = inst.euclid()
    s = SCALE
    depot = inst.nodes[0]
    problem = vroom.Input()
    problem.set_durations_matrix(
        profile="car", matrix_input=np.ceil(d * s - 1e-9).astype(np.uint32)
    )
    problem.set_costs_matrix(profile="car", matrix_input=np.rint(d * s).astype(np.uint32))
    for k in range(inst.vehicles):
        problem.add_vehicle(
            vroom.Vehicle(
                id=k,
                start=0,
                end=0,
                capacity=[inst.capacity],
                time_window=vroom.TimeWindow(round(depot[3] * s), round(depot[4] * s)),
            )
        )
    for i, n in enumerate(inst.nodes):
        if i == 0:
            continue
        problem.add_job(
            vroom.Job(
                id=i,
                location=i,
                default_service=round(n[5] * s),
                delivery=[n[2]],
                time_windows=[vroom.TimeWindow(round(n[3] * s), round(n[4] * s))],
            )
        )
    solution = problem.solve(
        exploration_level=5, nb_threads=2, timeout=timedelta(seconds=budget)
    ).to_dict()
    return [
        [step["id"] for step in r["steps"] if step["type"] == "job"]
        for r in solution.get("routes", [])
    ]


def solve_ortools(inst: Instance, budget: float, seed: int = 0) -> list[list[int]]:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    d = inst.euclid()
    s = SCALE
    cost = np.rint(d * s).astype(np.int64)
    travel = np.ceil(d * s - 1e-9).astype(np.int64)
    manager = pywrapcp.RoutingIndexManager(inst.size, inst.vehicles, 0)
    routing = pywrapcp.RoutingModel(manager)
    service = [round(n[5] * s) for n in inst.nodes]

    def cost_cb(i: int, j: int) -> int:
        return int(cost[manager.IndexToNode(i), manager.IndexToNode(j)])

    def time_cb(i: int, j: int) -> int:
        a, b = manager.IndexToNode(i), manager.IndexToNode(j)
        return int(service[a] + travel[a, b])

    def demand_cb(i: int) -> int:
        return inst.nodes[manager.IndexToNode(i)][2]

    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitCallback(cost_cb))
    horizon = round(inst.nodes[0][4] * s)
    routing.AddDimension(routing.RegisterTransitCallback(time_cb), horizon, horizon, False, "t")
    time_dim = routing.GetDimensionOrDie("t")
    for node in range(1, inst.size):
        time_dim.CumulVar(manager.NodeToIndex(node)).SetRange(
            round(inst.nodes[node][3] * s), round(inst.nodes[node][4] * s)
        )
    routing.AddDimensionWithVehicleCapacity(
        routing.RegisterUnaryTransitCallback(demand_cb),
        0,
        [inst.capacity] * inst.vehicles,
        True,
        "load",
    )
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    )
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(int(budget * 1000))
    solution = routing.SolveWithParameters(params)
    if solution is None:
        return []
    routes = []
    for v in range(inst.vehicles):
        i, route = routing.Start(v), []
        while not routing.IsEnd(i):
            node = manager.IndexToNode(i)
            if node:
                route.append(node)
            i = solution.Value(routing.NextVar(i))
        if route:
            routes.append(route)
    return routes


SOLOMON_SOLVERS = {"pyvrp": solve_pyvrp, "vroom": solve_vroom, "ortools": solve_ortools}


def run_solomon(folder: Path, budget: float, solvers: list[str]) -> dict[str, Any]:
    bks_path = folder / "bks.json"
    bks = json.loads(bks_path.read_text()) if bks_path.exists() else {}
    files = sorted(folder.glob("*.txt"))
    if not files:
        raise SystemExit(f"no Solomon instances (*.txt) in {folder}")
    # The solver is given the budget less the time to build its model (measured at ~30 ms),
    # so that the wall time it is charged with stays within the budget.
    inner = max(0.1, budget - 0.1)
    rows = []
    header = f"{'instance':10} " + " ".join(
        f"{name + ' veh':>10} {name + ' dist':>12} {'gap':>7} {'time':>6}" for name in solvers
    )
    print(f"Solomon VRPTW, {len(files)} instances from {folder}, budget {budget:g} s each")
    print(header + f" {'bks':>9}")
    for path in files:
        inst = read_solomon(path)
        best = bks.get(inst.name, {}).get("best_known_distance")
        row: dict[str, Any] = {"instance": inst.name, "bks": best}
        cells = []
        for name in solvers:
            began = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                routes = SOLOMON_SOLVERS[name](inst, inner)
            wall = time.perf_counter() - began
            problems, distance = check_solomon(inst, routes)
            ok = not problems
            gap = (distance - best) / best * 100 if ok and best else None
            row[name] = {
                "vehicles": len([r for r in routes if r]),
                "distance": round(distance, 4) if ok else None,
                "gap_pct": None if gap is None else round(gap, 3),
                "time_s": round(wall, 3),
                "feasible": ok,
                "problems": problems[:5],
            }
            cells.append(
                f"{len(routes):>10} {(f'{distance:.2f}' if ok else 'INFEASIBLE'):>12} "
                f"{(f'{gap:.2f}%' if gap is not None else '-'):>7} {wall:>5.2f}s"
            )
        print(f"{inst.name:10} " + " ".join(cells) + f" {best if best else '-':>9}")
        sys.stdout.flush()
        rows.append(row)
    summary = {}
    for name in solvers:
        gaps = [r[name]["gap_pct"] for r in rows if r[name]["gap_pct"] is not None]
        summary[name] = {
            "mean_gap_pct": round(statistics.fmean(gaps), 3) if gaps else None,
            "max_gap_pct": max(gaps) if gaps else None,
            "infeasible": sum(1 for r in rows if not r[name]["feasible"]),
            "max_time_s": max(r[name]["time_s"] for r in rows),
            "mean_vehicles": round(statistics.fmean(r[name]["vehicles"] for r in rows), 2),
        }
        s = summary[name]
        print(
            f"mean {name:8} gap {s['mean_gap_pct']}%  max gap {s['max_gap_pct']}%  "
            f"infeasible {s['infeasible']}/{len(rows)}  vehicles {s['mean_vehicles']}  "
            f"max time {s['max_time_s']:.2f} s"
        )
    return {"budget_s": budget, "folder": str(folder), "rows": rows, "summary": summary}


# --- the demo city -------------------------------------------------------------------------


def demo_city(*, orders: int, workers: int, urgent_share: float, seed: int):
    """A day in the demo city (xinghuo.demo): its districts, roles, skills and order kinds.

    Workers serve their home district (half of them also a neighbour), stand somewhere in it
    and work a 10-hour shift taking at most 6 more orders. Orders come in the demo's kinds, in
    proportion to the workers able to do each kind (an employer keeps the crew its work
    needs), in the districts in proportion to the crew living there. Urgent orders (alarms:
    outages, cut fibre, power modules) are due 1–4 hours after the work itself would take; of
    the normal ones a third are due today in 4–10 hours, a fifth have an appointment (a 2-hour
    window) and the rest just need doing. Durations are the demo's own (60–300 minutes).
    """
    from xinghuo.demo.builder import DISTRICTS, NEIGHBOURS, ROLE_MIX, ROLE_SKILLS
    from xinghuo.demo.orders import TEMPLATES
    from xinghuo.dispatch.routing import OrderSpec, Problem, WorkerSpec

    rng = random.Random(seed)
    roles = [code for code, n in ROLE_MIX for _ in range(n)]
    skill_codes = sorted({s for core, extra in ROLE_SKILLS.values() for s in (*core, *extra)})
    skill_id = {code: i for i, code in enumerate(skill_codes)}
    role_id = {code: i for i, (code, _n) in enumerate(ROLE_MIX)}
    districts = {d.code: d for d in DISTRICTS}
    weights = [0.3, 0.2, 0.3, 0.2]  # the demo's: 上城, 拱墅, 西湖, 滨江

    def point_in(code: str) -> tuple[float, float]:
        min_lng, min_lat, max_lng, max_lat = districts[code].bbox
        return rng.uniform(min_lat, max_lat), rng.uniform(min_lng, max_lng)

    shift = 10 * 3600
    ws, served_by, homes = [], {}, []
    for k in range(workers):
        role = rng.choice(roles)
        home = rng.choices(list(districts), weights)[0]
        served = {home} | ({rng.choice(NEIGHBOURS[home])} if rng.random() < 0.5 else set())
        core, extra = ROLE_SKILLS[role]
        total = rng.randint(max(2, len(core)), min(4, len(core) + len(extra)))
        skills = {*core, *rng.sample(extra, total - len(core))}
        lat, lng = point_in(home)
        w = WorkerSpec(
            id=k + 1,
            lat=lat,
            lng=lng,
            shift_start=0,
            shift_end=shift,
            capacity=6,
            role_id=role_id[role],
            skill_ids=frozenset(skill_id[s] for s in skills),
        )
        ws.append(w)
        served_by[w.id] = served
        homes.append(home)

    def able(kind) -> int:
        need = frozenset(skill_id[s] for s in kind.skills)
        return sum(
            1
            for w in ws
            if (kind.role is None or w.role_id == role_id[kind.role]) and need <= w.skill_ids
        )

    urgent_kinds = [t for t in TEMPLATES if t.priority == "urgent"]
    normal_kinds = [t for t in TEMPLATES if t.priority != "urgent"]
    os_ = []
    for i in range(orders):
        urgent = rng.random() < urgent_share
        kinds = urgent_kinds if urgent else normal_kinds
        kind = rng.choices(kinds, [able(k) + 0.01 for k in kinds])[0]
        district = rng.choice(homes)
        lat, lng = point_in(district)
        service = kind.minutes * 60
        earliest, roll = 0, rng.random()
        if urgent:
            deadline = service + rng.randint(1 * 3600, 4 * 3600)
        elif roll < 1 / 3:
            deadline = rng.randint(4 * 3600, shift)
        elif roll < 1 / 3 + 1 / 5:
            earliest = rng.randrange(0, shift - 4 * 3600, 1800)
            deadline = earliest + 2 * 3600 + service
        else:
            deadline = kind.hours_to_deadline * 3600
        need_role = role_id[kind.role] if kind.role else None
        need = frozenset(skill_id[s] for s in kind.skills)
        eligible = frozenset(
            w.id
            for w in ws
            if district in served_by[w.id]
            and (need_role is None or w.role_id == need_role)
            and need <= w.skill_ids
        )
        os_.append(
            OrderSpec(
                id=10_000 + i,
                lat=lat,
                lng=lng,
                earliest=earliest,
                deadline=deadline,
                service=service,
                urgent=urgent,
                eligible_worker_ids=eligible,
            )
        )
    return Problem(orders=os_, workers=ws)


def plan_figures(problem, routes: dict[int, list[int]], seconds: float) -> dict[str, Any]:
    """Score proposed routes by our own timeline, whatever produced them."""
    from xinghuo.dispatch.routing import HaversineProvider
    from xinghuo.dispatch.routing.schedule import Context, timeline, violations

    ctx = Context.build(problem, HaversineProvider())
    stops = {w: timeline(ctx, ctx.worker(w), seq) for w, seq in routes.items() if seq}
    planned = {s.order_id for ss in stops.values() for s in ss}
    urgent = [o for o in problem.orders if o.urgent]
    reachable_urgent = [
        o for o in urgent if any(ctx.can_reach(ctx.worker(w), o) for w in ctx.compat[o.id])
    ]
    late = [s for ss in stops.values() for s in ss if s.late]
    work = [sum(s.departure - s.arrival for s in ss) for ss in stops.values()]
    return {
        "assigned": len(planned),
        "unassigned": len(problem.orders) - len(planned),
        "urgent_total": len(urgent),
        "urgent_coverable": len(reachable_urgent),
        "urgent_on_time": sum(1 for ss in stops.values() for s in ss if s.urgent and not s.late),
        "urgent_late": sum(1 for s in late if s.urgent),
        "urgent_not_covered": len(urgent)
        - sum(1 for ss in stops.values() for s in ss if s.urgent and not s.late),
        "late": len(late),
        "travel_h": round(sum(s.travel_s for ss in stops.values() for s in ss) / 3600, 2),
        "travel_km": round(sum(s.travel_m for ss in stops.values() for s in ss) / 1000, 1),
        "km_per_order": round(
            sum(s.travel_m for ss in stops.values() for s in ss) / 1000 / max(1, len(planned)), 2
        ),
        "workers_used": len(stops),
        "work_h_stdev": round(
            statistics.pstdev([*work, *[0] * (len(problem.workers) - len(work))]) / 3600, 2
        ),
        "eligibility_or_rule_violations": len(violations(ctx, list(stops.items()))),
        "time_s": round(seconds, 3),
    }


def naive_greedy(problem) -> dict[int, list[int]]:
    """A dispatcher without ETAs: urgent first, then by deadline, each order to the nearest
    eligible worker (from his last order) who still has room; no check of the clock."""
    from xinghuo.dispatch.routing import HaversineProvider
    from xinghuo.dispatch.routing.schedule import Context

    ctx = Context.build(problem, HaversineProvider())
    where = {w.id: ctx.point_of_worker(w.id) for w in ctx.workers}
    routes: dict[int, list[int]] = {}
    for o in sorted(ctx.orders, key=lambda o: (not o.urgent, o.deadline, o.id)):
        there = ctx.point_of_order(o.id)
        options = [
            (int(ctx.matrix.seconds[where[w.id], there]), w.id)
            for w in ctx.workers
            if w.id in ctx.compat[o.id] and len(routes.get(w.id, [])) < w.capacity
        ]
        if options:
            _t, wid = min(options)
            routes.setdefault(wid, []).append(o.id)
            where[wid] = there
    return routes


def run_city(budget: float, seed: int) -> dict[str, Any]:
    from xinghuo.dispatch.routing import Options, optimise
    from xinghuo.dispatch.routing.schedule import Context
    from xinghuo.dispatch.routing.solvers import GreedySolver

    problem = demo_city(orders=200, workers=40, urgent_share=0.2, seed=seed)
    results = {}

    def measure(label: str, fn) -> None:
        began = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            routes = fn()
        results[label] = plan_figures(problem, routes, time.perf_counter() - began)

    def via_optimise(solver: str, repair: bool = True):
        plan = optimise(
            problem, options=Options(time_budget_s=budget, solver=solver, repair=repair)
        )
        return {r.worker_id: [s.order_id for s in r.stops] for r in plan.routes}

    def greedy_on_time():
        from xinghuo.dispatch.routing import HaversineProvider

        ctx = Context.build(problem, HaversineProvider())
        return GreedySolver().solve(ctx, ctx.orders, ctx.workers, Options())

    measure("greedy nearest eligible (no ETA check)", lambda: naive_greedy(problem))
    measure("greedy nearest eligible, on time only", greedy_on_time)
    measure(f"vroom {budget:g} s (the app's dispatch solver)", lambda: via_optimise("vroom"))
    measure(f"pyvrp {budget:g} s (profiles, prizes)", lambda: via_optimise("pyvrp"))
    cols = [
        ("assigned", 8),
        ("unassigned", 10),
        ("urgent_not_covered", 10),
        ("urgent_late", 11),
        ("late", 5),
        ("travel_h", 8),
        ("travel_km", 9),
        ("km_per_order", 7),
        ("work_h_stdev", 9),
        ("eligibility_or_rule_violations", 10),
        ("time_s", 7),
    ]
    heads = {
        "urgent_not_covered": "urg-uncov",
        "eligibility_or_rule_violations": "violations",
        "km_per_order": "km/ord",
        "work_h_stdev": "work-sd h",
        "urgent_late": "urgent-late",
    }
    n_urgent = sum(o.urgent for o in problem.orders)
    print()
    print(
        f"Demo city: {len(problem.orders)} orders ({n_urgent} urgent) over "
        f"{len(problem.workers)} workers, 10-hour shifts, at most 6 orders each"
    )
    print(f"{'dispatcher':44}" + "".join(f"{heads.get(c, c):>{w + 1}}" for c, w in cols))
    for label, r in results.items():
        print(f"{label:44}" + "".join(f"{r[c]!s:>{w + 1}}" for c, w in cols))
    urgent_coverable = next(iter(results.values()))["urgent_coverable"]
    print(f"(urgent orders some eligible worker can reach in time: {urgent_coverable}/{n_urgent})")
    return {"orders": len(problem.orders), "workers": len(problem.workers), "results": results}


def run_interactive(seed: int, repeats: int = 10) -> dict[str, Any]:
    from xinghuo.dispatch.routing import Options, optimise

    times = []
    assigned = []
    for r in range(repeats):
        problem = demo_city(orders=30, workers=10, urgent_share=0.2, seed=seed + r)
        began = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            plan = optimise(problem, options=Options(time_budget_s=0.2))
        times.append((time.perf_counter() - began) * 1000)
        assigned.append(len(plan.assignments))
    out = {
        "orders": 30,
        "workers": 10,
        "repeats": repeats,
        "max_ms": round(max(times), 1),
        "mean_ms": round(statistics.fmean(times), 1),
        "mean_assigned": round(statistics.fmean(assigned), 1),
        "target_ms": 300,
    }
    print()
    print(
        f"Interactive: 30 orders over 10 workers, {repeats} scenarios: max {out['max_ms']} ms, "
        f"mean {out['mean_ms']} ms (target < 300 ms), mean assigned {out['mean_assigned']}"
    )
    return out


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("pyvrp", "pyvroom", "ortools"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=Path, default=ROOT / "bench" / "solomon")
    parser.add_argument("--budget", type=float, default=5.0, help="seconds per solve")
    parser.add_argument("--baselines", default="vroom", help="comma-separated: vroom, ortools")
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--skip-city", action="store_true", help="only the Solomon instances")
    parser.add_argument("--no-json", action="store_true")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()

    solvers = [CHOSEN, *[b.strip() for b in args.baselines.split(",") if b.strip()]]
    unknown = [s for s in solvers if s not in SOLOMON_SOLVERS]
    if unknown:
        raise SystemExit(f"unknown solver(s): {unknown}")
    report: dict[str, Any] = {
        "date": date.today().isoformat(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "chosen_for_vrptw": CHOSEN,
        "dispatch_default": "vroom",
        "versions": _versions(),
    }
    folder = args.instances if args.instances.is_absolute() else Path.cwd() / args.instances
    report["solomon"] = run_solomon(folder, args.budget, solvers)
    if not args.skip_city:
        report["city"] = run_city(args.budget, args.seed)
        report["interactive"] = run_interactive(args.seed)
    if not args.no_json:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        out = RESULTS_DIR / f"routing-{date.today().isoformat()}.json"
        out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
        print(f"\nResults written to {out.relative_to(ROOT)}")
    chosen = report["solomon"]["summary"][CHOSEN]
    mean_gap = chosen["mean_gap_pct"]
    print(
        f"mean gap {'n/a' if mean_gap is None else f'{mean_gap:.2f}'}% "
        f"max time {chosen['max_time_s']:.2f} s"
    )
    return 0 if chosen["infeasible"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
