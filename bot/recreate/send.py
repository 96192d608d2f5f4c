"""Sending the recreate: marked in the store first, then one POST, and a lost answer looked for, never resent."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.audit import AuditTrail
from bot.baseten import BasetenClient, BasetenError, OutcomeUnknown, TrainingJob
from bot.budget import Budget, OverBudget
from bot.clock import Clock
from bot.delivery import Delivery
from bot.messages import replies
from bot.records import AttemptRecord, Outcome
from bot.recreate.endings import baseten_failure, over_budget
from bot.recreate.lost import Found, LostAnswers
from bot.recreate.request import Ended, RecreateRequest
from bot.store import StoreError

log = logging.getLogger(__name__)

# Tell the requester when Baseten's rate limit makes us wait at least this long.
_SAY_WAIT_AFTER = 5.0


@dataclass(frozen=True)
class Sent:
    """What came of sending: the new job (and how it was confirmed), or an ending."""

    record: AttemptRecord
    job: TrainingJob | None = None
    note: str | None = None
    ended: Ended | None = None
    taken_over: bool = False
    """Another process took the attempt over before it went out; it is theirs to finish."""


class Sender:
    def __init__(
        self,
        baseten: BasetenClient,
        audit: AuditTrail,
        delivery: Delivery,
        lost: LostAnswers,
        clock: Clock,
        budget: Budget | None = None,
    ) -> None:
        self._budget = budget
        self._baseten = baseten
        self._audit = audit
        self._delivery = delivery
        self._lost = lost
        self._clock = clock

    def send(self, request: RecreateRequest, record: AttemptRecord, source: TrainingJob) -> Sent:
        """Raises StoreError when the send cannot be recorded: then nothing went out."""
        unsent = record
        record = record.sending(source.training_project_id, source.copy_key, self._clock(), gpus=source.total_gpus)
        try:
            marked = self._audit.mark_sent(record, self._budget)
        except OverBudget as error:
            # Another request spent the room since the early check: refused here, atomically, before sending.
            return Sent(unsent, ended=over_budget(request, error.over))
        if not marked:
            log.warning("request %s: another process took this attempt over; not sending it", request.request_id)
            return Sent(record, taken_over=True)
        try:
            try:
                job = self._baseten.recreate(
                    source.training_project_id, request.job_id, on_rate_limit_wait=lambda s: self._waiting(request, s)
                )
                note = None
            except OutcomeUnknown as error:
                found = self._lost.after(request, record, error)
                if isinstance(found, Ended):
                    return Sent(record, ended=found)
                job, note = found.job, found.note
        except BasetenError as error:
            return Sent(record, ended=baseten_failure(request, error))
        except Exception as error:
            # The request may have reached Baseten: never tell anyone that nothing was created.
            log.exception("request %s: unexpected error after the recreate was sent", request.request_id)
            detail = "Something went wrong on my side after asking Baseten."
            self._lost.post_unknown(request, source.training_project_id, detail)
            return Sent(record, ended=Ended(Outcome.OUTCOME_UNKNOWN, f"{type(error).__name__}: {error}"))
        self._claim(job.id, request.request_id)
        return Sent(record, job=job, note=note)

    def _claim(self, job_id: str, request_id: str) -> None:
        """Mark the job as this request's, so no lost answer elsewhere reports it; a store failure must not hide it."""
        try:
            if not self._audit.store.claim_new_job(job_id, request_id):
                log.error("request %s: job %s was already claimed by another request", request_id, job_id)
        except StoreError:
            log.exception("request %s: could not record that job %s is ours", request_id, job_id)

    def _waiting(self, request: RecreateRequest, seconds: float) -> None:
        if seconds >= _SAY_WAIT_AFTER:
            self._delivery.reply(request.response_url, replies.rate_limit_wait(request.job_id, seconds))


__all__ = ["Found", "Sender", "Sent"]
