"""Attempts in SQLite: the audit trail's rows, the send that holds a lease, and the claim of each new job."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from bot.budget import Budget, OverBudget
from bot.records import RECREATE_ACTION, AttemptRecord, Lease, Outcome, Verdict
from bot.store import sqlite_rows as rows
from bot.store.sqlite_spending import spent


def record(db: sqlite3.Connection, attempt: AttemptRecord, lease: Lease | None) -> None:
    """Inside a transaction: the attempt and its lease land together."""
    rows.upsert(db, "attempts", rows.ATTEMPT, attempt)
    if lease is not None:
        rows.upsert(db, "leases", rows.LEASE, lease)


def mark_sent(db: sqlite3.Connection, attempt: AttemptRecord, owner: str, budget: Budget | None) -> bool:
    """Inside a transaction: BEGIN IMMEDIATE took the file's write lock first, so no other connection can count or
    spend between this count and this write."""
    held = db.execute("SELECT owner FROM leases WHERE request_id = ?", (attempt.request_id,)).fetchone()
    if held is None or held[0] != owner:
        return False
    if budget is not None and budget.active:
        assert attempt.sent_at is not None
        counted = [s for s in spent(db, budget.window_start(attempt.sent_at)) if s.request_id != attempt.request_id]
        over = budget.over(counted, attempt.user_id, attempt.gpu_total or 0)
        if over is not None:
            raise OverBudget(over)
    rows.upsert(db, "attempts", rows.ATTEMPT, attempt)
    return True


def select(db: sqlite3.Connection, where: str, params: tuple[Any, ...]) -> list[AttemptRecord]:
    found = db.execute(rows.select("attempts", rows.ATTEMPT, where), params).fetchall()
    return [rows.attempt(row) for row in found]


def recreations_by(db: sqlite3.Connection, user_id: str, limit: int) -> list[AttemptRecord]:
    return select(
        db,
        "WHERE decision = ? AND user_id = ? AND action = ? ORDER BY created_at DESC LIMIT ?",
        (Verdict.ALLOWED, user_id, RECREATE_ACTION, limit),
    )


def get(db: sqlite3.Connection, request_id: str) -> AttemptRecord | None:
    found = select(db, "WHERE request_id = ?", (request_id,))
    return found[0] if found else None


def recent(db: sqlite3.Connection, limit: int) -> list[AttemptRecord]:
    return select(db, "WHERE decision = ? ORDER BY created_at DESC LIMIT ?", (Verdict.ALLOWED, limit))


def involving(db: sqlite3.Connection, job_id: str, limit: int) -> list[AttemptRecord]:
    return select(
        db, "WHERE (source_job_id = ? OR new_job_id = ?) ORDER BY created_at DESC LIMIT ?", (job_id, job_id, limit)
    )


def visible(
    db: sqlite3.Connection, limit: int, channel_id: str, user_id: str, job_id: str | None
) -> list[AttemptRecord]:
    where = "WHERE decision = ? AND (channel_id = ? OR user_id = ?)"
    params: tuple[Any, ...] = (Verdict.ALLOWED, channel_id, user_id)
    if job_id is not None:
        where += " AND (source_job_id = ? OR new_job_id = ?)"
        params += (job_id, job_id)
    return select(db, f"{where} ORDER BY created_at DESC LIMIT ?", (*params, limit))


def last_created(db: sqlite3.Connection, source_job_id: str, since: datetime) -> AttemptRecord | None:
    # updated_at is when the outcome was recorded, i.e. when the job was made, not when the command was typed.
    found = select(
        db,
        "WHERE source_job_id = ? AND outcome IN (?, ?) AND updated_at >= ? ORDER BY updated_at DESC LIMIT 1",
        (source_job_id, Outcome.CREATED, Outcome.OUTCOME_UNKNOWN, rows.to_sql(since)),
    )
    return found[0] if found else None


def contenders(
    db: sqlite3.Connection, copy_key: str, sent_after: datetime, sent_before: datetime, excluding: str
) -> list[str]:
    found = db.execute(
        "SELECT request_id FROM attempts WHERE copy_key = ? AND sent_at >= ? AND sent_at <= ? "
        "AND request_id != ? AND outcome IN (?, ?) ORDER BY sent_at",
        (copy_key, rows.to_sql(sent_after), rows.to_sql(sent_before), excluding, *rows.IN_DOUBT),
    ).fetchall()
    return [str(row[0]) for row in found]


def claim_new_job(db: sqlite3.Connection, job_id: str, request_id: str) -> bool:
    db.execute("INSERT OR IGNORE INTO job_claims (job_id, request_id) VALUES (?, ?)", (job_id, request_id))
    found = db.execute("SELECT request_id FROM job_claims WHERE job_id = ?", (job_id,)).fetchone()
    return found is not None and found[0] == request_id


def claim_owner(db: sqlite3.Connection, job_id: str) -> str | None:
    found = db.execute("SELECT request_id FROM job_claims WHERE job_id = ?", (job_id,)).fetchone()
    return str(found[0]) if found else None
