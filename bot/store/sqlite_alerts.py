"""Recreates from failure alerts on SQLite: the claim on an alert's row, its job, and its release."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.store import sqlite_rows as rows
from bot.store.sqlite_time import to_micros
from bot.watch.record import AlertRecreate


def claim(db: sqlite3.Connection, job_id: str, request_id: str, user_id: str, now: datetime) -> AlertRecreate | None:
    db.execute(
        "UPDATE watch_failures SET recreate_request = ?, recreated_by = ?, recreated_at = ? "
        "WHERE job_id = ? AND alerted = 1 AND recreate_request IS NULL",
        (request_id, user_id, to_micros(now), job_id),
    )
    return _read(db, "job_id = ?", job_id)


def of_request(db: sqlite3.Connection, request_id: str) -> AlertRecreate | None:
    return _read(db, "recreate_request = ?", request_id)


def finish(db: sqlite3.Connection, request_id: str, new_job_id: str, now: datetime) -> AlertRecreate | None:
    db.execute(
        "UPDATE watch_failures SET recreated_job_id = ?, recreated_at = ? "
        "WHERE recreate_request = ? AND recreated_job_id IS NULL",
        (new_job_id, to_micros(now), request_id),
    )
    return of_request(db, request_id)


def release(db: sqlite3.Connection, request_id: str) -> None:
    db.execute(
        "UPDATE watch_failures SET recreate_request = NULL, recreated_by = NULL, recreated_at = NULL "
        "WHERE recreate_request = ? AND recreated_job_id IS NULL",
        (request_id,),
    )


def _read(db: sqlite3.Connection, where: str, key: str) -> AlertRecreate | None:
    row = db.execute(rows.select("watch_failures", rows.ALERT_CLAIM, f"WHERE {where}"), (key,)).fetchone()
    return rows.alert_claim(row) if row is not None else None
