"""Rows of the PostgreSQL tables to and from the domain records: column lists, upserts, converters.

The statements are composed once and kept as text (functools.cache): composing one costs more CPU than the round
trip that runs it, and every ack in a burst waits on the same interpreter."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from functools import cache
from typing import Any

from psycopg import sql

from bot.records import AttemptRecord, Followed, InFlight, Lease, Preview
from bot.stop.record import StopClaim
from bot.store import row_shapes as shapes
from bot.watch.mutes import Mute
from bot.watch.record import AlertRecreate, SeenFailure

ATTEMPT, PREVIEW, FOLLOWED = shapes.ATTEMPT, shapes.PREVIEW, shapes.FOLLOWED
LEASE, IN_FLIGHT = shapes.LEASE, shapes.IN_FLIGHT
MUTE, STOP, SEEN, ALERT_CLAIM = shapes.MUTE, shapes.STOP, shapes.SEEN, shapes.ALERT_CLAIM
KEYS = {"attempts": "request_id", "leases": "request_id", "previews": "id", "followed": "job_id"}


# The due, free jobs among the cap oldest still followed, locked for this transaction; see take_due.
TAKE_DUE = (
    "SELECT job_id FROM followed WHERE job_id IN (SELECT job_id FROM followed WHERE NOT done ORDER BY started_at "
    "LIMIT %s) AND NOT done AND next_poll_at <= %s AND (taken_by IS NULL OR taken_by = %s OR taken_until <= %s) "
    "FOR UPDATE SKIP LOCKED"
)


# Take the in-flight lock if free, or if its holder started before the stale cut-off (the last parameter).
ACQUIRE_IN_FLIGHT = (
    "INSERT INTO in_flight (source_job_id, request_id, user_id, started_at) VALUES (%s, %s, %s, %s) "
    "ON CONFLICT (source_job_id) DO UPDATE SET request_id = EXCLUDED.request_id, user_id = EXCLUDED.user_id, "
    "started_at = EXCLUDED.started_at WHERE in_flight.started_at < %s RETURNING request_id"
)


@cache
def taken() -> str:
    """UPDATE the locked rows to their new holder, RETURNING them as records."""
    return (
        sql.SQL("UPDATE followed SET taken_by = %s, taken_until = %s WHERE job_id = ANY(%s) RETURNING {columns}")
        .format(columns=columns(FOLLOWED))
        .as_string()
    )


def columns(names: list[str] | tuple[str, ...]) -> sql.Composable:
    return sql.SQL(", ").join(map(sql.Identifier, names))


def upsert(table: str, names: list[str]) -> str:
    """INSERT ... ON CONFLICT (key) DO UPDATE: insert the row or replace every column of the stored one."""
    return _upsert(table, tuple(names))


@cache
def _upsert(table: str, names: tuple[str, ...], kept: tuple[str, ...] = ()) -> str:
    """The upsert; the `kept` columns are inserted but left as stored on a conflict."""
    key = KEYS[table]
    query = sql.SQL("INSERT INTO {table} ({columns}) VALUES ({values}) ON CONFLICT ({key}) DO UPDATE SET {set}")
    return query.format(
        table=sql.Identifier(table),
        columns=columns(names),
        values=sql.SQL(", ").join(sql.Placeholder() * len(names)),
        key=sql.Identifier(key),
        set=sql.SQL(", ").join(
            sql.SQL("{name} = EXCLUDED.{name}").format(name=sql.Identifier(name))
            for name in names
            if name != key and name not in kept
        ),
    ).as_string()


@cache
def follow() -> str:
    """Insert a followed job, or follow it again: its version then moves on, never back (see update_followed)."""
    again = _upsert("followed", tuple(FOLLOWED), kept=("version",))
    return again + ", version = followed.version + 1, taken_by = NULL, taken_until = NULL"


@cache
def record_with_lease() -> str:
    """The attempt's upsert and its lease's in one statement: atomic, one round trip."""
    return f"WITH attempt AS ({upsert('attempts', ATTEMPT)}) {upsert('leases', LEASE)}"


@cache
def lease_if_claimed() -> str:
    """The lease's upsert from `claimed`, a WITH query that returns one row when the claim was won and none when not."""
    head = sql.SQL("INSERT INTO leases ({columns}) SELECT {values} FROM claimed ").format(
        columns=columns(LEASE), values=sql.SQL(", ").join(sql.Placeholder() * len(LEASE))
    )
    conflict = upsert("leases", LEASE).split(" ON CONFLICT ", 1)[1]
    return f"{head.as_string()}ON CONFLICT {conflict}"


def select(table: str, names: list[str], where: str) -> str:
    """SELECT the named columns; `where` is our own literal SQL with %s placeholders."""
    return _select(table, tuple(names), where)


@cache
def _select(table: str, names: tuple[str, ...], where: str) -> str:
    head = sql.SQL("SELECT {columns} FROM {table} ").format(columns=columns(list(names)), table=sql.Identifier(table))
    return (head + sql.SQL(where)).as_string()


def assignments(names: list[str]) -> sql.Composable:
    """`a = %s, b = %s` for an UPDATE of these columns."""
    return sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(name)) for name in names)


def values(row: object, names: list[str]) -> list[Any]:
    found = [getattr(row, name) for name in names]
    return [value.value if isinstance(value, Enum) else value for value in found]


def _utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None else None


def attempt(row: tuple[Any, ...]) -> AttemptRecord:
    return shapes.attempt(row, _utc)


def preview(row: tuple[Any, ...]) -> Preview:
    return shapes.preview(row, _utc)


def followed(row: tuple[Any, ...]) -> Followed:
    return shapes.followed(row, _utc)


def lease(row: tuple[Any, ...]) -> Lease:
    return shapes.lease(row, _utc)


def in_flight(row: tuple[Any, ...]) -> InFlight:
    return shapes.in_flight(row, _utc)


def mute(row: tuple[Any, ...]) -> Mute:
    return shapes.mute(row, _utc)


def stop(row: tuple[Any, ...]) -> StopClaim:
    return shapes.stop(row, _utc)


def seen(row: tuple[Any, ...]) -> SeenFailure:
    return shapes.seen(row, _utc)


def alert_claim(row: tuple[Any, ...]) -> AlertRecreate | None:
    return shapes.alert_claim(row, _utc)
