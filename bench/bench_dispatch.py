"""Dispatch benchmark: how fast are the order hall, the eligible-worker lists and the grab?

Run against PostgreSQL (see bench/README.md):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xinghuo_bench \
        .venv/bin/python bench/bench_dispatch.py [--quick]

The script migrates the database, builds a synthetic data set once (100k workers, 500
regions, 10k published orders by default; detected on later runs by its markers), then
measures the eligibility selectors with sampled workers and orders, a naive Python filter
as the baseline, and concurrent grabs through the real `work_order_grab` service. It prints
a table and writes the same figures to bench/results/dispatch-<date>.json.

The data set bypasses the services (bulk inserts); the measured code does not.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import queue
import random
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import ensure_database, log, percentile  # bench/ is on sys.path when run

ROOT = Path(__file__).resolve().parent.parent
# Run as a plain script from anywhere: `config` and `xinghuo` live at the project root.
sys.path.insert(0, str(ROOT))

RESULTS_DIR = ROOT / "bench" / "results"
TARGET_P95_MS = 50.0

# Markers of the bench data set. The phone prefix 190 is not handed out by the demo data.
PHONE_PREFIX = "190"
REGION_PREFIX = "BENCH-"
HALL_REF_PREFIX = "bench-hall-"
GRAB_REF_PREFIX = "bench-grab-"
ORG_CODES = ("BENCH-ORG-A", "BENCH-ORG-B")
BATCH = 5_000
# Paid work needs an approved identity and a signed agreement: most workers have both; a
# tenth of the orders is unpaid (training, volunteer shifts), open to every worker.
CLEARED_SHARE = 0.9
UNPAID_SHARE = 0.1

# Zhejiang, roughly: every generated coordinate falls inside this box.
LAT_RANGE = (27.3, 30.9)
LNG_RANGE = (118.3, 122.2)

# Which skills go with which of the seven default roles; workers and orders mostly draw
# their skills from their role's list, as in real crews.
ROLE_WEIGHTS = {
    "daily_maintenance": 35,
    "power_generation": 14,
    "construction": 12,
    "repair": 15,
    "property_liaison": 8,
    "monitoring": 10,
    "station_head": 6,
}
ROLE_SKILLS = {
    "daily_maintenance": [
        "bts_maintenance",
        "battery_maintenance",
        "env_monitoring",
        "work_at_height",
        "air_conditioning",
    ],
    "power_generation": ["generator", "power_operation", "electrician", "driving"],
    "construction": ["work_at_height", "welding", "fiber_splicing", "tower_maintenance"],
    "repair": [
        "electrician",
        "air_conditioning",
        "bts_maintenance",
        "power_operation",
        "battery_maintenance",
    ],
    "property_liaison": ["driving", "env_monitoring"],
    "monitoring": ["env_monitoring", "power_operation"],
    "station_head": ["driving", "bts_maintenance", "env_monitoring", "electrician"],
}
ORDER_TITLES = [
    "基站巡检",
    "动环告警处理",
    "蓄电池核容",
    "油机发电保障",
    "铁塔紧固防腐",
    "空调故障维修",
    "光缆抢修",
    "电源切换",
]

FULL = {"workers": 100_000, "regions": 500, "orders": 10_000, "sites": 2_000}
QUICK = {"workers": 10_000, "regions": 100, "orders": 2_000, "sites": 400}


# --- command line and database ------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="10k workers, 100 regions, 2k orders")
    p.add_argument("--workers", type=int, help=f"default {FULL['workers']}")
    p.add_argument("--regions", type=int, help=f"default {FULL['regions']}")
    p.add_argument("--orders", type=int, help=f"default {FULL['orders']}")
    p.add_argument("--sites", type=int, help=f"default {FULL['sites']}")
    p.add_argument("--samples", type=int, default=200, help="workers and orders sampled")
    p.add_argument("--warmup", type=int, default=20, help="untimed calls before measuring")
    p.add_argument("--grab-orders", type=int, default=200)
    p.add_argument("--grabbers-per-order", type=int, default=10)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--seed", type=int, default=20240501)
    p.add_argument(
        "--rebuild",
        action="store_true",
        help="drop and re-create the bench database first (its name must contain 'bench')",
    )
    p.add_argument("--allow-sqlite", action="store_true", help="run on SQLite anyway")
    p.add_argument(
        "--allow-any-db",
        action="store_true",
        help="write bench data into a database whose name lacks 'bench'",
    )
    p.add_argument(
        "--pg-set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a PostgreSQL setting for every bench connection, e.g. random_page_cost=1.1",
    )
    p.add_argument("--no-json", action="store_true", help="do not write bench/results/*.json")
    args = p.parse_args(argv)
    preset = QUICK if args.quick else FULL
    for key, value in preset.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def setup_django(args: argparse.Namespace) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # As in production: DEBUG would log every query in memory and slow each one down.
    os.environ.setdefault("DEBUG", "0")
    import django
    from django.conf import settings

    django.setup()
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        if not args.allow_sqlite:
            sys.exit(
                "Refusing to run on SQLite: the figures are for PostgreSQL. Set DATABASE_URL, "
                "e.g. postgres://postgres@127.0.0.1:5432/xinghuo_bench (or pass --allow-sqlite)."
            )
        return
    if db["ENGINE"] != "django.db.backends.postgresql":
        sys.exit(f"Unsupported database engine {db['ENGINE']}.")
    name = db["NAME"]
    # 100k bench users in a working database would be a mess to remove: keep them apart.
    if "bench" not in name and not args.allow_any_db:
        sys.exit(f"Database {name!r} does not look like a bench database (no 'bench' in its name).")
    ensure_database(db, rebuild=args.rebuild)
    if args.pg_set:
        _apply_pg_settings(args.pg_set)


def _apply_pg_settings(pairs: list[str]) -> None:
    """SET each NAME=VALUE on every connection the bench opens (the grab threads' too)."""
    from django.db.backends.signals import connection_created

    values = []
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            sys.exit(f"--pg-set wants NAME=VALUE, got {pair!r}")
        values.append([name.strip(), value.strip()])

    def apply(sender: Any, connection: Any, **kwargs: Any) -> None:
        with connection.cursor() as cursor:
            for params in values:
                cursor.execute("SELECT set_config(%s, %s, false)", params)

    connection_created.connect(apply, weak=False)


def summary(times_ms: list[float], sizes: list[int] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "n": len(times_ms),
        "p50_ms": round(percentile(times_ms, 50), 2),
        "p95_ms": round(percentile(times_ms, 95), 2),
        "max_ms": round(max(times_ms), 2),
        "mean_ms": round(statistics.fmean(times_ms), 2),
    }
    if sizes is not None:
        out["avg_rows"] = round(statistics.fmean(sizes), 1)
        out["empty"] = sum(1 for s in sizes if s == 0)
    return out


def chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def rand_point(rng: random.Random, lat: float, lng: float, spread: float) -> tuple[float, float]:
    return (
        round(min(max(lat + rng.uniform(-spread, spread), LAT_RANGE[0]), LAT_RANGE[1]), 6),
        round(min(max(lng + rng.uniform(-spread, spread), LNG_RANGE[0]), LNG_RANGE[1]), 6),
    )


# --- the data set -------------------------------------------------------------------------


def region_plan(total: int) -> tuple[int, int, int]:
    """(cities, districts, maintenance areas) for a tree of `total` regions with one province."""
    cities = max(1, round(total * 0.02))
    districts = max(cities, round(total * 0.2))
    areas = max(districts, total - 1 - cities - districts)
    return cities, districts, areas


def expected_counts(args: argparse.Namespace) -> dict[str, int]:
    return {
        "workers": args.workers,
        "regions": 1 + sum(region_plan(args.regions)),
        "orders": args.orders,
    }


def existing_counts() -> dict[str, int]:
    from xinghuo.accounts.models import User
    from xinghuo.regions.models import Region
    from xinghuo.work_orders.models import WorkOrder

    return {
        "workers": User.objects.filter(phone__startswith=PHONE_PREFIX).count(),
        "regions": Region.objects.filter(code__startswith=REGION_PREFIX).count(),
        "orders": WorkOrder.objects.filter(external_ref__startswith=HALL_REF_PREFIX).count(),
    }


def build_dataset(args: argparse.Namespace, rng: random.Random) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from xinghuo.accounts.models import Organization, User
    from xinghuo.dispatch.models import PointsRule, RegionCoefficient
    from xinghuo.regions.models import Region, Site
    from xinghuo.work_orders.models import WorkOrder
    from xinghuo.workforce.models import Role, Skill, Worker, WorkerSkill

    today = timezone.localdate()
    now = timezone.now()
    roles = {r.code: r for r in Role.objects.filter(code__in=ROLE_WEIGHTS)}
    skills = {s.code: s for s in Skill.objects.all()}
    missing = set(ROLE_WEIGHTS) - set(roles)
    if missing:
        sys.exit(f"Default roles missing (did the data migration run?): {sorted(missing)}")
    role_codes = list(ROLE_WEIGHTS)
    role_weights = list(ROLE_WEIGHTS.values())
    all_skill_codes = [code for code in skills if code]

    # Organizations: a tower company (most sites) and an O&M firm.
    with transaction.atomic():
        orgs = [
            Organization.objects.create(
                name="压测铁塔公司",
                credit_code=ORG_CODES[0],
                status=Organization.Status.VERIFIED,
            ),
            Organization.objects.create(
                name="压测运维公司",
                credit_code=ORG_CODES[1],
                status=Organization.Status.VERIFIED,
            ),
        ]

    # Region tree: province → cities → districts → maintenance areas, level by level so
    # that each level knows its parents' ids.
    n_cities, n_districts, n_areas = region_plan(args.regions)
    log(f"regions: 1 province, {n_cities} cities, {n_districts} districts, {n_areas} areas")
    centre: dict[int, tuple[float, float]] = {}
    province = Region.objects.create(
        level=Region.Level.PROVINCE, code=f"{REGION_PREFIX}P", name="浙江(压测)"
    )
    centre[province.pk] = (sum(LAT_RANGE) / 2, sum(LNG_RANGE) / 2)

    def make_level(
        parents: list[Region], count: int, level: int, tag: str, label: str, spread: float
    ) -> list[Region]:
        rows, points = [], []
        for i in range(count):
            parent = parents[i % len(parents)]
            if level == Region.Level.CITY:
                point = (rng.uniform(*LAT_RANGE), rng.uniform(*LNG_RANGE))
            else:
                point = rand_point(rng, *centre[parent.pk], spread)
            rows.append(
                Region(
                    parent=parent,
                    level=level,
                    code=f"{REGION_PREFIX}{tag}{i + 1:04d}",
                    name=f"{label}{i + 1:04d}",
                )
            )
            points.append(point)
        created = Region.objects.bulk_create(rows)
        for region, point in zip(created, points, strict=True):
            centre[region.pk] = point
        return created

    cities = make_level([province], n_cities, Region.Level.CITY, "C", "压测市", 0)
    districts = make_level(cities, n_districts, Region.Level.DISTRICT, "D", "压测区", 0.25)
    areas = make_level(districts, n_areas, Region.Level.AREA, "A", "维护片区", 0.06)

    # Points: the tower company pays more in remote districts (and one whole city), so the
    # hall's points preview walks up the region tree as it would in production.
    PointsRule.objects.create(organization=orgs[0])
    coefficients = [RegionCoefficient(organization=orgs[0], region=cities[0], coefficient="1.10")]
    coefficients += [
        RegionCoefficient(
            organization=orgs[0], region=d, coefficient=f"{rng.choice([1.2, 1.3, 1.5]):.2f}"
        )
        for d in rng.sample(districts, max(1, len(districts) // 10))
    ]
    RegionCoefficient.objects.bulk_create(coefficients)

    # Sites: spread over the maintenance areas (the leaves), 70% of the tower company.
    site_rows = []
    for i in range(args.sites):
        area = areas[i % len(areas)] if i < len(areas) else rng.choice(areas)
        lat, lng = rand_point(rng, *centre[area.pk], 0.03)
        site_rows.append(
            Site(
                organization=orgs[0] if rng.random() < 0.7 else orgs[1],
                code=f"BS{i + 1:06d}",
                name=f"压测站址{i + 1:06d}",
                kind=rng.choice(Site.Kind.values),
                lat=lat,
                lng=lng,
                region=area,
            )
        )
    sites = Site.objects.bulk_create(site_rows, batch_size=BATCH)
    log(f"sites: {len(sites)}")

    # Users and workers, in batches: each worker one role, 1–2 regions (a district or a
    # maintenance area), 2–4 skills; certified skills carry validity dates, some expired.
    password = make_password(None)
    region_choices_d = districts
    region_choices_a = areas
    started = time.perf_counter()
    for batch_start in range(0, args.workers, BATCH):
        batch_end = min(batch_start + BATCH, args.workers)
        users = [
            User(
                phone=f"{PHONE_PREFIX}{i:08d}",
                name=f"压测师傅{i:06d}",
                # Unusable (nobody logs in as these users), made once: make_password(None)
                # hashes nothing, and 100k real hashes would outlast the whole benchmark.
                password=password,
                date_joined=now,
            )
            for i in range(batch_start, batch_end)
        ]
        with transaction.atomic():
            User.objects.bulk_create(users)
            workers, worker_regions, worker_skill_plan = [], [], []
            for user in users:
                role_code = rng.choices(role_codes, role_weights)[0]
                n_regions = 1 if rng.random() < 0.65 else 2
                regions = set()
                while len(regions) < n_regions:
                    pool = region_choices_d if rng.random() < 0.3 else region_choices_a
                    regions.add(rng.choice(pool))
                own = ROLE_SKILLS[role_code]
                n_skills = rng.randint(2, 4)
                chosen: set[str] = set()
                while len(chosen) < n_skills:
                    chosen.add(
                        rng.choice(own) if rng.random() < 0.75 else rng.choice(all_skill_codes)
                    )
                here = None
                if rng.random() < 0.8:  # the app reported a position lately
                    near = rng.choice(sorted(r.pk for r in regions))
                    here = rand_point(rng, *centre[near], 0.05)
                workers.append(
                    Worker(
                        user=user,
                        role=roles[role_code],
                        status=rng.choice(Worker.Status.values),
                        is_active=rng.random() < 0.97,
                        last_lat=here[0] if here else None,
                        last_lng=here[1] if here else None,
                        last_position_at=now - timedelta(minutes=rng.randint(1, 600))
                        if here
                        else None,
                    )
                )
                worker_regions.append(regions)
                worker_skill_plan.append(chosen)
            Worker.objects.bulk_create(workers)
            through = Worker.regions.through
            through.objects.bulk_create(
                [
                    through(worker_id=w.pk, region_id=r.pk)
                    for w, regions in zip(workers, worker_regions, strict=True)
                    for r in regions
                ]
            )
            ws_rows = []
            for w, chosen in zip(workers, worker_skill_plan, strict=True):
                for code in sorted(chosen):
                    skill = skills[code]
                    valid_from = valid_until = None
                    if skill.requires_certification:
                        if rng.random() < 0.85:
                            valid_until = today + timedelta(days=rng.randint(1, 900))
                        else:  # lapsed certificate: held but no longer counts
                            valid_until = today - timedelta(days=rng.randint(1, 400))
                        valid_from = valid_until - timedelta(days=3 * 365)
                    ws_rows.append(
                        WorkerSkill(
                            worker_id=w.pk,
                            skill=skill,
                            valid_from=valid_from,
                            valid_until=valid_until,
                        )
                    )
            WorkerSkill.objects.bulk_create(ws_rows)
            _bulk_clearance([w for w in workers if rng.random() < CLEARED_SHARE], now=now)
        done = batch_end
        rate = done / (time.perf_counter() - started)
        if batch_end == args.workers or (batch_start // BATCH) % 5 == 0:
            log(f"workers: {done}/{args.workers} ({rate:,.0f}/s)")

    # Published, open orders across the leaves, with region copied from the site.
    orders = []
    plans = []
    for i in range(args.orders):
        site = rng.choice(sites)
        order, required = _order_row(rng, now, site, roles, skills, ref=f"{HALL_REF_PREFIX}{i:06d}")
        orders.append(order)
        plans.append(required)
    with transaction.atomic():
        WorkOrder.objects.bulk_create(orders, batch_size=BATCH)
        _bulk_required_skills(orders, plans, skills)
    log(f"orders: {len(orders)} published")


def _order_row(
    rng: random.Random,
    now: datetime,
    site: Any,
    roles: dict[str, Any],
    skills: dict[str, Any],
    *,
    ref: str,
) -> tuple[Any, list[str]]:
    """One published order at `site`: 70% name a role, 0–2 skills, 20% urgent."""
    from xinghuo.work_orders.models import WorkOrder

    role_code = rng.choices(list(ROLE_WEIGHTS), list(ROLE_WEIGHTS.values()))[0]
    has_role = rng.random() < 0.7
    n_skills = rng.choices([0, 1, 2], [35, 45, 20])[0]
    pool = ROLE_SKILLS[role_code] if has_role else list(skills)
    required = rng.sample(pool, min(n_skills, len(pool)))
    published_at = now - timedelta(minutes=rng.randint(1, 48 * 60))
    order = WorkOrder(
        organization_id=site.organization_id,
        site=site,
        region_id=site.region_id,
        grid_id=site.grid_id,
        kind=WorkOrder.Kind.ORDER,
        title=f"{rng.choice(ORDER_TITLES)} {site.code}",
        required_role=roles[role_code] if has_role else None,
        priority=WorkOrder.Priority.URGENT if rng.random() < 0.2 else WorkOrder.Priority.NORMAL,
        deadline_at=now + timedelta(minutes=rng.randint(2 * 60, 5 * 24 * 60)),
        estimated_minutes=rng.choice([30, 60, 90, 120, 240]),
        price_fen=0 if rng.random() < UNPAID_SHARE else rng.randint(50, 800) * 100,
        base_points=rng.randint(10, 50),
        channel=WorkOrder.Channel.IMPORT,
        external_ref=ref,
        status=WorkOrder.Status.PUBLISHED,
        published_at=published_at,
    )
    return order, required


def _bulk_required_skills(orders: list[Any], plans: list[list[str]], skills: dict[str, Any]):
    from xinghuo.work_orders.models import WorkOrder

    through = WorkOrder.required_skills.through
    through.objects.bulk_create(
        [
            through(workorder_id=o.pk, skill_id=skills[code].pk)
            for o, codes in zip(orders, plans, strict=True)
            for code in codes
        ],
        batch_size=BATCH,
    )


def vacuum_analyze() -> None:
    """Fresh statistics and visibility maps, so plans and timings are those of a settled DB."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)" if connection.vendor == "postgresql" else "ANALYZE")


def _bulk_clearance(workers: list[Any], *, now: Any) -> None:
    """What clears a worker for paid work, written in bulk: an approved identity and a
    signed platform agreement (the services would OCR, render and sign each one — minutes
    per thousand workers; dispatch only reads these rows' status)."""
    from xinghuo.contracts.models import Agreement
    from xinghuo.contracts.template import CURRENT
    from xinghuo.identity.models import IdentityVerification

    IdentityVerification.objects.bulk_create(
        IdentityVerification(
            worker_id=w.pk,
            status=IdentityVerification.Status.APPROVED,
            id_number_index=f"bench-{w.pk}",
            id_number_masked="3301**********0000",
            submitted_at=now,
            reviewed_at=now,
        )
        for w in workers
    )
    Agreement.objects.bulk_create(
        Agreement(
            number=f"BENCH{w.pk:010d}",
            worker_id=w.pk,
            template_version=CURRENT.version,
            status=Agreement.Status.SIGNED,
            party_name=w.user.name,
            party_phone=w.user.phone,
            generated_on=now.date(),
            unsigned_pdf="bench/none.pdf",
            unsigned_sha256="0" * 64,
            signed_pdf="bench/none-signed.pdf",
            signed_sha256="0" * 64,
            signed_by_id=w.user_id,
            consented_at=now,
            signed_at=now,
            consent_text="bench",
        )
        for w in workers
    )


# --- latency of the selectors -------------------------------------------------------------


def naive_visible_ids(*, worker: Any, on: date) -> set[int]:
    """Baseline: the published orders of the worker's regions, filtered in Python."""
    from xinghuo.contracts.models import Agreement
    from xinghuo.identity.models import IdentityVerification
    from xinghuo.regions import selectors as region_selectors
    from xinghuo.work_orders.models import WorkOrder

    if not worker.is_active:
        return set()
    region_ids = list(worker.regions.values_list("pk", flat=True))
    area = region_selectors.region_descendant_ids(region_ids=region_ids)
    held = {}
    for ws in worker.worker_skills.select_related("skill"):
        held[ws.skill_id] = ws
    orders = WorkOrder.objects.filter(
        status=WorkOrder.Status.PUBLISHED, region_id__in=area
    ).prefetch_related("required_skills")

    def skill_counts(skill: Any) -> bool:
        ws = held.get(skill.pk)
        if ws is None:
            return False
        if not skill.requires_certification:
            return True
        return (
            ws.valid_until is not None
            and ws.valid_until >= on
            and (ws.valid_from is None or ws.valid_from <= on)
        )

    cleared = (
        IdentityVerification.objects.filter(worker=worker, status="approved").exists()
        and Agreement.objects.filter(worker=worker, status="signed").exists()
    )
    return {
        o.pk
        for o in orders
        if (o.required_role_id is None or o.required_role_id == worker.role_id)
        and all(skill_counts(s) for s in o.required_skills.all())
        and (cleared or o.price_fen == 0)
    }


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return (time.perf_counter() - start) * 1000, result


def query_count(fn: Callable[[], Any]) -> int:
    """How many SQL statements `fn` sends (counted by a wrapper, without DEBUG logging)."""
    from django.db import connection

    count = 0

    def counter(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        fn()
    return count


def measure_latency(args: argparse.Namespace, rng: random.Random) -> dict[str, Any]:
    from django.utils import timezone

    from xinghuo.dispatch import selectors
    from xinghuo.work_orders.models import WorkOrder
    from xinghuo.workforce.models import Worker

    today = timezone.localdate()
    worker_ids = list(
        Worker.objects.filter(user__phone__startswith=PHONE_PREFIX, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    order_ids = list(
        WorkOrder.objects.filter(
            external_ref__startswith=HALL_REF_PREFIX, status=WorkOrder.Status.PUBLISHED
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    n_w = min(args.samples + args.warmup, len(worker_ids))
    n_o = min(args.samples + args.warmup, len(order_ids))
    # Loaded before timing, as the API has them in hand (request.user → worker; path → order).
    workers = list(Worker.objects.filter(pk__in=rng.sample(worker_ids, n_w)).order_by("pk"))
    orders = list(WorkOrder.objects.filter(pk__in=rng.sample(order_ids, n_o)).order_by("pk"))
    rng.shuffle(workers)
    rng.shuffle(orders)
    warm_w, workers = workers[: args.warmup], workers[args.warmup :]
    warm_o, orders = orders[: args.warmup], orders[args.warmup :]

    def hall(w: Worker) -> list[Any]:
        return selectors.recommended_orders(worker=w)

    def visible(w: Worker) -> list[int]:
        return list(selectors.orders_visible_to_worker(worker=w).values_list("pk", flat=True))

    def eligible_page(o: WorkOrder) -> list[Any]:
        return list(selectors.workers_eligible_for_order(order=o)[:50])

    def eligible_count(o: WorkOrder) -> int:
        return selectors.workers_eligible_for_order(order=o).count()

    def naive(w: Worker) -> set[int]:
        return naive_visible_ids(worker=w, on=today)

    log(f"warm-up: {len(warm_w)} workers, {len(warm_o)} orders")
    for w in warm_w:
        hall(w)
        visible(w)
        naive(w)
    for o in warm_o:
        eligible_page(o)
        eligible_count(o)

    times: dict[str, list[float]] = defaultdict(list)
    sizes: dict[str, list[int]] = defaultdict(list)
    disagree = []
    log(f"measuring {len(workers)} workers …")
    per_worker = {"hall": hall, "visible": visible, "naive": naive}
    names = list(per_worker)
    for i, w in enumerate(workers):
        # The three run for the same worker in turn; the order rotates, so that none of
        # them always finds the worker's rows in caches the others warmed.
        answers: dict[str, Any] = {}
        for name in names[i % 3 :] + names[: i % 3]:
            ms, answers[name] = timed(lambda f=per_worker[name], w=w: f(w))
            times[name].append(ms)
            sizes[name].append(len(answers[name]))
        if set(answers["visible"]) != answers["naive"]:
            disagree.append(w.pk)
    log(f"measuring {len(orders)} orders …")
    for o in orders:
        ms, page = timed(lambda o=o: eligible_page(o))
        times["eligible_page"].append(ms)
        sizes["eligible_page"].append(len(page))
        ms, n = timed(lambda o=o: eligible_count(o))
        times["eligible_count"].append(ms)
        sizes["eligible_count"].append(n)

    # Queries per call, on a few samples (capturing slows the calls, so not while timing).
    queries = {
        "hall": [query_count(lambda w=w: hall(w)) for w in workers[:10]],
        "visible": [query_count(lambda w=w: visible(w)) for w in workers[:10]],
        "naive": [query_count(lambda w=w: naive(w)) for w in workers[:10]],
        "eligible_page": [query_count(lambda o=o: eligible_page(o)) for o in orders[:10]],
        "eligible_count": [query_count(lambda o=o: eligible_count(o)) for o in orders[:10]],
    }
    out = {}
    for name in times:
        out[name] = summary(times[name], sizes[name])
        out[name]["queries_per_call"] = round(statistics.fmean(queries[name]), 1)
    out["naive"]["disagreements_with_sql"] = len(disagree)
    if disagree:
        out["naive"]["disagreeing_worker_ids"] = disagree[:20]
    return out


# --- grabs under contention ---------------------------------------------------------------


@dataclass
class Attempt:
    order_id: int
    worker: Any


def measure_grabs(args: argparse.Namespace, rng: random.Random) -> dict[str, Any]:
    from django.db import connections, transaction
    from django.db.models import Count
    from django.utils import timezone

    from xinghuo.accounts.models import Organization
    from xinghuo.dispatch import selectors, services
    from xinghuo.dispatch.exceptions import LimitReached, OrderTaken, WorkOrderNotFound
    from xinghuo.regions.models import Site
    from xinghuo.work_orders.models import WorkOrder, WorkOrderEvent
    from xinghuo.workforce.models import Role, Skill, Worker

    _delete_grab_orders()
    org = Organization.objects.get(credit_code=ORG_CODES[0])
    # The cap on open orders per worker must not be what stops a grab here.
    Organization.objects.filter(pk=org.pk).update(max_open_orders_per_worker=10_000)
    roles = {r.code: r for r in Role.objects.filter(code__in=ROLE_WEIGHTS)}
    skills = {s.code: s for s in Skill.objects.all()}
    sites = list(Site.objects.filter(organization=org).order_by("pk"))
    now = timezone.now()
    run_tag = f"{GRAB_REF_PREFIX}{int(time.time())}-"

    # Fresh published orders; each must have enough eligible workers (by the selector the
    # service itself trusts), else its requirements are relaxed: skills first, then role.
    orders, plans = [], []
    for i in range(args.grab_orders):
        order, required = _order_row(
            rng, now, rng.choice(sites), roles, skills, ref=f"{run_tag}{i}"
        )
        orders.append(order)
        plans.append(required)
    with transaction.atomic():
        WorkOrder.objects.bulk_create(orders)
        _bulk_required_skills(orders, plans, skills)
    attempts: list[Attempt] = []
    relaxed = 0
    for order in orders:
        candidates = _eligible_ids(selectors, order)
        if len(candidates) < args.grabbers_per_order and order.required_skills.exists():
            order.required_skills.clear()
            candidates, relaxed = _eligible_ids(selectors, order), relaxed + 1
        if len(candidates) < args.grabbers_per_order and order.required_role_id:
            WorkOrder.objects.filter(pk=order.pk).update(required_role=None)
            order.required_role = None
            candidates, relaxed = _eligible_ids(selectors, order), relaxed + 1
        chosen = rng.sample(candidates, min(args.grabbers_per_order, len(candidates)))
        group = [Attempt(order.pk, w) for w in chosen]
        attempts.extend(group)
    # Worker rows fetched once; every attempt gets its own copy (no instance shared across
    # threads), as every request loads its own.
    loaded = Worker.objects.in_bulk({a.worker for a in attempts})
    for a in attempts:
        a.worker = copy.copy(loaded[a.worker])
    # Attempts stay grouped by order (shuffled within), and the threads take them from one
    # queue: at any moment the threads are mostly fighting over the same one or two orders.
    work: queue.SimpleQueue[Attempt] = queue.SimpleQueue()
    for a in attempts:
        work.put(a)
    outcomes: list[tuple[int, int, str, float]] = []
    errors: list[str] = []
    barrier = threading.Barrier(args.threads + 1)

    def grabber() -> None:
        try:
            try:
                # Connected before the start signal: connection setup is not what we measure.
                connections["default"].ensure_connection()
            except Exception:
                barrier.abort()
                raise
            barrier.wait()
            while True:
                try:
                    a = work.get_nowait()
                except queue.Empty:
                    break
                start = time.perf_counter()
                try:
                    services.work_order_grab(worker=a.worker, work_order_id=a.order_id)
                    outcome = "won"
                except OrderTaken:
                    outcome = "taken"
                except LimitReached:
                    outcome = "limit"
                except WorkOrderNotFound:
                    outcome = "not_found"
                except Exception as exc:
                    outcome = "error"
                    errors.append(repr(exc))
                ms = (time.perf_counter() - start) * 1000
                outcomes.append((a.order_id, a.worker.pk, outcome, ms))
        finally:
            connections.close_all()

    log(
        f"grabs: {len(attempts)} attempts on {len(orders)} orders, {args.threads} threads"
        f" ({relaxed} requirement(s) relaxed to find enough eligible workers)"
    )
    threads = [threading.Thread(target=grabber) for _ in range(args.threads)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started

    # Checks: one winner per order, by what the threads saw and by what the database holds.
    counts = Counter(outcome for _, _, outcome, _ in outcomes)
    winners: dict[int, list[int]] = defaultdict(list)
    for order_id, worker_id, outcome, _ in outcomes:
        if outcome == "won":
            winners[order_id].append(worker_id)
    order_ids = [o.pk for o in orders]
    held = dict(WorkOrder.objects.filter(pk__in=order_ids).values_list("pk", "worker_id"))
    status = Counter(WorkOrder.objects.filter(pk__in=order_ids).values_list("status", flat=True))
    assign_events = dict(
        WorkOrderEvent.objects.filter(order_id__in=order_ids, type="assign")
        .values("order_id")
        .annotate(n=Count("pk"))
        .values_list("order_id", "n")
    )
    attempted = {a.order_id for a in attempts}
    problems = []
    for order_id in attempted:
        won = winners.get(order_id, [])
        if len(won) != 1:
            problems.append(f"order {order_id}: {len(won)} winners reported")
        elif held.get(order_id) != won[0]:
            problems.append(f"order {order_id}: held by {held.get(order_id)}, won by {won[0]}")
        if assign_events.get(order_id, 0) != 1:
            problems.append(f"order {order_id}: {assign_events.get(order_id, 0)} assign events")
    if counts["not_found"] or counts["error"] or counts["limit"]:
        problems.append(
            f"unexpected outcomes: not_found={counts['not_found']} limit={counts['limit']}"
            f" error={counts['error']} {errors[:3]}"
        )
    latencies = [ms for *_, ms in outcomes]
    result = {
        "orders": len(orders),
        "orders_attempted": len(attempted),
        "attempts": len(attempts),
        "threads": args.threads,
        "grabbers_per_order": args.grabbers_per_order,
        "requirements_relaxed": relaxed,
        "wall_s": round(wall, 3),
        "attempts_per_s": round(len(attempts) / wall, 1),
        "wins_per_s": round(counts["won"] / wall, 1),
        "outcomes": dict(counts),
        "winners": counts["won"],
        "orders_assigned": status.get(WorkOrder.Status.ASSIGNED, 0),
        "attempt_latency": summary(latencies),
        "check_one_winner_per_order": "PASS" if not problems else "FAIL",
        "problems": problems[:20],
    }
    _delete_grab_orders()
    return result


def _eligible_ids(selectors: Any, order: Any) -> list[int]:
    return list(
        selectors.workers_eligible_for_order(order=order)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _delete_grab_orders() -> None:
    """Remove the grab orders (and their events), so that the data set stays as built."""
    from xinghuo.work_orders.models import WorkOrder

    WorkOrder.objects.filter(external_ref__startswith=GRAB_REF_PREFIX).delete()


# --- report -------------------------------------------------------------------------------


def postgres_version() -> str:
    from django.db import connection

    if connection.vendor != "postgresql":
        return connection.vendor
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


LABELS = {
    "hall": "recommended_orders(worker) — order hall",
    "visible": "orders_visible_to_worker(worker) ids (SQL)",
    "naive": "baseline: naive Python filter",
    "eligible_page": "workers_eligible_for_order(order)[:50]",
    "eligible_count": "workers_eligible_for_order(order).count()",
}
TARGETED = ("hall", "visible", "eligible_page", "eligible_count")


def print_report(report: dict[str, Any]) -> None:
    lat = report["latency"]
    p = report["params"]
    print()
    print(
        f"Dispatch bench — {report['date']}, {report['machine']['cpus']} CPUs, "
        f"PostgreSQL {report['machine']['postgres']}, load "
        f"{report['machine']['loadavg_1m_start_end'][0]}→"
        f"{report['machine']['loadavg_1m_start_end'][1]}"
    )
    print(
        f"data: {p['workers']:,} workers, {p['regions']} regions, {p['sites']:,} sites, "
        f"{p['orders']:,} published orders; {p['samples']} samples each"
    )
    if p["pg_settings"]:
        print(f"PostgreSQL settings: {', '.join(p['pg_settings'])}")
    print()
    head = f"{'measure':<44} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'avg rows':>9} "
    head += f"{'queries':>8}  target p95<{TARGET_P95_MS:.0f}ms"
    print(head)
    print("-" * len(head))
    for name in ("hall", "visible", "naive", "eligible_page", "eligible_count"):
        s = lat[name]
        verdict = report["target"]["verdicts"].get(name, "(baseline)")
        print(
            f"{LABELS[name]:<44} {s['p50_ms']:>8.2f} {s['p95_ms']:>8.2f} {s['max_ms']:>8.2f} "
            f"{s['avg_rows']:>9.1f} {s['queries_per_call']:>8.1f}  {verdict}"
        )
    print()
    sql_p95, naive_p95 = lat["visible"]["p95_ms"], lat["naive"]["p95_ms"]
    print(
        f"SQL eligibility vs baseline (same workers, same answer: "
        f"{lat['naive']['disagreements_with_sql']} disagreements): p50 "
        f"{lat['visible']['p50_ms']:.2f} vs {lat['naive']['p50_ms']:.2f} ms, p95 "
        f"{sql_p95:.2f} vs {naive_p95:.2f} ms ({naive_p95 / sql_p95:.1f}× at p95)"
    )
    g = report["grab"]
    print()
    print(
        f"grab under contention: {g['attempts']} attempts on {g['orders_attempted']} orders "
        f"(~{g['grabbers_per_order']} eligible workers each), {g['threads']} threads, "
        f"{g['wall_s']:.2f} s"
    )
    print(
        f"  {g['attempts_per_s']:.0f} attempts/s, {g['wins_per_s']:.0f} wins/s; "
        f"winners {g['winners']}, orders assigned {g['orders_assigned']}; outcomes {g['outcomes']}"
    )
    al = g["attempt_latency"]
    print(
        f"  per attempt p50 {al['p50_ms']:.1f} ms, p95 {al['p95_ms']:.1f} ms, "
        f"max {al['max_ms']:.1f} ms"
    )
    print(
        "  CHECK exactly one winner and one 'assign' event per order: "
        f"{g['check_one_winner_per_order']}"
    )
    for problem in g["problems"]:
        print(f"    {problem}")
    print()
    print(f"overall: {report['target']['overall']}")


def write_json(report: dict[str, Any], *, quick: bool) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    suffix = "-quick" if quick else ""
    path = RESULTS_DIR / f"dispatch-{report['date'][:10]}{suffix}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


# --- main ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_django(args)
    from django.core.management import call_command

    total_start = time.perf_counter()
    load_start = round(os.getloadavg()[0], 2)
    rng = random.Random(args.seed)
    log("migrate …")
    call_command("migrate", verbosity=0, interactive=False)

    expected, found = expected_counts(args), existing_counts()
    build_s = None
    if found == expected:
        log(f"bench data present: {found}")
    elif not any(found.values()):
        log(f"building bench data set: {expected} …")
        start = time.perf_counter()
        build_dataset(args, rng)
        build_s = round(time.perf_counter() - start, 1)
        log(f"built in {build_s} s")
    else:
        sys.exit(
            f"This database holds a bench data set of another size ({found}, wanted {expected}). "
            "Rerun with --rebuild (drops the database) or point DATABASE_URL at another one."
        )
    log("VACUUM ANALYZE …")
    vacuum_analyze()

    # Sampling and grabs use their own stream, so they do not depend on whether the data set
    # was built in this run.
    latency = measure_latency(args, random.Random(args.seed + 1))
    grab = measure_grabs(args, random.Random(args.seed + 2))

    verdicts = {
        name: "PASS" if latency[name]["p95_ms"] < TARGET_P95_MS else "FAIL" for name in TARGETED
    }
    ok = all(v == "PASS" for v in verdicts.values())
    ok = ok and grab["check_one_winner_per_order"] == "PASS"
    ok = ok and latency["naive"]["disagreements_with_sql"] == 0
    report = {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "postgres": postgres_version(),
            # Others' work on the machine skews the figures; the load says how much.
            "loadavg_1m_start_end": [load_start, round(os.getloadavg()[0], 2)],
        },
        "params": {
            "quick": args.quick,
            "workers": args.workers,
            "regions": expected["regions"],
            "sites": args.sites,
            "orders": args.orders,
            "samples": args.samples,
            "warmup": args.warmup,
            "seed": args.seed,
            "pg_settings": args.pg_set,
        },
        "build_s": build_s,
        "latency": latency,
        "grab": grab,
        "target": {
            "p95_ms": TARGET_P95_MS,
            "verdicts": verdicts,
            "overall": "PASS" if ok else "FAIL",
        },
        "total_s": round(time.perf_counter() - total_start, 1),
    }
    print_report(report)
    if not args.no_json:
        path = write_json(report, quick=args.quick)
        print(f"figures written to {path.relative_to(ROOT)}")
    print(f"total {report['total_s']} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
