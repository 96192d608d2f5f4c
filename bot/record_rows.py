"""The records beside attempts: previews waiting for a click, in-flight locks, followed jobs, leases, and what
the store may forget. No backend."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.clock import utcnow
from bot.record_kinds import PreviewState
from bot.requester import Requester


@dataclass(frozen=True)
class Preview:
    """A recreate waiting for its requester's click. `id` is the request ID of its attempt record."""

    id: str
    user_id: str
    channel_id: str
    team_id: str | None
    response_url: str | None
    command_text: str
    project_id: str
    job_id: str
    expires_at: datetime
    state: PreviewState = PreviewState.PENDING
    created_at: datetime = field(default_factory=utcnow)

    @property
    def requester(self) -> Requester:
        return Requester(self.user_id, self.channel_id, self.team_id, self.response_url)


@dataclass(frozen=True)
class InFlight:
    """A recreate under way for `source_job_id`: the lock that stops a second one."""

    source_job_id: str
    request_id: str
    user_id: str
    started_at: datetime


@dataclass(frozen=True)
class Followed:
    """A new job whose card the bot keeps current until it ends or `deadline` passes."""

    job_id: str
    project_id: str
    request_id: str
    requester_id: str
    source_job_id: str
    channel_id: str
    status: str
    """The last status seen (and shown on the card)."""
    next_poll_at: datetime
    interval: float
    started_at: datetime
    deadline: datetime
    card_channel_id: str | None = None
    card_ts: str | None = None
    response_url: str | None = None
    outage_since: datetime | None = None
    """Set while Baseten fails to answer; the thread was told once."""
    done: bool = False
    version: int = 0
    """Moves on by one each time a poll's result is saved: a save from an older version is refused."""


@dataclass(frozen=True)
class Lease:
    """An attempt in flight and the process working on it. Its owner renews it; once it expires, any process may
    take the attempt over and finish it (never by sending it again)."""

    request_id: str
    owner: str
    expires_at: datetime
    response_url: str | None = None
    """The command's response_url, kept only while the attempt is in flight."""


@dataclass(frozen=True)
class PruneBefore:
    """What the store may forget: rows older than these moments (README "What is kept, and for how long")."""

    attempts: datetime
    """AUDIT_RETENTION_DAYS ago: older attempts leave the audit trail."""
    settled: datetime
    """A day ago: previews answered or expired, and followed jobs finished, before this no longer matter."""
    locks: datetime
    """In-flight locks older than this are stale: the next recreate of their job would replace them anyway."""
    response_urls: datetime
    """Slack honours a response_url for 30 minutes; ones stored before this are cleared."""

    def claims_before(self, oldest_in_doubt: datetime | None) -> datetime:
        """A job claim matters while a lost answer sent before its job was made may still be looked for."""
        if oldest_in_doubt is None:
            return self.settled
        # A day's margin for clocks: Baseten's created_at and ours need not agree to the second.
        return min(self.settled, oldest_in_doubt - timedelta(days=1))
