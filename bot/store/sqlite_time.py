"""How SQLite holds a time: INTEGER microseconds since the epoch, UTC, so comparisons and ORDER BY are time order
whatever the text form or offset of the value written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_micros(moment: datetime) -> int:
    """A timezone-aware time as whole microseconds since the epoch; a naive one is refused, not guessed."""
    if moment.tzinfo is None:
        raise ValueError("a time for the store must be timezone-aware")
    return (moment - _EPOCH) // timedelta(microseconds=1)


def from_micros(value: int) -> datetime:
    """The timezone-aware UTC time that `to_micros` wrote."""
    return _EPOCH + timedelta(microseconds=value)
