"""Muted projects in PostgreSQL: one row per project; a mute ends by itself when `until` passes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg

from bot.watch.mutes import Mute

Connection = psycopg.Connection[tuple[Any, ...]]


def mute(db: Connection, muted: Mute) -> None:
    """A second mute of the same project replaces the first: the latest word counts."""
    db.execute(
        "INSERT INTO watch_mutes (project_id, until, muted_by, muted_at) VALUES (%s, %s, %s, %s) "
        "ON CONFLICT (project_id) DO UPDATE SET "
        "until = excluded.until, muted_by = excluded.muted_by, muted_at = excluded.muted_at",
        (muted.project_id, muted.until, muted.muted_by, muted.muted_at),
    )


def unmute(db: Connection, project_id: str, now: datetime) -> Mute | None:
    """Drop the project's mute; the one that was in force, if any."""
    rows = db.execute(
        "DELETE FROM watch_mutes WHERE project_id = %s RETURNING project_id, until, muted_by, muted_at", (project_id,)
    ).fetchall()
    found = _mute(rows[0]) if rows else None
    return found if found is not None and found.in_force(now) else None


def mutes(db: Connection, now: datetime) -> list[Mute]:
    rows = db.execute(
        "SELECT project_id, until, muted_by, muted_at FROM watch_mutes WHERE until > %s ORDER BY until, project_id",
        (now,),
    ).fetchall()
    return [_mute(row) for row in rows]


def _mute(row: tuple[Any, ...]) -> Mute:
    project_id, until, muted_by, muted_at = row
    return Mute(project_id, until.astimezone(UTC), muted_by, muted_at.astimezone(UTC))
