"""How every attempt ends: recorded first, then the requester told, then closed in the audit trail."""

from __future__ import annotations

import logging
import time

from bot.audit import AuditTrail
from bot.baseten import BasetenError, NotFound
from bot.budget import OverLimit
from bot.clock import Clock
from bot.delivery import Delivery
from bot.messages import budget, replies
from bot.records import AttemptRecord, Outcome
from bot.recreate.request import Ended, RecreateRequest

log = logging.getLogger(__name__)


def baseten_failure(request: RecreateRequest, error: BasetenError) -> Ended:
    """A Baseten failure before any job was created, as an ending with a reply that says what to do."""
    if isinstance(error, NotFound):
        return Ended(Outcome.NOT_FOUND, "job not found", replies.job_not_found(request.job_id, request.project_id))
    log.warning("request %s: Baseten failed: %s: %s", request.request_id, type(error).__name__, error.message)
    reply = replies.baseten_failed(
        error, job_id=request.job_id, project_id=request.project_id, request_id=request.request_id
    )
    return Ended(Outcome.FAILED, f"{type(error).__name__}: {error.message}", reply)


def over_budget(request: RecreateRequest, over: OverLimit) -> Ended:
    """A limit refuses the recreate: which, and when the requester can go again. Nothing was sent."""
    error = f"{over.limit.setting}: {over.used} used of {over.allowed}, {over.needed} more needed"
    return Ended(Outcome.REFUSED, error, budget.over_limit(request.job_id, over), refusal=over.limit.value)


class Endings:
    def __init__(self, audit: AuditTrail, delivery: Delivery, clock: Clock) -> None:
        self._audit = audit
        self._delivery = delivery
        self._clock = clock

    def finish(
        self, request: RecreateRequest, record: AttemptRecord, ended: Ended, started: float | None = None
    ) -> AttemptRecord:
        if ended.refusal is not None:
            record = record.refused_by(ended.refusal, self._clock(), ended.error)
        else:
            record = record.ended(ended.outcome, self._clock(), error=ended.error)
        if started is not None:
            record = record.timed((time.monotonic() - started) * 1000)
        self._audit.save(record)
        if ended.reply is not None:
            self._delivery.reply(request.response_url, ended.reply)
        self._audit.close(record)
        return record

    def store_down(self, request: RecreateRequest, record: AttemptRecord, action: str) -> AttemptRecord:
        """The store failed before anything was sent: nothing is created, and the requester is told why."""
        log.exception("request %s: could not %s", request.request_id, action)
        ended = Ended(Outcome.ERROR, "store unavailable", replies.audit_unavailable(request.request_id))
        return self.finish(request, record, ended)

    def bug(self, request: RecreateRequest, record: AttemptRecord, error: Exception) -> AttemptRecord:
        """A bug before anything was sent must still end with an answer and a record."""
        log.exception("request %s: unexpected error before any job was created", request.request_id)
        ended = Ended(Outcome.ERROR, f"{type(error).__name__}: {error}", replies.internal_error(request.request_id))
        return self.finish(request, record, ended)
