"""Recreates from failure alerts on PostgreSQL: the claim on an alert's row, its job, and its release."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg

from bot.store import pg_rows as rows
from bot.watch.record import AlertRecreate

Connection = psycopg.Connection[tuple[Any, ...]]


def claim(db: Connection, job_id: str, request_id: str, user_id: str, now: datetime) -> AlertRecreate | None:
    # One conditional UPDATE: of two replicas taking the same alert at once, the row lock lets exactly one set it.
    db.execute(
        "UPDATE watch_failures SET recreate_request = %s, recreated_by = %s, recreated_at = %s "
        "WHERE job_id = %s AND alerted AND recreate_request IS NULL",
        (request_id, user_id, now, job_id),
    )
    return _read(db, "job_id = %s", job_id)


def of_request(db: Connection, request_id: str) -> AlertRecreate | None:
    return _read(db, "recreate_request = %s", request_id)


def finish(db: Connection, request_id: str, new_job_id: str, now: datetime) -> AlertRecreate | None:
    db.execute(
        "UPDATE watch_failures SET recreated_job_id = %s, recreated_at = %s "
        "WHERE recreate_request = %s AND recreated_job_id IS NULL",
        (new_job_id, now, request_id),
    )
    return of_request(db, request_id)


def release(db: Connection, request_id: str) -> None:
    db.execute(
        "UPDATE watch_failures SET recreate_request = NULL, recreated_by = NULL, recreated_at = NULL "
        "WHERE recreate_request = %s AND recreated_job_id IS NULL",
        (request_id,),
    )


def _read(db: Connection, where: str, key: str) -> AlertRecreate | None:
    row = db.execute(rows.select("watch_failures", rows.ALERT_CLAIM, f"WHERE {where}"), (key,)).fetchone()
    return rows.alert_claim(row) if row is not None else None
