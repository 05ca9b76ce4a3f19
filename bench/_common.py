"""Helpers shared by the PostgreSQL benchmarks (run as scripts: `python bench/bench_x.py`)."""

from __future__ import annotations

import math
import sys
import time
from typing import Any


def ensure_database(db: dict[str, Any], *, rebuild: bool) -> None:
    """Create the bench database when missing; drop it first with --rebuild."""
    import psycopg
    from psycopg import sql

    params = {
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "dbname": "postgres",
    }
    name = db["NAME"]
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
        if rebuild:
            if "bench" not in name:
                sys.exit("--rebuild drops the database; its name must contain 'bench'.")
            print(f"Dropping database {name} …", flush=True)
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            print(f"Creating database {name} …", flush=True)
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]
