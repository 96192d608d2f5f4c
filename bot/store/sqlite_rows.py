"""Rows of the SQLite tables to and from the domain records: column lists, upserts, converters. Times are INTEGER
microseconds since the epoch, UTC (bot/store/sqlite_time.py)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from enum import Enum
from typing import Any

from bot.records import AttemptRecord, Followed, InFlight, Lease, Outcome, Preview
from bot.stop.record import StopClaim
from bot.store import row_shapes as shapes
from bot.store.sqlite_time import from_micros, to_micros
from bot.watch.mutes import Mute
from bot.watch.record import AlertRecreate, SeenFailure

ATTEMPT, PREVIEW, FOLLOWED = shapes.ATTEMPT, shapes.PREVIEW, shapes.FOLLOWED
LEASE, IN_FLIGHT = shapes.LEASE, shapes.IN_FLIGHT
MUTE, STOP, SEEN, ALERT_CLAIM = shapes.MUTE, shapes.STOP, shapes.SEEN, shapes.ALERT_CLAIM
IN_DOUBT = (Outcome.PENDING, Outcome.OUTCOME_UNKNOWN)


def to_sql(value: Any) -> Any:
    """A value as SQLite holds it: a time as microseconds UTC (a naive one is refused), an enum as its value."""
    if isinstance(value, datetime):
        return to_micros(value)
    if isinstance(value, Enum):
        return value.value
    return value


def time(value: int | None) -> datetime | None:
    return from_micros(value) if value is not None else None


def values(row: object, names: list[str]) -> list[Any]:
    return [to_sql(getattr(row, name)) for name in names]


def upsert(db: sqlite3.Connection, table: str, names: list[str], row: object) -> None:
    """Insert or replace `row` (a dataclass whose fields are `names`) in `table`, a name of ours."""
    placeholders = ", ".join("?" for _ in names)
    db.execute(f"INSERT OR REPLACE INTO {table} ({', '.join(names)}) VALUES ({placeholders})", values(row, names))  # noqa: S608


def select(table: str, names: list[str], where: str) -> str:
    """SELECT the named columns; `where` is our own literal SQL with ? placeholders."""
    return f"SELECT {', '.join(names)} FROM {table} {where}"  # noqa: S608


def attempt(row: tuple[Any, ...]) -> AttemptRecord:
    return shapes.attempt(row, time)


def preview(row: tuple[Any, ...]) -> Preview:
    return shapes.preview(row, time)


def followed(row: tuple[Any, ...]) -> Followed:
    return shapes.followed(row, time)


def lease(row: tuple[Any, ...]) -> Lease:
    return shapes.lease(row, time)


def in_flight(row: tuple[Any, ...]) -> InFlight:
    return shapes.in_flight(row, time)


def seen(row: tuple[Any, ...]) -> SeenFailure:
    return shapes.seen(row, time)


def mute(row: tuple[Any, ...]) -> Mute:
    return shapes.mute(row, time)


def stop(row: tuple[Any, ...]) -> StopClaim:
    return shapes.stop(row, time)


def alert_claim(row: tuple[Any, ...]) -> AlertRecreate | None:
    return shapes.alert_claim(row, time)
