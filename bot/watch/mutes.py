"""A muted project: its failures are still claimed, but not alerted, until the mute ends by itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

LONGEST = timedelta(days=7)
"""The longest mute: a forgotten one must not silence a project for good."""
SHORTEST = timedelta(minutes=1)


@dataclass(frozen=True)
class Mute:
    project_id: str
    until: datetime
    """When alerts resume by themselves; a mute whose `until` has passed is no mute at all."""
    muted_by: str
    """The Slack user ID of who muted it."""
    muted_at: datetime

    def in_force(self, now: datetime) -> bool:
        return self.until > now
