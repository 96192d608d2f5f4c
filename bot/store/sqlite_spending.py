"""The GPU budget's reading and pruning in SQLite: the statements behind SqliteAuditStore's methods."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from bot.budget import Spent
from bot.records import Outcome, PreviewState, PruneBefore
from bot.store import sqlite_rows as rows
from bot.store.sqlite_time import from_micros

# Sent, and made (or may have made, or is making) a job: what the budget counts.
_SPENDING = (Outcome.PENDING, Outcome.CREATED, Outcome.OUTCOME_UNKNOWN)


def spent(db: sqlite3.Connection, since: datetime) -> list[Spent]:
    found = db.execute(
        "SELECT request_id, user_id, sent_at, gpu_total FROM attempts WHERE sent_at >= ? AND outcome IN (?, ?, ?)",
        (rows.to_sql(since), *_SPENDING),
    ).fetchall()
    return [Spent(row[0], row[1], from_micros(row[2]), int(row[3] or 0)) for row in found]


def prune(db: sqlite3.Connection, before: PruneBefore) -> dict[str, int]:
    """Inside a transaction: what can no longer matter goes; README "What is kept, and for how long" gives why."""
    removed: dict[str, int] = {}
    for name, statement, params in _prune_statements(db, before):
        removed[name] = removed.get(name, 0) + db.execute(statement, params).rowcount
    return removed


def _prune_statements(db: sqlite3.Connection, before: PruneBefore) -> list[tuple[str, str, tuple[Any, ...]]]:
    (oldest_in_doubt,) = db.execute(
        "SELECT MIN(sent_at) FROM attempts WHERE sent_at IS NOT NULL AND outcome IN (?, ?)", rows.IN_DOUBT
    ).fetchone()
    claims_before = rows.to_sql(before.claims_before(rows.time(oldest_in_doubt)))
    urls = rows.to_sql(before.response_urls)
    settled = rows.to_sql(before.settled)
    return [
        ("attempts", "DELETE FROM attempts WHERE created_at < ?", (rows.to_sql(before.attempts),)),
        (
            "job_claims",
            "DELETE FROM job_claims WHERE NOT EXISTS (SELECT 1 FROM attempts a WHERE a.request_id = "
            "job_claims.request_id AND COALESCE(a.sent_at, a.updated_at) >= ?)",
            (claims_before,),
        ),
        (
            "leases",
            "DELETE FROM leases WHERE NOT EXISTS (SELECT 1 FROM attempts a WHERE a.request_id = leases.request_id)",
            (),
        ),
        ("previews", "DELETE FROM previews WHERE state != ? AND created_at < ?", (PreviewState.PENDING, settled)),
        ("in_flight", "DELETE FROM in_flight WHERE started_at < ?", (rows.to_sql(before.locks),)),
        ("followed", "DELETE FROM followed WHERE deadline < ? OR (done = 1 AND next_poll_at < ?)", (settled, settled)),
        (
            "response_urls",
            "UPDATE previews SET response_url = NULL WHERE response_url IS NOT NULL AND created_at < ?",
            (urls,),
        ),
        (
            "response_urls",
            "UPDATE followed SET response_url = NULL WHERE response_url IS NOT NULL AND started_at < ?",
            (urls,),
        ),
        (
            "response_urls",
            "UPDATE leases SET response_url = NULL WHERE response_url IS NOT NULL AND request_id IN "
            "(SELECT request_id FROM attempts WHERE created_at < ?)",
            (urls,),
        ),
        ("stops", "DELETE FROM stops WHERE requested_at < ?", (rows.to_sql(before.attempts),)),
        ("watch_failures", "DELETE FROM watch_failures WHERE seen_at < ?", (rows.to_sql(before.attempts),)),
        ("watch_mutes", "DELETE FROM watch_mutes WHERE until < ?", (settled,)),
    ]
