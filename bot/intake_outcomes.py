"""What the intake leaves behind: the record of a request refused or not understood, and what a tap came to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.messages import Message
from bot.records import AttemptRecord, Outcome, Verdict
from bot.requester import Requester


class Tapped(StrEnum):
    REFUSED = "refused"
    """The allowlist said no; the refusal is recorded."""
    NOT_STARTED = "not_started"
    """Allowed, but nothing began: no reply address, the gate said no, or the audit trail cannot be written."""
    STARTED = "started"
    """The pipeline ran: the preview or the card has followed what the tapper was told."""


@dataclass(frozen=True)
class TapResult:
    tapped: Tapped
    message: Message
    """What the tapper was told."""


def told(tell: Callable[[Message], object], tapped: Tapped, message: Message) -> TapResult:
    """Say `message` to the tapper; what the tap came to."""
    tell(message)
    return TapResult(tapped, message)


@dataclass(frozen=True)
class Unusable:
    """A request refused (`outcome` REFUSED) or not understood (BAD_INPUT): nothing was asked of Baseten."""

    who: Requester
    request_id: str
    text: str
    outcome: Outcome
    why: str
    job: tuple[str | None, str] | None = None
    """(project, job) when it named a job it would have recreated."""

    def record(self, now: datetime, origin: str) -> AttemptRecord:
        return AttemptRecord(
            request_id=self.request_id,
            user_id=self.who.user_id,
            channel_id=self.who.channel_id,
            team_id=self.who.team_id,
            command_text=self.text,
            decision=Verdict.REFUSED if self.outcome is Outcome.REFUSED else Verdict.BAD_INPUT,
            outcome=self.outcome,
            created_at=now,
            updated_at=now,
            refusal=self.why,
            source_project_id=self.job[0] if self.job else None,
            source_job_id=self.job[1] if self.job else None,
            origin=origin,
        )
