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

    def with_outcome(self, **changes: Any) -> AttemptRecord:
        return replace(self, updated_at=utcnow(), **changes)

    def to_log(self) -> dict[str, Any]:
        """The record as a flat JSON-ready dict, for the structured log line."""
        data = asdict(self)
        for key in ("created_at", "updated_at"):
            data[key] = data[key].isoformat()
        return {"event": "recreate_attempt", **data}


class StoreError(Exception):
    """The store could not be read or written; commands that need it are refused."""


class AuditStore(Protocol):
    """Durable storage of attempts. SQLite today; a server database can implement the same methods."""

    def record(self, record: AttemptRecord) -> None:
        """Insert a new attempt, or replace it by `request_id`. Raises StoreError."""

    def get(self, request_id: str) -> AttemptRecord | None: ...

    def recent(self, limit: int) -> list[AttemptRecord]:
        """Allowed attempts (recreations), newest first."""

    def involving(self, job_id: str, limit: int) -> list[AttemptRecord]:
        """Attempts whose source or new job is `job_id`, newest first."""

    def close(self) -> None: ...
