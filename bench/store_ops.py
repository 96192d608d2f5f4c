"""Benchmark of the store operations on the path to an ack: writing an attempt (with its lease) and claiming a
preview, p50 and p99, on SQLite and on PostgreSQL.

Run from the project root:

    .venv/bin/python -m bench.store_ops [--n 500] [--postgres postgresql://postgres@127.0.0.1:5432/postgres]

SQLite is a file in a temporary directory; PostgreSQL is a scratch database created on the given server (an admin
URL, TEST_POSTGRES_URL by default) and dropped afterwards. Each operation runs `--n` times in one thread, so the
figures are one caller's latency, not throughput. Timings on a machine shared with other work vary run to run:
compare backends within one run. The output is readable lines, then every figure as one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from bot.records import AttemptRecord, Lease, Outcome, Preview, PreviewState, Verdict
from bot.store import AuditStore, PostgresAuditStore, SqliteAuditStore


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pick(quantile: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(quantile * len(ordered)))] * 1000, 3)

    return {"p50_ms": pick(0.50), "p99_ms": pick(0.99)}


def timed(n: int, step: Callable[[int], object]) -> dict[str, float]:
    samples = []
    for i in range(n):
        started = time.perf_counter()
        step(i)
        samples.append(time.perf_counter() - started)
    return percentiles(samples)


def measure(store: AuditStore, n: int) -> dict[str, dict[str, float]]:
    now = datetime.now(UTC)
    tag = secrets.token_hex(4)

    def write_attempt(i: int) -> None:
        record = AttemptRecord(
            f"{tag}-a{i}", "UALLOWED01", "CCHANNEL01", "T0TEAM0001", "p7qr9qv", Verdict.ALLOWED, Outcome.PENDING
        )
        store.record(record, lease=Lease(record.request_id, "bench", now + timedelta(seconds=20)))

    for i in range(n):
        store.save_preview(
            Preview(f"{tag}-p{i}", "U1", "C1", None, None, "p7qr9qv", "n4q95w5", "p7qr9qv", now + timedelta(hours=1))
        )

    def claim_preview(i: int) -> None:
        lease = Lease(f"{tag}-p{i}", "bench", now + timedelta(seconds=20))
        assert store.claim_preview(f"{tag}-p{i}", PreviewState.CONFIRMED, now, lease=lease)

    return {"write_attempt": timed(n, write_attempt), "claim_preview": timed(n, claim_preview)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.store_ops", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument(
        "--postgres", default=os.environ.get("TEST_POSTGRES_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    args = parser.parse_args(argv)
    figures: dict[str, dict[str, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        sqlite = SqliteAuditStore(Path(scratch) / "audit.db")
        try:
            figures["sqlite"] = measure(sqlite, args.n)
        finally:
            sqlite.close()
    name = f"rj_bench_{secrets.token_hex(4)}"
    parts = urlsplit(args.postgres)
    with psycopg.connect(args.postgres, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        postgres = PostgresAuditStore(urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, "")))
        try:
            figures["postgres"] = measure(postgres, args.n)
        finally:
            postgres.close()
    finally:
        with psycopg.connect(args.postgres, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    for backend, operations in figures.items():
        for operation, numbers in operations.items():
            print(f"{backend:8} {operation:14} p50 {numbers['p50_ms']:7.3f} ms   p99 {numbers['p99_ms']:7.3f} ms")
    print(json.dumps({"n": args.n, **figures}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
