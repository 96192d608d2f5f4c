"""The bot's domain records: attempts and their outcomes, previews, locks, leases, followed jobs. No backend."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.clock import utcnow
from bot.requester import Requester

SLACK_ORIGIN = "slack"
RECREATE_ACTION = "recreate"
STOP_ACTION = "stop"
"""What an attempt asked for (AttemptRecord.action): a recreate, or a Stop tapped on a job's card."""


class Verdict(StrEnum):
    ALLOWED = "allowed"
    REFUSED = "refused"
    BAD_INPUT = "bad_input"


class Outcome(StrEnum):
    PENDING = "pending"
    """Allowed and handed to Baseten; no answer recorded yet (or the process stopped mid-call)."""
    CREATED = "created"
    NOT_FOUND = "not_found"
    FAILED = "failed"
    OUTCOME_UNKNOWN = "outcome_unknown"
    ERROR = "error"
    REFUSED = "refused"
    BAD_INPUT = "bad_input"
    AWAITING_CONFIRMATION = "awaiting_confirmation"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    IN_FLIGHT = "in_flight"
    """Refused because another recreate of the same source job (or another stop of the same job) was under way."""
    STOPPED = "stopped"
    """A stop: Baseten accepted it, or a lookup after a lost answer showed the job ended."""
    STOP_UNKNOWN = "stop_unknown"
    """A stop was sent and its answer is not known (stored before it is sent; a lost answer looked up to no end)."""
    ALREADY_ENDED = "already_ended"
    """A stop of a job that had already finished: nothing was sent."""
    MUTED = "muted"
    """Not a recreate: `/recreate-job mute` silenced the failure alerts of `source_project_id`; `error` says until
    when."""
    UNMUTED = "unmuted"
    """Not a recreate: `/recreate-job unmute` ended the mute of `source_project_id`."""


@dataclass(frozen=True)
class AttemptRecord:
    """One `/recreate-job` attempt, whatever its end. `request_id` ties it to log lines and the card footer."""

    request_id: str
    user_id: str
    channel_id: str
    team_id: str | None
    command_text: str
    decision: Verdict
    outcome: Outcome
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    source_project_id: str | None = None
    source_job_id: str | None = None
    refusal: str | None = None
    new_job_id: str | None = None
    new_job_status: str | None = None
    instance_type: str | None = None
    gpus: str | None = None
    error: str | None = None
    baseten_ms: float | None = None
    card_route: str | None = None
    card_channel_id: str | None = None
    card_ts: str | None = None
    sent_at: datetime | None = None
    """Stored just before the recreate went to Baseten: without it, nothing was sent."""
    copy_key: str | None = None
    """The source job's TrainingJob.copy_key, stored with sent_at, so a lost answer can be looked for later."""
    origin: str = SLACK_ORIGIN
    """Where the attempt was made: `slack`, or `console:<operating-system user>`, with ` as <user ID>` when the
    console acted in someone else's name."""
    gpu_total: int | None = None
    """GPUs the recreate starts (GPU count × nodes of the source job), stored with sent_at, for the GPU budget."""
    action: str = RECREATE_ACTION
    """`recreate`, or `stop` (source_job_id is then the job stopped; a stop never has sent_at, so no recreate
    query, budget or lost-answer search ever counts it)."""

    @property
    def requester(self) -> Requester:
        """Who asked; the record keeps no response_url (it outlives Slack's 30 minutes)."""
        return Requester(self.user_id, self.channel_id, self.team_id)

    # Typed changes: each names what happened, and when, by the caller's clock.

    def ended(
        self, outcome: Outcome, at: datetime, *, error: str | None = None, refusal: str | None = None
    ) -> AttemptRecord:
        """The attempt ends (or waits) with `outcome`; `error` and `refusal` say why, when there is a why."""
        return replace(self, outcome=outcome, updated_at=at, error=error or self.error, refusal=refusal or self.refusal)

    def of_source(self, project_id: str) -> AttemptRecord:
        return replace(self, source_project_id=project_id)

    def sending(self, project_id: str, copy_key: str, at: datetime, *, gpus: int = 0) -> AttemptRecord:
        """The recreate goes out now: stored before the POST, so a lost answer can be looked for by anyone."""
        return replace(self, source_project_id=project_id, sent_at=at, copy_key=copy_key, updated_at=at, gpu_total=gpus)

    def refused_by(self, code: str, at: datetime, error: str) -> AttemptRecord:
        """A limit refused the recreate before anything was sent; `code` names which."""
        return replace(
            self, decision=Verdict.REFUSED, outcome=Outcome.REFUSED, refusal=code, error=error, updated_at=at
        )

    def made(
        self, *, job_id: str, status: str, instance_type: str, gpus: str, note: str | None, at: datetime
    ) -> AttemptRecord:
        """The new job exists; `note` says how it was confirmed when its answer was lost."""
        return replace(
            self,
            outcome=Outcome.CREATED,
            new_job_id=job_id,
            new_job_status=status,
            instance_type=instance_type,
            gpus=gpus,
            error=note,
            updated_at=at,
        )

    def timed(self, baseten_ms: float) -> AttemptRecord:
        return replace(self, baseten_ms=baseten_ms)

    def posted(self, route: str, channel_id: str | None, ts: str | None) -> AttemptRecord:
        """Where the card went. updated_at stays when the job was made: cooldowns count from that."""
        return replace(self, card_route=route, card_channel_id=channel_id, card_ts=ts)

    def to_log(self) -> dict[str, Any]:
        """The record as a flat JSON-ready dict, for the structured log line."""
        data = asdict(self)
        for key in ("created_at", "updated_at", "sent_at"):
            data[key] = data[key].isoformat() if data[key] is not None else None
        return {"event": "recreate_attempt", **data}


class PreviewState(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


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
