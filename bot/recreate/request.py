"""What a recreate is asked to do, by whom, under which rules; and the value a step returns to end it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from bot.budget import Budget
from bot.messages import Message
from bot.records import SLACK_ORIGIN, AttemptRecord, Outcome, Preview, Verdict
from bot.requester import Requester
from bot.settings import ConfirmMode


def new_request_id() -> str:
    """A short ID that ties a card's footer, the log lines and the audit record together."""
    return uuid.uuid4().hex[:12]


@dataclass(frozen=True)
class Rules:
    """When to ask for confirmation and how to guard against duplicates."""

    confirm: ConfirmMode = ConfirmMode.ALWAYS
    confirm_ttl: int = 600
    cooldown: int = 600
    # A lock older than this belonged to a process that died mid-recreate. A recreate, with its lookups, the POST
    # and the search for a lost answer, takes minutes at the very worst; this leaves a wide margin.
    in_flight_stale_after: float = 1800.0
    budget: Budget = field(default_factory=lambda: Budget(per_user=None, gpus_per_hour=None))


@dataclass(frozen=True)
class RecreateRequest:
    """What every entry point hands the pipeline: which job, asked for by whom."""

    request_id: str
    requester: Requester
    job_id: str
    project_id: str | None = None
    command_text: str = ""
    previewed_at: datetime | None = None
    """When the requester was shown what they confirmed; a recreate by someone else after that is news to them."""
    origin: str = SLACK_ORIGIN
    """Where it was asked: see AttemptRecord.origin."""

    @property
    def user_id(self) -> str:
        return self.requester.user_id

    @property
    def channel_id(self) -> str:
        return self.requester.channel_id

    @property
    def team_id(self) -> str | None:
        return self.requester.team_id

    @property
    def response_url(self) -> str | None:
        return self.requester.response_url

    def attempt(self) -> AttemptRecord:
        """The audit record of this request before anything is sent to Baseten."""
        return AttemptRecord(
            request_id=self.request_id,
            user_id=self.user_id,
            channel_id=self.channel_id,
            team_id=self.team_id,
            command_text=self.command_text,
            decision=Verdict.ALLOWED,
            outcome=Outcome.PENDING,
            source_project_id=self.project_id,
            source_job_id=self.job_id,
            origin=self.origin,
        )

    @classmethod
    def from_preview(cls, shown: Preview, origin: str = SLACK_ORIGIN) -> RecreateRequest:
        return cls(
            request_id=shown.id,
            requester=shown.requester,
            job_id=shown.job_id,
            project_id=shown.project_id,
            command_text=shown.command_text,
            previewed_at=shown.created_at,
            origin=origin,
        )

    @classmethod
    def from_record(cls, record: AttemptRecord, response_url: str | None) -> RecreateRequest:
        """The request behind a stored attempt, for finishing it in another process."""
        return cls(
            request_id=record.request_id,
            requester=record.requester.reached_at(response_url),
            job_id=record.source_job_id or "",
            project_id=record.source_project_id,
            command_text=record.command_text,
            origin=record.origin,
        )


@dataclass(frozen=True)
class Ended:
    """A step's answer that the attempt ends here: its outcome, why, and what the requester is told."""

    outcome: Outcome
    error: str
    reply: Message | None = None
    """None when the step has already told them (a card, a Retry offer)."""
    refusal: str | None = None
    """Set when a limit refused the recreate: its code, for the audit trail."""
