"""Table rows back into domain records, the same for both backends; each backend passes how it reads a time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from datetime import datetime
from typing import Any

from bot.records import AttemptRecord, Followed, InFlight, Lease, Outcome, Preview, PreviewState, Verdict

ATTEMPT = [f.name for f in fields(AttemptRecord)]
PREVIEW = [f.name for f in fields(Preview)]
FOLLOWED = [f.name for f in fields(Followed)]
LEASE = [f.name for f in fields(Lease)]
IN_FLIGHT = [f.name for f in fields(InFlight)]

TimeReader = Callable[[Any], datetime | None]


def _named(names: list[str], row: tuple[Any, ...], time: TimeReader, times: tuple[str, ...]) -> dict[str, Any]:
    found = dict(zip(names, row, strict=True))
    for name in times:
        found[name] = time(found[name])
    return found


def attempt(row: tuple[Any, ...], time: TimeReader) -> AttemptRecord:
    found = _named(ATTEMPT, row, time, ("created_at", "updated_at", "sent_at"))
    found["decision"] = Verdict(found["decision"])
    found["outcome"] = Outcome(found["outcome"])
    return AttemptRecord(**found)


def preview(row: tuple[Any, ...], time: TimeReader) -> Preview:
    found = _named(PREVIEW, row, time, ("expires_at", "created_at"))
    found["state"] = PreviewState(found["state"])
    return Preview(**found)


def followed(row: tuple[Any, ...], time: TimeReader) -> Followed:
    found = _named(FOLLOWED, row, time, ("next_poll_at", "started_at", "deadline", "outage_since"))
    found["done"] = bool(found["done"])
    return Followed(**found)


def lease(row: tuple[Any, ...], time: TimeReader) -> Lease:
    return Lease(**_named(LEASE, row, time, ("expires_at",)))


def in_flight(row: tuple[Any, ...], time: TimeReader) -> InFlight:
    return InFlight(**_named(IN_FLIGHT, row, time, ("started_at",)))
