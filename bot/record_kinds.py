"""What records are made of: where an attempt came from, what it asked for, its verdict and outcome, and the
state of a preview. Plain enums and constants, so anything may import them."""

from __future__ import annotations

from enum import StrEnum

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


class PreviewState(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
