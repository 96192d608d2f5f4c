"""The bot's domain records: attempts and their outcomes, previews, locks, leases, followed jobs. No backend.

The attempt record is here; its enums are in bot/record_kinds.py and the other records in bot/record_rows.py,
importable from here too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from bot.clock import utcnow
from bot.record_kinds import RECREATE_ACTION, SLACK_ORIGIN, STOP_ACTION, Outcome, PreviewState, Verdict
from bot.record_rows import Followed, InFlight, Lease, Preview, PruneBefore
from bot.requester import Requester

__all__ = [
    "RECREATE_ACTION",
    "SLACK_ORIGIN",
    "STOP_ACTION",
    "AttemptRecord",
    "Followed",
    "InFlight",
    "Lease",
    "Outcome",
    "Preview",
    "PreviewState",
    "PruneBefore",
    "Verdict",
]


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
