"""Ledger benchmark: how many transfers per second does `ledger.transfers_post` take?

Run against PostgreSQL (see bench/README.md):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xinghuo_bench_ledger \
        .venv/bin/python bench/bench_ledger.py [--clients 8 --seconds 20 --accounts 1000 --quick]

The script migrates the database, finds or creates its ledger accounts through
`ledger.account_for` and funds them from one clearing account through `transfers_post`.
Then several client threads (each with its own connection) post through the real
`transfers_post` for a fixed time: single transfers between random accounts, the same on a
hot set of 10 accounts, and linked batches of 4 transfers shaped like a settlement. A payout
batch of 10,000 transfers into one "payouts in transit" account follows. Every workload also
runs with a single client ("baseline: single client"). After each run the ledger must verify
(`ledger_verify() == []`, balances summing to zero). The script prints a table and writes
the figures to bench/results/ledger-<date>.json.

Transfers are immutable (a database trigger), so the bench database only grows; every run
uses fresh keys and tops the accounts up to the same level before each workload.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import queue
import random
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from _common import ensure_database, log, percentile  # bench/ is on sys.path when run

ROOT = Path(__file__).resolve().parent.parent
# Run as a plain script from anywhere: `config` and `xinghuo` live at the project root.
sys.path.insert(0, str(ROOT))

RESULTS_DIR = ROOT / "bench" / "results"

KEY_PREFIX = "bench:"
# Channels (max 16 characters) mark the bench's stand-in accounts: FEE_REVENUE accounts of
# the platform, one per channel, so that no users or workers have to be created.
CUSTOMER_CHANNEL = "bench{}"
PAYOUT_CHANNEL = "w{}"
BENCH_CHANNEL = "bench"

FUND_TARGET_FEN = 1_000_000  # 10,000 yuan in every customer account before each workload
AMOUNT_FEN = (100, 10_000)  # single transfers: 1 to 100 yuan
GROSS_FEN = (1_000, 100_000)  # settlement batches: 10 to 1,000 yuan gross
PAYOUT_FEN = (10_000, 500_000)  # payouts: 100 to 5,000 yuan
FUND_BATCH = 250  # transfers per top-up call
SAMPLE_EVERY_S = 0.05  # pg_stat_activity sampling period during multi-client runs

FULL = {"seconds": 20.0, "payout_workers": 10_000}
QUICK = {"seconds": 3.0, "payout_workers": 1_000}
WORKLOADS = ("uniform", "hot", "batch", "batch-shared", "payout")


# --- command line and database ------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="3 s per run, a payout of 1,000")
    p.add_argument("--clients", type=int, default=8, help="concurrent clients (threads)")
    p.add_argument("--seconds", type=float, help=f"per timed run (default {FULL['seconds']})")
    p.add_argument("--accounts", type=int, default=1_000, help="customer accounts")
    p.add_argument("--hot-accounts", type=int, default=10, help="accounts of the hot spot")
    p.add_argument(
        "--payout-workers", type=int, help=f"payout batch size (default {FULL['payout_workers']})"
    )
    p.add_argument(
        "--workloads",
        default=",".join(WORKLOADS),
        help=f"comma-separated subset of {','.join(WORKLOADS)}",
    )
    p.add_argument(
        "--processes",
        action="store_true",
        help="run the multi-client runs as processes instead of threads (no shared GIL)",
    )
    p.add_argument("--query-samples", type=int, default=30, help="calls in the query-count pass")
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
    p.add_argument("--no-json", action="store_true", help="do not write bench/results/*.json")
    args = p.parse_args(argv)
    preset = QUICK if args.quick else FULL
    for key, value in preset.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    unknown = set(args.workloads) - set(WORKLOADS)
    if unknown:
        sys.exit(f"Unknown workload(s) {sorted(unknown)}; choose from {', '.join(WORKLOADS)}.")
    if args.accounts < 5 or not 2 <= args.hot_accounts <= args.accounts:
        sys.exit("Need at least 5 accounts and 2 ≤ --hot-accounts ≤ --accounts.")
    if args.clients < 1:
        sys.exit("--clients must be at least 1.")
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
                "e.g. postgres://postgres@127.0.0.1:5432/xinghuo_bench_ledger "
                "(or pass --allow-sqlite)."
            )
        return
    if db["ENGINE"] != "django.db.backends.postgresql":
        sys.exit(f"Unsupported database engine {db['ENGINE']}.")
    name = db["NAME"]
    # Transfers cannot be deleted (trigger): bench money must never land in a working ledger.
    if "bench" not in name and not args.allow_any_db:
        sys.exit(f"Database {name!r} does not look like a bench database (no 'bench' in its name).")
    ensure_database(db, rebuild=args.rebuild)


def summary(times_ms: list[float]) -> dict[str, Any]:
    if not times_ms:
        return {"n": 0}
    return {
        "n": len(times_ms),
        "p50_ms": round(percentile(times_ms, 50), 2),
        "p95_ms": round(percentile(times_ms, 95), 2),
        "p99_ms": round(percentile(times_ms, 99), 2),
        "max_ms": round(max(times_ms), 2),
        "mean_ms": round(statistics.fmean(times_ms), 2),
    }


def postgres_version() -> str:
    from django.db import connection

    if connection.vendor != "postgresql":
        return connection.vendor
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def pg_setting(name: str) -> str | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s)", [name])
        return cursor.fetchone()[0]


# --- accounts and money -------------------------------------------------------------------


@dataclass
class Accounts:
    customers: list[int]  # FEE_REVENUE stand-ins, channel bench0…
    payout_wallets: list[int]  # FEE_REVENUE stand-ins for worker wallets, channel w0…
    clearing: int  # CHANNEL_CLEARING "bench": funds everything (may go negative)
    in_transit: int  # PAYOUTS_IN_TRANSIT "bench": every payout lands here
    fee: int  # the platform's FEE_REVENUE account, shared by every settlement
    tax: int  # the platform's TAX_PAYABLE account, shared by every settlement


def _accounts_by_channel(purpose: str, channels: list[str]) -> list[int]:
    """Ids of the platform's `purpose` accounts for these channels, in the given order.

    Missing ones are created through `ledger.account_for`, the way the services create
    accounts; existing ones are found with one query, so a rerun does not pay for creation.
    """
    from django.db import transaction

    from xinghuo.settlement.models import LedgerAccount
    from xinghuo.settlement.services import ledger

    found = dict(
        LedgerAccount.objects.filter(
            purpose=purpose, owner_key="platform", channel__in=channels
        ).values_list("channel", "pk")
    )
    missing = [c for c in channels if c not in found]
    for start in range(0, len(missing), 1_000):
        # One transaction per thousand: account_for's own atomic block becomes a savepoint.
        with transaction.atomic():
            for channel in missing[start : start + 1_000]:
                found[channel] = ledger.account_for(purpose=purpose, channel=channel).pk
    return [found[c] for c in channels]


def ensure_accounts(args: argparse.Namespace) -> tuple[Accounts, float]:
    from xinghuo.settlement.models import LedgerAccount
    from xinghuo.settlement.services import ledger

    P = LedgerAccount.Purpose
    start = time.perf_counter()
    customers = _accounts_by_channel(
        P.FEE_REVENUE, [CUSTOMER_CHANNEL.format(i) for i in range(args.accounts)]
    )
    wallets = _accounts_by_channel(
        P.FEE_REVENUE, [PAYOUT_CHANNEL.format(i) for i in range(args.payout_workers)]
    )
    accounts = Accounts(
        customers=customers,
        payout_wallets=wallets,
        clearing=ledger.account_for(purpose=P.CHANNEL_CLEARING, channel=BENCH_CHANNEL).pk,
        in_transit=ledger.account_for(purpose=P.PAYOUTS_IN_TRANSIT, channel=BENCH_CHANNEL).pk,
        fee=ledger.account_for(purpose=P.FEE_REVENUE).pk,
        tax=ledger.account_for(purpose=P.TAX_PAYABLE).pk,
    )
    return accounts, time.perf_counter() - start


def top_up(*, account_ids: list[int], clearing: int, target_fen: int, tag: str) -> int:
    """Bring every account's available balance up to `target_fen` from the clearing account,
    through `transfers_post` in batches. Returns the number of transfers posted."""
    from xinghuo.settlement.models import LedgerAccount
    from xinghuo.settlement.services import ledger
    from xinghuo.settlement.services.ledger import TransferSpec

    rows = LedgerAccount.objects.filter(pk__in=account_ids).values_list(
        "pk", "credits_posted", "debits_posted", "debits_pending"
    )
    specs = [
        TransferSpec(
            key=f"{tag}{pk}",
            debit_id=clearing,
            credit_id=pk,
            amount_fen=target_fen - (credits - debits - pending),
            code="bench-fund",
        )
        for pk, credits, debits, pending in rows
        if credits - debits - pending < target_fen
    ]
    for start in range(0, len(specs), FUND_BATCH):
        ledger.transfers_post(specs=specs[start : start + FUND_BATCH])
    return len(specs)


def check_ledger(*, key_prefix: str | None = None, expected_transfers: int | None = None) -> dict:
    """`ledger_verify()` is empty, balances sum to zero, and (given a key prefix) the run left
    exactly the transfers its clients reported as posted."""
    from django.db.models import F, Sum

    from xinghuo.settlement.models import LedgerAccount, Transfer
    from xinghuo.settlement.services import ledger

    start = time.perf_counter()
    mismatches = ledger.ledger_verify()
    sums = LedgerAccount.objects.aggregate(
        posted=Sum(F("credits_posted") - F("debits_posted")),
        pending=Sum(F("credits_pending") - F("debits_pending")),
    )
    out: dict[str, Any] = {
        "verify_mismatches": len(mismatches),
        "mismatch_sample": [vars(m) for m in mismatches[:5]],
        "sum_posted_fen": sums["posted"] or 0,
        "sum_pending_fen": sums["pending"] or 0,
    }
    ok = not mismatches and out["sum_posted_fen"] == 0 and out["sum_pending_fen"] == 0
    if key_prefix is not None:
        stored = Transfer.objects.filter(key__startswith=key_prefix).count()
        out["transfers_stored"] = stored
        out["transfers_reported"] = expected_transfers
        ok = ok and stored == expected_transfers
    out["verify_s"] = round(time.perf_counter() - start, 2)
    out["check"] = "PASS" if ok else "FAIL"
    return out


# --- workloads ----------------------------------------------------------------------------

MakeCall = Callable[[int, int, random.Random], "list[Any] | None"]


def single_transfers(pool: list[int], prefix: str) -> MakeCall:
    """One transfer between two random accounts of `pool` per call."""
    from xinghuo.settlement.services.ledger import TransferSpec

    def make(client: int, n: int, rng: random.Random) -> list[Any]:
        debit, credit = rng.sample(pool, 2)
        return [
            TransferSpec(
                key=f"{prefix}{client}:{n}",
                debit_id=debit,
                credit_id=credit,
                amount_fen=rng.randint(*AMOUNT_FEN),
                code="bench",
            )
        ]

    return make


def settlement_batches(pool: list[int], prefix: str, shared: tuple[int, int] | None) -> MakeCall:
    """Four linked transfers per call, shaped like `order_settle`'s batch: A→B gross, then
    B→tax, B→fee and B→C net. With `shared` the tax and fee accounts are the platform's
    two accounts, as in production; without, they are random customer accounts too."""
    from xinghuo.settlement.services.ledger import TransferSpec

    def make(client: int, n: int, rng: random.Random) -> list[Any]:
        if shared is None:
            escrow, earnings, tax, fee, wallet = rng.sample(pool, 5)
        else:
            escrow, earnings, wallet = rng.sample(pool, 3)
            tax, fee = shared
        gross = rng.randint(*GROSS_FEN)
        tax_fen, fee_fen = gross * 3 // 100, gross * 6 // 100
        key = f"{prefix}{client}:{n}:"
        return [
            TransferSpec(f"{key}gross", escrow, earnings, gross, "gross"),
            TransferSpec(f"{key}tax", earnings, tax, tax_fen, "tax"),
            TransferSpec(f"{key}fee", earnings, fee, fee_fen, "fee"),
            TransferSpec(f"{key}net", earnings, wallet, gross - tax_fen - fee_fen, "net"),
        ]

    return make


def payout_stripes(jobs: list[Any], clients: int) -> MakeCall:
    """One payout per call; client i takes jobs i, i + clients, i + 2·clients, … (works the
    same for threads and processes, and every job is posted exactly once)."""

    def make(client: int, n: int, rng: random.Random) -> list[Any] | None:
        i = client + n * clients
        return [jobs[i]] if i < len(jobs) else None

    return make


# --- running clients ----------------------------------------------------------------------


def _classify(state: str | None, wait_type: str | None, wait_event: str | None) -> str:
    if state == "idle":
        return "idle: client between transactions"
    if state == "idle in transaction":
        return "in transaction, waiting for the client"
    if state == "active":
        if wait_type is None:
            return "active: running"
        if wait_type == "Lock":
            return f"active: waiting for a lock ({wait_event})"
        if wait_event in ("WALSync", "WALWrite", "WALInsert") or wait_type == "IO":
            return f"active: WAL/IO ({wait_event})"
        return f"active: {wait_type}:{wait_event}"
    return f"{state}: {wait_type}:{wait_event}"


class ActivitySampler:
    """Samples what the clients' server processes are doing (pg_stat_activity) every
    SAMPLE_EVERY_S: lock waits, commit flushes, or waiting on the Python client."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.counts: Counter[str] = Counter()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ActivitySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        from django.db import connection, connections

        try:
            with connection.cursor() as cursor:
                while not self._stop.wait(SAMPLE_EVERY_S):
                    cursor.execute(
                        "SELECT state, wait_event_type, wait_event FROM pg_stat_activity"
                        " WHERE pid = ANY(%s)",
                        [self.pids],
                    )
                    for row in cursor.fetchall():
                        self.counts[_classify(*row)] += 1
                    self.samples += 1
        finally:
            connections.close_all()

    def shares(self) -> dict[str, float]:
        total = sum(self.counts.values())
        if not total:
            return {}
        return {k: round(v / total, 3) for k, v in self.counts.most_common()}


Outcome = tuple[str, int, float]  # outcome, transfers in the call, latency ms


def _client_loop(
    *, idx: int, make_call: MakeCall, seed: int, barrier: Any, stop: Any, pids: Any
) -> tuple[list[Outcome], list[str]]:
    """One client: connect, wait for the start signal, call `transfers_post` until told to
    stop or until `make_call` gives None; close the connection at the end."""
    from django.db import connection, connections

    from xinghuo.settlement.exceptions import InsufficientFunds
    from xinghuo.settlement.services import ledger

    rng = random.Random(seed * 1_000 + idx)
    out: list[Outcome] = []
    errors: list[str] = []
    try:
        try:
            # Connected before the start signal: connection setup is not what we measure.
            connection.ensure_connection()
            if connection.vendor == "postgresql":
                pids.put(connection.connection.info.backend_pid)
        except Exception:
            barrier.abort()
            raise
        barrier.wait()
        n = 0
        while not stop.is_set():
            specs = make_call(idx, n, rng)
            if specs is None:
                break
            n += 1
            start = time.perf_counter()
            try:
                ledger.transfers_post(specs=specs)
                outcome = "posted"
            except InsufficientFunds:
                outcome = "insufficient_funds"
            except Exception as exc:
                outcome = "error"
                errors.append(repr(exc))
            out.append((outcome, len(specs), (time.perf_counter() - start) * 1000))
    finally:
        connections.close_all()
    return out, errors


def run_clients(
    *,
    clients: int,
    make_call: MakeCall,
    seconds: float | None,
    seed: int,
    sample: bool,
    processes: bool = False,
) -> dict[str, Any]:
    """`clients` threads (or processes), each with its own connection, call `transfers_post`
    with what `make_call` gives them: for `seconds`, or until it gives None."""
    from django.db import connections

    mp = multiprocessing.get_context("fork")
    if processes:
        # Forked children must not share the parent's socket: they open their own.
        connections.close_all()
        barrier: Any = mp.Barrier(clients + 1)
        stop: Any = mp.Event()
        pid_queue: Any = mp.Queue()
        results: Any = mp.Queue()
    else:
        barrier, stop = threading.Barrier(clients + 1), threading.Event()
        pid_queue, results = queue.SimpleQueue(), queue.SimpleQueue()

    def child(idx: int) -> None:
        try:
            out, errs = _client_loop(
                idx=idx, make_call=make_call, seed=seed, barrier=barrier, stop=stop, pids=pid_queue
            )
        except Exception as exc:
            # A client that died counts as an error (and fails the run), not as a quiet one.
            out, errs = [("error", 0, 0.0)], [f"client {idx} failed: {exc!r}"]
        results.put((idx, out, errs))

    workers: list[Any] = [
        (mp.Process if processes else threading.Thread)(target=child, args=(i,))
        for i in range(clients)
    ]
    for w in workers:
        w.start()
    barrier.wait()
    pids = [pid_queue.get() for _ in range(clients)] if sample else []
    sampler = ActivitySampler(pids) if pids else None
    outcomes: list[list[Outcome]] = [[] for _ in range(clients)]
    errors: list[str] = []
    with sampler or _nothing():
        started = time.perf_counter()
        if seconds is not None:
            time.sleep(seconds)
            stop.set()
        # Read the results before joining: a child process blocks until its result is taken.
        for _ in range(clients):
            idx, out, errs = results.get()
            outcomes[idx], errors = out, errors + errs
        wall = time.perf_counter() - started
    for w in workers:
        w.join()

    flat = [o for out in outcomes for o in out]
    counts = Counter(outcome for outcome, _, _ in flat)
    posted = sum(size for outcome, size, _ in flat if outcome == "posted")
    result: dict[str, Any] = {
        "clients": clients,
        "wall_s": round(wall, 3),
        "calls": len(flat),
        "transfers_posted": posted,
        "calls_per_s": round(len(flat) / wall, 1),
        "transfers_per_s": round(posted / wall, 1),
        "outcomes": dict(counts),
        "insufficient_funds": counts["insufficient_funds"],
        "errors": counts["error"],
        "deadlocks": sum(1 for e in errors if "deadlock" in e.lower()),
        "error_sample": errors[:3],
        "latency_per_call": summary([ms for _, _, ms in flat]),
        "calls_per_client": [len(out) for out in outcomes],
    }
    if sampler is not None:
        result["server_activity"] = {"samples": sampler.samples, "shares": sampler.shares()}
    return result


@contextmanager
def _nothing() -> Iterator[None]:
    yield


# --- query counts (untimed) ---------------------------------------------------------------


def count_queries(accounts: Accounts, run_tag: str, samples: int, seed: int) -> dict[str, Any]:
    """Statements per `transfers_post` call, counted with CaptureQueriesContext in one
    untimed client; also how long the account locks are held (from the SELECT … FOR UPDATE
    to the end of the commit), uncontended. The hot-row ceiling is about 1 / that time."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from xinghuo.settlement.exceptions import InsufficientFunds
    from xinghuo.settlement.services import ledger
    from xinghuo.settlement.services.ledger import TransferSpec

    rng = random.Random(seed)
    lock_started: list[float] = []

    def note_lock(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if "FOR UPDATE" in sql:
            lock_started.append(time.perf_counter())
        return execute(sql, params, many, context)

    def call(specs: list[Any], expect: type[Exception] | None) -> tuple[float, float, float]:
        """Wall ms, client CPU ms and ms from the lock to the end of the commit of one call."""
        lock_started.clear()
        with connection.execute_wrapper(note_lock):
            start, cpu = time.perf_counter(), time.thread_time()
            try:
                ledger.transfers_post(specs=specs)
            except Exception as exc:
                if expect is None or not isinstance(exc, expect):
                    raise
            end, cpu_end = time.perf_counter(), time.thread_time()
        held = (end - lock_started[0]) * 1000 if lock_started else 0.0
        return (end - start) * 1000, (cpu_end - cpu) * 1000, held

    def measure(make: Callable[[int], list[Any]], expect: type[Exception] | None) -> dict:
        counts, statements = [], []
        for n in range(samples):
            with CaptureQueriesContext(connection) as ctx:
                call(make(n), expect)
            counts.append(len(ctx.captured_queries))
            if n == 0:
                statements = [_shorten(q["sql"]) for q in ctx.captured_queries]
        # Timed apart from the counting: the capturing debug cursor costs CPU of its own.
        timed = [call(make(samples + n), expect) for n in range(samples)]
        call_ms, cpu_ms, hold_ms = ([t[i] for t in timed] for i in range(3))
        locked_at = next((i for i, s in enumerate(statements) if "FOR UPDATE" in s), None)
        return {
            # BEGIN and COMMIT (or ROLLBACK) included: Django logs them as statements too.
            "queries_per_call": round(statistics.fmean(counts), 1),
            # From the SELECT … FOR UPDATE to the COMMIT, both included.
            "statements_holding_locks": (
                len(statements) - locked_at if locked_at is not None else 0
            ),
            "call_ms": summary(call_ms),
            # Python CPU of the client thread (Django, psycopg): what the GIL serialises.
            "client_cpu_ms_mean": round(statistics.fmean(cpu_ms), 2),
            "lock_held_ms": summary(hold_ms),
            "statements": statements,
        }

    pool = accounts.customers
    single = single_transfers(pool, f"{KEY_PREFIX}{run_tag}:qc-single:")
    batch = settlement_batches(
        pool, f"{KEY_PREFIX}{run_tag}:qc-batch:", (accounts.tax, accounts.fee)
    )
    replay_spec = single(0, 10**6, rng)

    ledger.transfers_post(specs=replay_spec)
    out = {
        "single": measure(lambda n: single(0, n, rng), None),
        "batch_of_4": measure(lambda n: batch(0, n, rng), None),
        "replay_same_key": measure(lambda n: replay_spec, None),
        "insufficient_funds": measure(
            lambda n: [
                TransferSpec(
                    key=f"{KEY_PREFIX}{run_tag}:qc-insufficient:{n}",
                    debit_id=pool[n % len(pool)],
                    credit_id=pool[(n + 1) % len(pool)],
                    amount_fen=10**12,
                    code="bench",
                )
            ],
            InsufficientFunds,
        ),
    }
    return out


def _shorten(sql: str) -> str:
    """A statement reduced to what it does: verb, table, and the telling clause."""
    sql = " ".join(sql.split())
    if sql in ("BEGIN", "COMMIT", "ROLLBACK"):
        return sql
    if sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
        return sql.rsplit(" ", 1)[0]
    table = next((w.strip('"') for w in sql.split() if "settlement_" in w), "?")
    table = table.split(".")[0].strip('"')
    verb = sql.split()[0]
    extra = []
    if "FOR UPDATE" in sql:
        extra.append("FOR UPDATE")
    if " IN (" in sql:
        extra.append("WHERE … IN (…)")
    if verb == "UPDATE":
        extra.append("SET totals WHERE id = …")
    if "RETURNING" in sql:
        extra.append("RETURNING id")
    return " ".join([verb, table, *extra])


# --- the run ------------------------------------------------------------------------------


def run_workloads(args: argparse.Namespace, accounts: Accounts, run_tag: str) -> list[dict]:
    from django.db import connection

    runs: list[dict[str, Any]] = []
    client_counts = [1] if args.clients == 1 else [1, args.clients]
    hot = accounts.customers[: args.hot_accounts]
    timed = {
        "uniform": (
            f"single transfer, {args.accounts:,} accounts",
            lambda prefix: single_transfers(accounts.customers, prefix),
        ),
        "hot": (
            f"single transfer, hot spot of {args.hot_accounts} accounts",
            lambda prefix: single_transfers(hot, prefix),
        ),
        "batch": (
            f"batch of 4 (settlement shape), {args.accounts:,} accounts",
            lambda prefix: settlement_batches(accounts.customers, prefix, None),
        ),
        "batch-shared": (
            "batch of 4, shared platform fee + tax accounts",
            lambda prefix: settlement_batches(
                accounts.customers, prefix, (accounts.tax, accounts.fee)
            ),
        ),
    }
    seed = args.seed
    for slug in args.workloads:
        for clients in client_counts:
            seed += 1
            name = (
                "baseline: single client"
                if clients == 1
                else f"{clients} clients{' (processes)' if args.processes else ''}"
            )
            prefix = f"{KEY_PREFIX}{run_tag}:{slug}:{clients}c:"
            if slug == "payout":
                label = f"payout batch of {args.payout_workers:,} (wallet → in transit)"
                rng = random.Random(seed)
                jobs = _payout_specs(accounts, prefix, rng)
                funded = top_up(
                    account_ids=accounts.payout_wallets,
                    clearing=accounts.clearing,
                    target_fen=PAYOUT_FEN[1],
                    tag=f"{prefix}fund:",
                )
                make = payout_stripes(jobs, clients)
                seconds = None
            else:
                label, factory = timed[slug]
                funded = top_up(
                    account_ids=accounts.customers,
                    clearing=accounts.clearing,
                    target_fen=FUND_TARGET_FEN,
                    tag=f"{prefix}fund:",
                )
                make = factory(f"{prefix}t:")
                seconds = args.seconds
            log(f"{label} — {name} …")
            result = run_clients(
                clients=clients,
                make_call=make,
                seconds=seconds,
                seed=seed,
                sample=clients > 1 and connection.vendor == "postgresql",
                processes=args.processes and clients > 1,
            )
            result.update(
                check_ledger(
                    key_prefix=f"{prefix}t:" if slug != "payout" else f"{prefix}p:",
                    expected_transfers=result["transfers_posted"],
                )
            )
            if result["errors"]:
                result["check"] = "FAIL"
            result.update({"workload": slug, "label": label, "run": name, "topped_up": funded})
            if slug == "payout":
                result["payouts"] = len(jobs)
            log(
                f"  {result['transfers_per_s']:.0f} transfers/s, p95 "
                f"{result['latency_per_call'].get('p95_ms', 0):.1f} ms, "
                f"insufficient {result['insufficient_funds']}, errors {result['errors']}, "
                f"ledger {result['check']}"
            )
            runs.append(result)
    baselines = {r["workload"]: r for r in runs if r["clients"] == 1}
    for r in runs:
        base = baselines.get(r["workload"])
        if base and base["transfers_per_s"]:
            r["scaling_vs_baseline"] = round(r["transfers_per_s"] / base["transfers_per_s"], 2)
    return runs


def _payout_specs(accounts: Accounts, prefix: str, rng: random.Random) -> list[Any]:
    from xinghuo.settlement.services.ledger import TransferSpec

    return [
        TransferSpec(
            key=f"{prefix}p:{i}",
            debit_id=wallet,
            credit_id=accounts.in_transit,
            amount_fen=rng.randint(*PAYOUT_FEN),
            code="payout",
            reference=f"bench-payout:{i}",
        )
        for i, wallet in enumerate(accounts.payout_wallets)
    ]


# --- report -------------------------------------------------------------------------------


def print_report(report: dict[str, Any]) -> None:
    m, p = report["machine"], report["params"]
    print()
    print(
        f"Ledger bench — {report['date']}, {m['cpus']} CPUs, PostgreSQL {m['postgres']} "
        f"(synchronous_commit={m['synchronous_commit']}), load "
        f"{m['loadavg_1m_start_end'][0]}→{m['loadavg_1m_start_end'][1]}"
    )
    print(
        f"{p['accounts']:,} customer accounts (hot spot: {p['hot_accounts']}), "
        f"{p['payout_workers']:,} payout wallets; {p['seconds']:g} s per timed run; "
        f"{report['transfers_in_table_at_start']:,} transfers already in the table"
    )
    print()
    head = (
        f"{'workload':<48} {'run':<24} {'transfers/s':>11} {'calls/s':>8} {'×base':>6} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7} {'insuff':>6} {'err':>4}  ledger"
    )
    print(head)
    print("-" * len(head))
    for r in report["runs"]:
        lat = r["latency_per_call"]
        print(
            f"{r['label']:<48} {r['run']:<24} {r['transfers_per_s']:>11.1f} "
            f"{r['calls_per_s']:>8.1f} {r.get('scaling_vs_baseline', 1):>6.2f} "
            f"{lat.get('p50_ms', 0):>7.1f} {lat.get('p95_ms', 0):>7.1f} "
            f"{lat.get('p99_ms', 0):>7.1f} {lat.get('max_ms', 0):>7.1f} "
            f"{r['insufficient_funds']:>6} {r['errors']:>4}  {r['check']}"
        )
    for r in report["runs"]:
        if r["workload"] == "payout":
            print(
                f"\npayout ({r['run']}): {r['payouts']:,} transfers in {r['wall_s']:.1f} s "
                f"= {r['transfers_per_s']:.0f}/s; ledger verify {r['check']} "
                f"({r['verify_mismatches']} mismatches, sum of balances {r['sum_posted_fen']})"
            )
    print("\nserver processes of the clients (pg_stat_activity samples, multi-client runs):")
    for r in report["runs"]:
        act = r.get("server_activity")
        if not act:
            continue
        top = ", ".join(f"{k} {v:.0%}" for k, v in list(act["shares"].items())[:4])
        print(f"  {r['workload']:<13} {top}")
    q = report["queries"]
    print(
        "\nstatements per transfers_post call, BEGIN and COMMIT included "
        "(CaptureQueriesContext, untimed, uncontended):"
    )
    for name, s in q.items():
        print(
            f"  {name:<19} {s['queries_per_call']:>4.1f} statements, "
            f"{s['statements_holding_locks']} from the lock to the commit; call p50 "
            f"{s['call_ms'].get('p50_ms', 0):.2f} ms (client CPU {s['client_cpu_ms_mean']:.2f}),"
            f" locks held p50 {s['lock_held_ms'].get('p50_ms', 0):.2f} ms"
        )
    print("  single transfer: " + " → ".join(q["single"]["statements"]))
    print()
    print(f"overall: {report['overall']}")


def write_json(report: dict[str, Any], *, quick: bool, processes: bool) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    suffix = ("-quick" if quick else "") + ("-processes" if processes else "")
    path = RESULTS_DIR / f"ledger-{report['date'][:10]}{suffix}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


# --- main ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_django(args)
    from django.core.management import call_command
    from django.db import connection, connections

    from xinghuo.settlement.models import Transfer

    total_start = time.perf_counter()
    load_start = round(os.getloadavg()[0], 2)
    # Keys must be new on every run: transfers stay forever.
    run_tag = datetime.now().strftime("%Y%m%d%H%M%S")
    log("migrate …")
    call_command("migrate", verbosity=0, interactive=False)
    log("accounts …")
    accounts, accounts_s = ensure_accounts(args)
    log(
        f"{len(accounts.customers):,} customer and {len(accounts.payout_wallets):,} payout "
        f"accounts ready in {accounts_s:.1f} s"
    )
    transfers_at_start = Transfer.objects.count()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE settlement_ledgeraccount")
            cursor.execute("VACUUM ANALYZE settlement_transfer")
    top_up(
        account_ids=accounts.customers,
        clearing=accounts.clearing,
        target_fen=FUND_TARGET_FEN,
        tag=f"{KEY_PREFIX}{run_tag}:fund-qc:",
    )
    log("counting statements per call (untimed) …")
    queries = count_queries(accounts, run_tag, args.query_samples, args.seed)
    initial = check_ledger()
    if initial["check"] != "PASS":
        log(f"the ledger does not verify before the run: {initial}")

    runs = run_workloads(args, accounts, run_tag)
    ok = initial["check"] == "PASS" and all(r["check"] == "PASS" for r in runs)
    report = {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "postgres": postgres_version(),
            "synchronous_commit": pg_setting("synchronous_commit"),
            # Others' work on the machine skews the figures; the load says how much.
            "loadavg_1m_start_end": [load_start, round(os.getloadavg()[0], 2)],
        },
        "params": {
            "quick": args.quick,
            "clients": args.clients,
            "client_kind": "processes" if args.processes else "threads",
            "seconds": args.seconds,
            "accounts": args.accounts,
            "hot_accounts": args.hot_accounts,
            "payout_workers": args.payout_workers,
            "workloads": args.workloads,
            "fund_target_fen": FUND_TARGET_FEN,
            "amount_fen": AMOUNT_FEN,
            "gross_fen": GROSS_FEN,
            "payout_fen": PAYOUT_FEN,
            "seed": args.seed,
            "run_tag": run_tag,
        },
        "accounts_setup_s": round(accounts_s, 1),
        "transfers_in_table_at_start": transfers_at_start,
        "ledger_before": initial,
        "queries": queries,
        "runs": runs,
        "overall": "PASS" if ok else "FAIL",
        "total_s": round(time.perf_counter() - total_start, 1),
    }
    connections.close_all()
    print_report(report)
    if not args.no_json:
        path = write_json(report, quick=args.quick, processes=args.processes)
        print(f"figures written to {path.relative_to(ROOT)}")
    print(f"total {report['total_s']} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
