"""Table rows back into domain records, the same for both backends; each backend passes how it reads a time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

from bot.records import AttemptRecord, Followed, InFlight, Lease, Outcome, Preview, PreviewState, Verdict
from bot.stop.record import StopClaim
from bot.watch.mutes import Mute
from bot.watch.record import AlertRecreate, SeenFailure

ATTEMPT = [f.name for f in fields(AttemptRecord)]
PREVIEW = [f.name for f in fields(Preview)]
FOLLOWED = [f.name for f in fields(Followed)]
LEASE = [f.name for f in fields(Lease)]
IN_FLIGHT = [f.name for f in fields(InFlight)]
MUTE = [f.name for f in fields(Mute)]
STOP = [f.name for f in fields(StopClaim)]
SEEN = [f.name for f in fields(SeenFailure)]
ALERT_CLAIM = ["job_id", "recreate_request", "recreated_by", "recreated_at", "recreated_job_id", "channel_id", "ts"]
"""The columns of watch_failures that hold an alert's claim, in the order of AlertRecreate's fields."""
_ALERT_FIELDS = [f.name for f in fields(AlertRecreate)]

TimeReader = Callable[[Any], datetime | None]


def _named(names: Sequence[str], row: tuple[Any, ...], time: TimeReader, times: tuple[str, ...]) -> dict[str, Any]:
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


def mute(row: tuple[Any, ...], time: TimeReader) -> Mute:
    return Mute(**_named(MUTE, row, time, ("until", "muted_at")))


def stop(row: tuple[Any, ...], time: TimeReader) -> StopClaim:
    found = _named(STOP, row, time, ("requested_at",))
    found["stopped"] = bool(found["stopped"])
    return StopClaim(**found)


def seen(row: tuple[Any, ...], time: TimeReader) -> SeenFailure:
    found = _named(SEEN, row, time, ("failed_at", "seen_at"))
    found["alerted"] = bool(found["alerted"])
    return SeenFailure(**found)


def alert_claim(row: tuple[Any, ...], time: TimeReader) -> AlertRecreate | None:
    """The claim on an alert's row (ALERT_CLAIM's columns); None when nobody holds it."""
    found = _named(_ALERT_FIELDS, row, time, ("at",))
    return AlertRecreate(**found) if found["request_id"] is not None else None
