"""Rows of the SQLite tables to and from the domain records: column lists, upserts, converters. Times are INTEGER
microseconds since the epoch, UTC (bot/store/sqlite_time.py)."""

from __future__ import annotations

import sqlite3
from dataclasses import fields
from datetime import datetime
from enum import Enum
from typing import Any

from bot.records import AttemptRecord, Followed, InFlight, Lease, Outcome, Preview
from bot.store import row_shapes as shapes
from bot.store.sqlite_time import from_micros, to_micros
from bot.watch.record import SeenFailure

ATTEMPT, PREVIEW, FOLLOWED = shapes.ATTEMPT, shapes.PREVIEW, shapes.FOLLOWED
LEASE, IN_FLIGHT = shapes.LEASE, shapes.IN_FLIGHT
SEEN = [f.name for f in fields(SeenFailure)]
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
    found = dict(zip(SEEN, row, strict=True))
    for name in ("failed_at", "seen_at"):
        found[name] = time(found[name])
    found["alerted"] = bool(found["alerted"])
    return SeenFailure(**found)
