"""Sending one stop: a look at the job, the stop on record before it goes, then the answer (or a lookup when the
answer is lost) told on the card, in the thread and in the trail."""

from __future__ import annotations

import logging

from bot.audit import AuditTrail
from bot.baseten import BasetenClient, BasetenError, NotFound, OutcomeUnknown, TrainingJob
from bot.baseten.links import DashboardLinks
from bot.baseten.models import TERMINAL_STATUSES
from bot.clock import Clock
from bot.delivery import Delivery
from bot.messages import Message
from bot.messages import stop as say
from bot.records import AttemptRecord, Outcome
from bot.stop.cards import StopCards
from bot.stop.record import StopClaim
from bot.store import StoreError

# Logged under the Stop service's name: sending is its last step, and log filters name the service.
log = logging.getLogger("bot.stop.service")


class StopSender:
    """At most one stop sent for a claimed job; every end is told and recorded."""

    def __init__(
        self,
        baseten: BasetenClient,
        reader: BasetenClient,
        audit: AuditTrail,
        delivery: Delivery,
        links: DashboardLinks,
        cards: StopCards,
        clock: Clock,
    ) -> None:
        self._baseten = baseten
        self._reader = reader
        self._audit = audit
        self._store = audit.store
        self._delivery = delivery
        self._links = links
        self._cards = cards
        self._clock = clock

    def send(self, record: AttemptRecord, claim: StopClaim, response_url: str | None) -> bool:
        """True when the job is stopped (the claim then stays); every other end is told and recorded here."""
        project_id, job_id = claim.project_id, claim.job_id
        try:
            job = self._reader.get_job(project_id, job_id)
        except NotFound:
            return self._ends(record, Outcome.NOT_FOUND, response_url, say.not_found(job_id), "job not found")
        except BasetenError as error:
            told = say.not_checked(job_id, error.message)
            return self._ends(record, Outcome.ERROR, response_url, told, error.message)
        made = self._cards.made(job_id)
        if job.current_status in TERMINAL_STATUSES:
            self._cards.refresh(job, made, None, None)
            return self._ends(record, Outcome.ALREADY_ENDED, response_url, say.already_finished(job), None)
        # On record before it goes out: if this process stops mid-call, the trail says a stop may have been sent.
        self._audit.save(record.ended(Outcome.STOP_UNKNOWN, self._clock(), error="sent; no answer recorded yet"))
        note = None
        try:
            answer = self._baseten.stop_job(project_id, job_id)
        except OutcomeUnknown as error:
            log.warning("stop %s: answer lost (%s); looking the job up", record.request_id, error.reason)
            seen = self._look_up(project_id, job_id)
            if seen is None or seen.current_status not in TERMINAL_STATUSES:
                url = self._links.job(project_id, job_id)
                told = say.outcome_unknown(job_id, seen.current_status if seen else None, url)
                return self._ends(record, Outcome.STOP_UNKNOWN, response_url, told, f"answer lost: {error.message}")
            answer, note = seen, "Baseten's answer was lost; a lookup shows the job ended."
        except BasetenError as error:
            told = say.not_sent(job_id, error.message)
            return self._ends(record, Outcome.ERROR, response_url, told, error.message)
        self._confirm(claim)
        self._audit.close(record.ended(Outcome.STOPPED, self._clock(), error=note))
        log.info("stop %s: %s stopped %s/%s", record.request_id, claim.user_id, project_id, job_id)
        self._cards.refresh(answer, made, response_url, (claim.user_id, claim.requested_at))
        self._cards.settle_followed(answer)
        self._cards.tell_thread(made, response_url, say.stopped(answer, claim.user_id, claim.requested_at, note))
        return True

    def _look_up(self, project_id: str, job_id: str) -> TrainingJob | None:
        """The job as Baseten has it now: read, never a second stop."""
        try:
            return self._reader.get_job(project_id, job_id)
        except BasetenError as error:
            log.warning("could not look up job %s after its stop's answer was lost: %s", job_id, error.message)
            return None

    def _ends(
        self, record: AttemptRecord, outcome: Outcome, response_url: str | None, told: Message, error: str | None
    ) -> bool:
        self._audit.close(record.ended(outcome, self._clock(), error=error))
        self._delivery.reply(response_url, told)
        return False

    def _confirm(self, claim: StopClaim) -> None:
        try:
            self._store.confirm_stop(claim.job_id, claim.request_id)
        except StoreError:
            log.exception("could not mark the stop of job %s done", claim.job_id)
