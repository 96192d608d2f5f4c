"""What the audit trail records about each attempt, and the storage interface it is written through."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol


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
    """Refused because another recreate of the same source job was under way."""


def utcnow() -> datetime:
    return datetime.now(UTC)


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

    def with_outcome(self, **changes: Any) -> AttemptRecord:
        return replace(self, updated_at=utcnow(), **changes)

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


@dataclass(frozen=True)
class Lease:
    """An attempt in flight and the process working on it. Its owner renews it; once it expires, any process may
    take the attempt over and finish it (never by sending it again)."""

    request_id: str
    owner: str
    expires_at: datetime
    response_url: str | None = None
    """The command's response_url, kept only while the attempt is in flight."""


class StoreError(Exception):
    """The store could not be read or written; commands that need it are refused."""


class AuditStore(Protocol):
    """Durable storage of attempts, previews and in-flight locks. SQLite today; a server database can implement
    the same methods."""

    def record(self, record: AttemptRecord, *, lease: Lease | None = None) -> None:
        """Insert a new attempt, or replace it by `request_id`; with `lease`, hold it in the same transaction.
        Raises StoreError."""

    def mark_sent(self, record: AttemptRecord, owner: str) -> bool:
        """Save `record` (with its sent_at) if `owner` still holds its lease; False, and nothing saved, if not."""

    def claim_owner(self, job_id: str) -> str | None:
        """The request that claimed `job_id`, if any."""

    def contenders(self, copy_key: str, sent_after: datetime, sent_before: datetime, excluding: str) -> list[str]:
        """Requests still in doubt (pending or outcome unknown) for a source with `copy_key`, sent in the window."""

    def renew_leases(self, owner: str, request_ids: list[str], expires_at: datetime) -> int:
        """Extend these leases where `owner` still holds them; returns how many."""

    def release_lease(self, request_id: str, owner: str) -> None:
        """Drop the lease if `owner` holds it."""

    def expired_leases(self, now: datetime, limit: int) -> list[Lease]: ...

    def take_over(self, request_id: str, owner: str, now: datetime, expires_at: datetime) -> Lease | None:
        """Move an expired lease to `owner`; the lease for exactly one caller across all processes, else None."""

    def get(self, request_id: str) -> AttemptRecord | None: ...

    def recent(self, limit: int) -> list[AttemptRecord]:
        """Allowed attempts (recreations), newest first."""

    def involving(self, job_id: str, limit: int) -> list[AttemptRecord]:
        """Attempts whose source or new job is `job_id`, newest first."""

    def last_created(self, source_job_id: str, since: datetime) -> AttemptRecord | None:
        """The newest attempt that created (or may have created) a job from `source_job_id` since `since`."""

    def claim_new_job(self, job_id: str, request_id: str) -> bool:
        """Tie `job_id` to `request_id`; False when another request already has it (atomic across processes)."""

    def expire_previews(self, now: datetime) -> list[str]:
        """Mark pending previews past their expiry as expired; returns their IDs."""

    def save_preview(self, preview: Preview) -> None: ...

    def get_preview(self, preview_id: str) -> Preview | None: ...

    def claim_preview(self, preview_id: str, state: PreviewState, now: datetime, *, lease: Lease | None = None) -> bool:
        """Move a pending, unexpired preview to `state`; True for exactly one caller across all processes, who then
        holds `lease` (taken in the same transaction)."""

    def acquire_in_flight(self, lock: InFlight, stale_after: float) -> InFlight | None:
        """Take the lock for `lock.source_job_id`; returns the other holder if someone has it (stale ones expire)."""

    def in_flight(self, source_job_id: str, stale_after: float, now: datetime) -> InFlight | None: ...

    def release_in_flight(self, source_job_id: str, request_id: str) -> None: ...

    def follow(self, followed: Followed) -> None:
        """Start (or replace) following a job."""

    def followed(self, job_id: str) -> Followed | None: ...

    def followed_due(self, now: datetime, cap: int) -> list[Followed]:
        """Due jobs among the `cap` oldest still followed; the rest wait their turn."""

    def update_followed(self, followed: Followed, *, expected_next_poll_at: datetime) -> bool:
        """Save a poll's result if no other process polled the job meanwhile; True when saved."""

    def check_writable(self) -> None:
        """Raise StoreError unless a write would succeed now (nothing is kept)."""

    def close(self) -> None: ...
