"""Dashboard benchmark (issue 7): how fast are the analytics selectors on 1,000,000 orders?

Run against PostgreSQL (see bench/README.md, "Dashboard benchmark"):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xinghuo_bench_analytics \
        .venv/bin/python bench/bench_analytics.py [--quick]

The script migrates the database and builds the data set once with `INSERT … SELECT
generate_series` (one employer with 1M orders over the last 365 days, a second small one,
a region tree, sites, workers, points, settlements, payouts), found again by its marker on
later runs. It then times every dashboard selector (p50/p95 over repeats) in two phases:

1. **schema**: the indexes the migrations define today;
2. **indexed**: after `CREATE INDEX` of the indexes this benchmark recommends (dropped again
   at the end unless --keep-indexes, so the database keeps matching the migrations).

A named baseline runs in the same process: the employer's headline figures and orders per
day computed naively in Python over the fetched rows of the same 30-day window. It must give
the same answer as the SQL (the run fails otherwise).

Prints a table and writes bench/results/analytics-<date>[-quick].json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

# The database set-up, percentiles and log format are the dispatch benchmark's.
from bench_dispatch import (  # noqa: E402
    RESULTS_DIR,
    log,
    setup_django,
    summary,
)

ORG_CODE = "BENCH-ANALYTICS-A"
OTHER_ORG_CODE = "BENCH-ANALYTICS-B"
PHONE_PREFIX = "191"  # not handed out by the demo nor by the dispatch bench (190)
REGION_PREFIX = "BA-"
TARGET_P95_MS = 300.0  # the budget for a dashboard at the demo's size

FULL = {"orders": 1_000_000, "workers": 2_000, "sites": 5_000, "cities": 10, "districts": 100}
QUICK = {"orders": 100_000, "workers": 500, "sites": 1_000, "cities": 5, "districts": 30}

# Recommended indexes: CREATE INDEX statements measured in phase 2 (names start with bench_).
INDEXES = {
    "bench_wo_org_created": (
        "CREATE INDEX bench_wo_org_created ON work_orders_workorder (organization_id, created_at)"
    ),
    "bench_wo_created": "CREATE INDEX bench_wo_created ON work_orders_workorder (created_at)",
    "bench_payout_created": "CREATE INDEX bench_payout_created ON settlement_payout (created_at)",
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="100k orders instead of 1M")
    p.add_argument("--orders", type=int, help=f"default {FULL['orders']}")
    p.add_argument("--workers", type=int, help=f"default {FULL['workers']}")
    p.add_argument("--sites", type=int, help=f"default {FULL['sites']}")
    p.add_argument("--repeats", type=int, default=15, help="timed calls per measure")
    p.add_argument("--warmup", type=int, default=2, help="untimed calls before measuring")
    p.add_argument("--seed", type=int, default=20261127)
    p.add_argument("--rebuild", action="store_true", help="drop and re-create the database")
    p.add_argument("--keep-indexes", action="store_true", help="leave the bench_* indexes")
    p.add_argument("--allow-sqlite", action="store_true", help="run on SQLite anyway")
    p.add_argument("--allow-any-db", action="store_true")
    p.add_argument("--no-json", action="store_true")
    args = p.parse_args(argv)
    args.pg_set = []
    preset = QUICK if args.quick else FULL
    for key, value in preset.items():
        if getattr(args, key, None) is None:
            setattr(args, key, value)
    return args


# --- the data set ---------------------------------------------------------------------------


def dataset_state() -> int | None:
    """Orders of the bench employer, or None when there is no data set."""
    from xinghuo.accounts.models import Organization
    from xinghuo.work_orders.models import WorkOrder

    org = Organization.objects.filter(credit_code=ORG_CODE).first()
    if org is None:
        return None
    return WorkOrder.objects.filter(organization=org).count()


def build_dataset(args: argparse.Namespace, rng: random.Random) -> None:
    """Small tables through the ORM; orders, points, settlements, payouts in SQL."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from xinghuo.accounts.models import Organization, User
    from xinghuo.core.crypto import encrypt_str
    from xinghuo.regions.models import Region, Site
    from xinghuo.workforce.models import Role, Worker

    now = timezone.now()
    with transaction.atomic():
        org = Organization.objects.create(
            name="压测统计铁塔", credit_code=ORG_CODE, status=Organization.Status.VERIFIED
        )
        other = Organization.objects.create(
            name="压测统计运维", credit_code=OTHER_ORG_CODE, status=Organization.Status.VERIFIED
        )
        province = Region.objects.create(level=1, code=f"{REGION_PREFIX}P", name="浙江(统计压测)")
        cities = Region.objects.bulk_create(
            Region(parent=province, level=2, code=f"{REGION_PREFIX}C{i:03d}", name=f"统计市{i:03d}")
            for i in range(args.cities)
        )
        districts = Region.objects.bulk_create(
            Region(
                parent=cities[i % len(cities)],
                level=3,
                code=f"{REGION_PREFIX}D{i:04d}",
                name=f"统计区{i:04d}",
            )
            for i in range(args.districts)
        )
        Site.objects.bulk_create(
            (
                Site(
                    organization=org if i % 10 else other,
                    code=f"BA{i:06d}",
                    name=f"统计站址{i:06d}",
                    lat=30.0 + rng.random(),
                    lng=120.0 + rng.random(),
                    region=districts[rng.randrange(len(districts))],
                )
                for i in range(args.sites)
            ),
            batch_size=5_000,
        )
        role = Role.objects.order_by("pk").first()
        if role is None:
            sys.exit("No roles: did the data migrations run?")
        password = make_password(None)
        users = User.objects.bulk_create(
            (
                User(phone=f"{PHONE_PREFIX}{i:08d}", name=f"统计师傅{i:05d}", password=password)
                for i in range(args.workers)
            ),
            batch_size=5_000,
        )
        Worker.objects.bulk_create(
            (
                Worker(
                    user=u,
                    role=role,
                    status=rng.choice(Worker.Status.values),
                    is_active=rng.random() < 0.95,
                    last_position_at=now - timedelta(hours=rng.randint(0, 72)),
                )
                for u in users
            ),
            batch_size=5_000,
        )
    log(
        f"small tables: 2 organizations, {1 + args.cities + args.districts} regions, "
        f"{args.sites} sites, {args.workers} workers"
    )

    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_sites; DROP TABLE IF EXISTS bench_workers")
        cur.execute(
            "CREATE TEMP TABLE bench_sites AS SELECT row_number() OVER (ORDER BY id) AS rn, id, "
            "region_id FROM regions_site WHERE organization_id = %s",
            [org.pk],
        )
        cur.execute(
            "CREATE TEMP TABLE bench_workers AS SELECT row_number() OVER (ORDER BY w.id) AS rn, "
            "w.id FROM workforce_worker w JOIN accounts_user u ON u.id = w.user_id "
            "WHERE u.phone LIKE %s",
            [f"{PHONE_PREFIX}%"],
        )
        cur.execute("SELECT count(*) FROM bench_sites")
        n_sites = cur.fetchone()[0]
        started = time.perf_counter()
        # One row per g: a creation time over the last 365 days, a status drawn with fixed
        # weights (r), and the lifecycle's timestamps in order, minutes apart.
        cur.execute(
            """
            INSERT INTO work_orders_workorder (
                created_at, updated_at, organization_id, site_id, region_id, kind, title,
                description, priority, deadline_at, estimated_minutes, price_fen, base_points,
                channel, external_ref, alarm_type, alarm_count, status, worker_id,
                published_at, assigned_at, on_site_at, delivered_at, accepted_at, is_overdue,
                rework_count, delivery_note, rating, rating_comment, checkout_missing)
            SELECT created, created, %(org)s, s.id, s.region_id, 'order', '统计压测工单', '',
                CASE WHEN r2 < 0.2 THEN 'urgent' ELSE 'normal' END,
                created + interval '8 hours', 60, 5000 + (g %% 76) * 1000, 10,
                'manual', '', '', 0, st,
                CASE WHEN st IN ('assigned','en_route','on_site','delivered','accepted')
                     THEN w.id END,
                CASE WHEN st <> 'draft' THEN created + interval '1 minute' END,
                CASE WHEN st IN ('assigned','en_route','on_site','delivered','accepted')
                     THEN created + (1 + r2 * 60) * interval '1 minute' END,
                CASE WHEN st IN ('on_site','delivered','accepted')
                     THEN created + (61 + r3 * 180) * interval '1 minute' END,
                CASE WHEN st IN ('delivered','accepted')
                     THEN created + (241 + r3 * 400) * interval '1 minute' END,
                CASE WHEN st = 'accepted' THEN created + interval '12 hours' END,
                false,
                CASE WHEN st IN ('delivered','accepted') AND r2 < 0.10 THEN 1
                     WHEN st IN ('delivered','accepted') AND r2 < 0.12 THEN 2 ELSE 0 END,
                '',
                CASE WHEN st = 'accepted' THEN 1 + (g %% 5) END, '', false
            FROM (
                -- Oldest first, a few minutes of jitter: like a real append-only table,
                -- the heap is in creation order, which is what makes a range on
                -- created_at cheap to read through an index.
                SELECT g, now() - interval '365 days'
                          + (g::float8 / %(n)s) * interval '365 days'
                          - random() * interval '10 minutes' AS created,
                       random() AS r2, random() AS r3,
                       CASE WHEN r < 0.70 THEN 'accepted' WHEN r < 0.78 THEN 'published'
                            WHEN r < 0.80 THEN 'assigned' WHEN r < 0.81 THEN 'en_route'
                            WHEN r < 0.82 THEN 'on_site' WHEN r < 0.85 THEN 'delivered'
                            WHEN r < 0.95 THEN 'cancelled' WHEN r < 0.99 THEN 'expired'
                            ELSE 'draft' END AS st
                FROM (SELECT g, random() AS r FROM generate_series(1::bigint, %(n)s) AS g) AS base
            ) AS o
            JOIN bench_sites s ON s.rn = 1 + (g * 7919) %% %(sites)s
            JOIN bench_workers w ON w.rn = 1 + (g * 104729) %% %(workers)s
            -- The joins would shuffle the rows: write them in creation order.
            ORDER BY created
            """,
            {"org": org.pk, "n": args.orders, "sites": n_sites, "workers": args.workers},
        )
        log(f"orders: {cur.rowcount:,} in {time.perf_counter() - started:.1f} s")
        # The small employer: 1% as many orders, all accepted, to check the scoping.
        cur.execute(
            """
            INSERT INTO work_orders_workorder (
                created_at, updated_at, organization_id, site_id, region_id, kind, title,
                description, priority, deadline_at, estimated_minutes, price_fen, base_points,
                channel, external_ref, alarm_type, alarm_count, status, worker_id, published_at,
                assigned_at, on_site_at, delivered_at, accepted_at, is_overdue, rework_count,
                delivery_note, rating, rating_comment, checkout_missing)
            SELECT c, c, %(org)s, s.id, s.region_id, 'order', '统计压测工单(乙)', '', 'normal',
                c + interval '8 hours', 60, 9900, 10, 'manual', '', '', 0, 'accepted', w.id,
                c, c + interval '5 minutes', c + interval '1 hour', c + interval '2 hours',
                c + interval '3 hours', false, 3, '', 1, '', false
            FROM (SELECT g, now() - interval '365 days' + (g::float8 / %(n)s) * interval '365 days'
                         AS c
                  FROM generate_series(1::bigint, %(n)s) AS g) AS o
            JOIN regions_site s ON s.organization_id = %(org)s
                 AND s.id = (SELECT min(id) FROM regions_site WHERE organization_id = %(org)s)
            JOIN bench_workers w ON w.rn = 1 + g %% %(workers)s
            """,
            {"org": other.pk, "n": max(1, args.orders // 100), "workers": args.workers},
        )
        started = time.perf_counter()
        cur.execute(
            """
            INSERT INTO dispatch_pointsentry (worker_id, order_id, points, base_points,
                efficiency_factor, quality_factor, region_factor, created_at)
            SELECT worker_id, id, 5 + rating * 3, 10, 1.00, 1.00, 1.00, accepted_at
            FROM work_orders_workorder WHERE status = 'accepted'
            """
        )
        n_points = cur.rowcount
        # Settlements: 90% under the flexible (platform) method, 10% as natural-person invoices.
        cur.execute(
            """
            INSERT INTO settlement_withholding (worker_id, organization_id, order_id, year,
                month, method, income_fen, taxable_fen, rate, tax_fen, fee_fen, net_fen,
                created_at)
            SELECT worker_id, organization_id, id,
                extract(year FROM accepted_at AT TIME ZONE 'Asia/Shanghai'),
                extract(month FROM accepted_at AT TIME ZONE 'Asia/Shanghai'),
                CASE WHEN id %% 10 = 0 THEN 'deemed_rate' ELSE 'platform_cumulative' END,
                price_fen, price_fen, 0.0150, price_fen * 15 / 1000, 0,
                price_fen - price_fen * 15 / 1000, accepted_at
            FROM work_orders_workorder WHERE status = 'accepted'
            """,
            [],  # with parameters (none), so that %% is read as one %
        )
        log(
            f"points entries {n_points:,} and settlements {cur.rowcount:,} in "
            f"{time.perf_counter() - started:.1f} s"
        )
        # The account number is encrypted at rest: one token of a real encryption serves
        # every row (no benchmarked query reads it; the ORM can still load any row).
        cur.execute(
            """
            INSERT INTO settlement_payoutaccount (worker_id, channel, account, account_index,
                account_masked, account_name, bank_code, bank_name, card_type, is_default,
                auto_withdraw, created_at)
            SELECT id, 'alipay', %s, '', 'be***@example.com', '压测', '', '', '', true, false,
                now()
            FROM bench_workers
            """,
            [encrypt_str("bench@example.com")],
        )
        # Payouts: about one per 10 orders, over the last 365 days; 3% fail with a reason.
        cur.execute(
            """
            INSERT INTO settlement_payout (payout_id, worker_id, account_id, channel, amount_fen,
                status, attempts, channel_ref, failure_code, failure_message, created_at,
                updated_at)
            SELECT 'BA' || g, a.worker_id, a.id, 'alipay', 1000 + g %% 50000,
                CASE WHEN r < 0.90 THEN 'succeeded' WHEN r < 0.93 THEN 'failed'
                     WHEN r < 0.96 THEN 'submitted' WHEN r < 0.98 THEN 'requested'
                     ELSE 'awaiting_approval' END,
                1, '',
                CASE WHEN r >= 0.90 AND r < 0.93 THEN
                    (ARRAY['ACCOUNT_FROZEN','NAME_MISMATCH','LIMIT_EXCEEDED'])[1 + g %% 3]
                    ELSE '' END,
                '', c, c
            FROM (SELECT g, random() AS r,
                         now() - interval '365 days' + (g::float8 / %(n)s) * interval '365 days'
                         AS c
                  FROM generate_series(1::bigint, %(n)s) AS g) AS p
            JOIN settlement_payoutaccount a ON a.worker_id = (
                SELECT id FROM bench_workers WHERE rn = 1 + p.g %% %(workers)s)
            """,
            {"n": max(1, args.orders // 10), "workers": args.workers},
        )
        log(f"payouts: {cur.rowcount:,}")


# --- measuring ------------------------------------------------------------------------------


def timed(fn: Callable[[], Any], *, repeats: int, warmup: int) -> tuple[dict[str, Any], Any]:
    from django.db import connection

    result = None
    for _ in range(warmup):
        result = fn()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    queries: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        fn()
    out = summary(times)
    out["queries"] = len(queries)
    return out, result


def naive_kpis(*, organization: Any, filters: Any) -> dict[str, Any]:
    """The baseline: fetch the window's orders and compute the headline figures in Python."""
    from xinghuo.analytics import selectors as a

    rows = a.employer_orders(organization=organization, filters=filters).values_list(
        "status",
        "deadline_at",
        "delivered_at",
        "rework_count",
        "published_at",
        "assigned_at",
        "on_site_at",
        "rating",
        "price_fen",
        "created_at",
    )
    total = accepted = on_time = rejections = spend = 0
    assign: list[float] = []
    arrive: list[float] = []
    ratings: list[int] = []
    per_day: Counter[tuple[str, str]] = Counter()
    tz = a.local_tz()
    for (
        status,
        deadline,
        delivered,
        rework,
        published,
        assigned,
        on_site,
        rating,
        price,
        c,
    ) in rows.iterator(chunk_size=10_000):
        total += 1
        rejections += rework
        per_day[(c.astimezone(tz).date().isoformat(), status)] += 1
        if status == "accepted":
            accepted += 1
            spend += price
            if delivered is not None and delivered <= deadline:
                on_time += 1
        if published and assigned:
            assign.append((assigned - published).total_seconds())
        if assigned and on_site:
            arrive.append((on_site - assigned).total_seconds())
        if rating is not None:
            ratings.append(rating)
    reviews = accepted + rejections
    return {
        "total": total,
        "accepted": accepted,
        "on_time_rate": a._ratio(on_time, accepted),
        "acceptance_rate": a._ratio(accepted, reviews),
        "avg_assign_seconds": round(sum(assign) / len(assign)) if assign else None,
        "avg_arrive_seconds": round(sum(arrive) / len(arrive)) if arrive else None,
        "avg_rating": (
            (Decimal(sum(ratings)) / len(ratings)).quantize(Decimal("0.01"), ROUND_HALF_UP)
            if ratings
            else None
        ),
        "spend_fen": spend,
        "per_day": per_day,
    }


def measures(org: Any, workers: list[Any], region_id: int) -> list[tuple[str, Callable]]:
    from django.utils import timezone

    from xinghuo.analytics import selectors as a

    last30 = a.OrderFilters.last_days(30)
    last365 = a.OrderFilters.last_days(365)
    city30 = a.OrderFilters.last_days(30, region_id=region_id)
    today = timezone.localdate()
    since = timezone.now() - timedelta(days=30)
    cycle = iter(range(10**9))

    def next_worker() -> Any:
        return workers[next(cycle) % len(workers)]

    rows: list[tuple[str, Callable]] = []
    for label, f in (("30 d", last30), ("365 d", last365)):
        rows += [
            (f"employer_kpis ({label})", lambda f=f: a.employer_kpis(organization=org, filters=f)),
            (
                f"employer_status_counts ({label})",
                lambda f=f: a.employer_status_counts(organization=org, filters=f),
            ),
            (
                f"employer_orders_by_day ({label})",
                lambda f=f: a.employer_orders_by_day(organization=org, filters=f),
            ),
            (
                f"employer_spend_by_region ({label})",
                lambda f=f: a.employer_spend_by_region(organization=org, filters=f),
            ),
            (
                f"employer_spend_by_mode ({label})",
                lambda f=f: a.employer_spend_by_mode(organization=org, filters=f),
            ),
            (
                f"employer_top_workers ({label})",
                lambda f=f: a.employer_top_workers(organization=org, filters=f),
            ),
            (
                f"employer dashboard, all six ({label})",
                lambda f=f: a.employer_dashboard(organization=org, filters=f),
            ),
        ]
    rows += [
        (
            "employer dashboard, all six (30 d, one city)",
            lambda: a.employer_dashboard(organization=org, filters=city30),
        ),
        ("worker_weekly (12 weeks)", lambda: a.worker_weekly(worker=next_worker())),
        ("worker_ratings", lambda: a.worker_ratings(worker=next_worker())),
        ("worker_totals", lambda: a.worker_totals(worker=next_worker())),
        ("operator_workers", lambda: a.operator_workers()),
        (
            "operator_orders_by_region (30 d)",
            lambda: a.operator_orders_by_region(start_on=today - timedelta(days=29), end_on=today),
        ),
        ("operator_payouts (30 d)", lambda: a.operator_payouts(since=since)),
        ("operator_review_queues", lambda: a.operator_review_queues()),
    ]
    return rows


def run_phase(
    name: str, items: list[tuple[str, Callable]], args: argparse.Namespace
) -> dict[str, dict]:
    out = {}
    for label, fn in items:
        repeats = args.repeats
        stats, _ = timed(fn, repeats=repeats, warmup=args.warmup)
        out[label] = stats
        log(f"  [{name}] {label}: p50 {stats['p50_ms']} ms, p95 {stats['p95_ms']} ms")
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_django(args)
    from django.core.management import call_command
    from django.db import connection, transaction

    from xinghuo.accounts.models import Organization
    from xinghuo.analytics import selectors as a
    from xinghuo.regions.models import Region
    from xinghuo.workforce.models import Worker

    rng = random.Random(args.seed)
    run_started = time.perf_counter()
    load_start = round(os.getloadavg()[0], 2)
    call_command("migrate", verbosity=0)
    found = dataset_state()
    generation_s = None
    if found is None:
        log(f"building the data set: {args.orders:,} orders …")
        started = time.perf_counter()
        with transaction.atomic():  # all or nothing: a failed build leaves no marker
            build_dataset(args, rng)
        with connection.cursor() as cur:
            cur.execute("VACUUM (ANALYZE)")
        generation_s = round(time.perf_counter() - started, 1)
        log(f"data set built in {generation_s} s")
    elif found != args.orders:
        sys.exit(
            f"This database holds a data set of {found:,} orders, not {args.orders:,}: "
            "use another database or --rebuild."
        )
    else:
        log(f"reusing the data set ({found:,} orders)")
        with connection.cursor() as cur:
            cur.execute("ANALYZE")

    org = Organization.objects.get(credit_code=ORG_CODE)
    workers = list(Worker.objects.filter(user__phone__startswith=PHONE_PREFIX).order_by("?")[:50])
    city = Region.objects.filter(code=f"{REGION_PREFIX}C000").get()
    items = measures(org, workers, city.pk)

    # The baseline and its check against the SQL figures (same window, same organization).
    last30 = a.OrderFilters.last_days(30)
    naive_stats, naive = timed(
        lambda: naive_kpis(organization=org, filters=last30),
        repeats=max(3, args.repeats // 3),
        warmup=1,
    )
    sql_kpis = a.employer_kpis(organization=org, filters=last30)
    by_day = a.employer_orders_by_day(organization=org, filters=last30)
    sql_per_day = Counter(
        {
            (day, status): n
            for status, counts in by_day["series"].items()
            for day, n in zip(by_day["days"], counts, strict=True)
            if n
        }
    )

    def differs(key: str) -> bool:
        if key.startswith("avg_") and key.endswith("_seconds"):
            # Rounded means of the same numbers: allow the last second to round either way.
            if naive[key] is None or sql_kpis[key] is None:
                return naive[key] != sql_kpis[key]
            return abs(naive[key] - sql_kpis[key]) > 1
        return naive[key] != sql_kpis[key]

    mismatches = [key for key in naive if key != "per_day" and differs(key)]
    if naive["per_day"] != sql_per_day:
        mismatches.append("per_day")
    log(
        f"baseline (fetch + Python, 30 d, {naive['total']:,} orders): p50 "
        f"{naive_stats['p50_ms']} ms; mismatches: {mismatches or 'none'}"
    )

    log("phase 1: schema as migrated")
    phase1 = run_phase("schema", items, args)
    log("phase 2: with the recommended indexes")
    with connection.cursor() as cur:
        for index, ddl in INDEXES.items():
            cur.execute(f"DROP INDEX IF EXISTS {index}")
            cur.execute(ddl)
        cur.execute("ANALYZE work_orders_workorder; ANALYZE settlement_payout")
    try:
        phase2 = run_phase("indexed", items, args)
    finally:
        if not args.keep_indexes:
            with connection.cursor() as cur:
                for index in INDEXES:
                    cur.execute(f"DROP INDEX IF EXISTS {index}")

    print()
    header = (
        f"{'measure':<46} {'p50 ms':>9} {'p95 ms':>9} {'queries':>7} "
        f"{'p50 idx':>9} {'p95 idx':>9}  p95<{TARGET_P95_MS:.0f}ms"
    )
    print(header)
    print("-" * len(header))
    ok = not mismatches
    for label, _ in items:
        s1, s2 = phase1[label], phase2[label]
        verdict = "PASS" if s2["p95_ms"] < TARGET_P95_MS else "slow"
        print(
            f"{label:<46} {s1['p50_ms']:>9.2f} {s1['p95_ms']:>9.2f} {s1['queries']:>7} "
            f"{s2['p50_ms']:>9.2f} {s2['p95_ms']:>9.2f}  {verdict}"
        )
    print(
        f"{'baseline: fetch rows + Python (30 d kpis+days)':<46} {naive_stats['p50_ms']:>9.2f} "
        f"{naive_stats['p95_ms']:>9.2f} {naive_stats['queries']:>7}"
    )
    print(f"\nbaseline agrees with SQL: {'PASS' if not mismatches else 'FAIL ' + str(mismatches)}")

    report = {
        "date": time.strftime("%Y-%m-%d"),
        "args": {k: v for k, v in vars(args).items() if k != "pg_set"},
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "postgres": connection.cursor().connection.info.server_version
            if connection.vendor == "postgresql"
            else None,
            "loadavg_1m_start_end": [load_start, round(os.getloadavg()[0], 2)],
        },
        "generation_s": generation_s,
        "run_s": round(time.perf_counter() - run_started, 1),
        "window_30d_orders": naive["total"],
        "recommended_indexes": INDEXES,
        "baseline_naive_python_30d": naive_stats,
        "baseline_mismatches": mismatches,
        "schema": phase1,
        "indexed": phase2,
    }
    if not args.no_json:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        suffix = "-quick" if args.quick else ""
        path = RESULTS_DIR / f"analytics-{report['date']}{suffix}.json"
        path.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
        log(f"wrote {path.relative_to(ROOT)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
