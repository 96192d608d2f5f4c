"""The failure watch's state on PostgreSQL: one row per failure seen (its key is the claim), and each scope's start."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import sql

from bot.store import pg_rows as rows
from bot.watch.record import SeenFailure

Connection = psycopg.Connection[tuple[Any, ...]]


def watch_begun(db: Connection, scope: str, now: datetime) -> datetime:
    """The first caller across all hosts sets the scope's start; everyone reads the same one."""
    db.execute(
        "INSERT INTO watch_scopes (scope, begun_at) VALUES (%s, %s) ON CONFLICT (scope) DO NOTHING", (scope, now)
    )
    found = db.execute("SELECT begun_at FROM watch_scopes WHERE scope = %s", (scope,)).fetchone()
    assert found is not None
    begun: datetime = found[0]
    return begun.astimezone(UTC)


def claim_failure(db: Connection, seen: SeenFailure) -> bool:
    query = sql.SQL("INSERT INTO watch_failures ({columns}) VALUES ({values}) ON CONFLICT (job_id) DO NOTHING").format(
        columns=rows.columns(rows.SEEN), values=sql.SQL(", ").join(sql.Placeholder() * len(rows.SEEN))
    )
    cursor = db.execute(query, rows.values(seen, rows.SEEN))
    return cursor.rowcount == 1


def alerted_failures(db: Connection, limit: int) -> list[SeenFailure]:
    query = rows.select("watch_failures", rows.SEEN, "WHERE alerted ORDER BY seen_at DESC LIMIT %s")
    return [rows.seen(row) for row in db.execute(query, (limit,)).fetchall()]
