"""Slack's `<!date^...>` tokens as Slack shows them: in the reader's time zone, `Today 03:12` and the like."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, tzinfo

_TOKEN = re.compile(r"\{([a-z_]+)\}")


def _day(moment: datetime) -> str:
    return f"{moment:%B} {moment.day}, {moment.year}"


def _short(moment: datetime) -> str:
    return f"{moment:%b} {moment.day}, {moment.year}"


def _long(moment: datetime) -> str:
    return f"{moment:%A}, {_day(moment)}"


def _relative(moment: datetime, now: datetime) -> str | None:
    days = (moment.date() - now.date()).days
    return {0: "Today", -1: "Yesterday", 1: "Tomorrow"}.get(days)


def _ago(moment: datetime, now: datetime) -> str:
    seconds = int((now - moment).total_seconds())
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if abs(seconds) >= size:
            count = abs(seconds) // size
            words = f"{count} {unit}{'s' * (count != 1)}"
            return f"{words} ago" if seconds > 0 else f"in {words}"
    return "just now"


def render_date(
    stamp: int, template: str, fallback: str, *, tz: tzinfo | None = None, now: Callable[[], datetime] | None = None
) -> str:
    """`template` with Slack's tokens filled in for `stamp` (Unix seconds) in `tz` (None: this machine's own
    zone, which is what a terminal's reader lives in); a token Slack has and we do not falls back to `fallback`."""
    moment = datetime.fromtimestamp(stamp).astimezone(tz)
    today = (now() if now is not None else datetime.now()).astimezone(tz)
    formats: dict[str, Callable[[], str]] = {
        "date_num": lambda: f"{moment:%Y-%m-%d}",
        "date": lambda: _day(moment),
        "date_short": lambda: _short(moment),
        "date_long": lambda: _long(moment),
        "date_pretty": lambda: _relative(moment, today) or _day(moment),
        "date_short_pretty": lambda: _relative(moment, today) or _short(moment),
        "date_long_pretty": lambda: _relative(moment, today) or _long(moment),
        "time": lambda: f"{moment:%H:%M}",
        "time_secs": lambda: f"{moment:%H:%M:%S}",
        "ago": lambda: _ago(moment, today),
    }
    if any(name not in formats for name in _TOKEN.findall(template)):
        return fallback
    return _TOKEN.sub(lambda match: formats[match.group(1)](), template)
