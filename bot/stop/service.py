"""A tap on Stop: allowlist, audit record, one claim per job, a look at the job, then at most one stop sent."""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.access import AccessPolicy
from bot.audit import AuditTrail
from bot.baseten import BasetenClient, BasetenError, NotFound, OutcomeUnknown, TrainingJob
from bot.baseten.ids import is_hash_id
from bot.baseten.links import DashboardLinks
from bot.baseten.models import TERMINAL_STATUSES
from bot.clock import Clock, utcnow
from bot.delivery import Delivery
from bot.messages import Message, replies
from bot.messages import stop as say
from bot.records import SLACK_ORIGIN, STOP_ACTION, AttemptRecord, Outcome, Verdict
from bot.recreate.request import new_request_id
from bot.slack_payloads import ButtonClick
from bot.stop.cards import StopCards
from bot.stop.record import STALE_AFTER, StopClaim
from bot.store import StoreError

log = logging.getLogger(__name__)


def target(value: str) -> tuple[str, str] | None:
    """`<project_id>/<job_id>` from the button, or None when it is not two Baseten IDs."""
    project_id, _, job_id = value.partition("/")
    return (project_id, job_id) if is_hash_id(project_id) and is_hash_id(job_id) else None


class Stopper:
    def __init__(
        self,
        baseten: BasetenClient,
        reader: BasetenClient,
        policy: AccessPolicy,
        audit: AuditTrail,
        delivery: Delivery,
        links: DashboardLinks,
        *,
        clock: Clock = utcnow,
        origin: str = SLACK_ORIGIN,
    ) -> None:
        self._baseten = baseten
        self._reader = reader
        self._policy = policy
        self._audit = audit
        self._store = audit.store
        self._delivery = delivery
        self._links = links
        self._cards = StopCards(audit.store, delivery, links)
        self._clock = clock
        self._origin = origin

    def stop(self, click: ButtonClick) -> None:
        found = target(click.action.value)
        if found is None:
            self._delivery.reply(click.response_url, say.unreadable())
            return
        project_id, job_id = found
        now = self._clock()
        record = AttemptRecord(
            request_id=new_request_id(),
            user_id=click.user_id,
            channel_id=click.channel.id if click.channel else "",
            team_id=click.team_id,
            command_text=f"stop {project_id}/{job_id}",
            decision=Verdict.ALLOWED,
            outcome=Outcome.STOP_UNKNOWN,
            created_at=now,
            updated_at=now,
            source_project_id=project_id,
            source_job_id=job_id,
            origin=self._origin,
            action=STOP_ACTION,
        )
        decision = self._policy.check(
            user_id=click.user_id,
            channel_id=record.channel_id,
            team_id=click.team_id,
            enterprise_id=click.enterprise_id,
        )
        if not decision.allowed:
            log.info("stop %s: refused %s (%s)", record.request_id, click.user_id, decision.code)
            refused = replace(record, decision=Verdict.REFUSED)
            self._audit.close(refused.ended(Outcome.REFUSED, now, refusal=decision.code))
            self._delivery.reply(click.response_url, replies.refused(decision.reason))
            return
        claim = StopClaim(job_id, project_id, record.request_id, click.user_id, now)
        try:
            holder = self._store.claim_stop(claim, STALE_AFTER)
        except StoreError:
            log.exception("stop %s: the stop claim could not be written; nothing sent", record.request_id)
            self._delivery.reply(click.response_url, replies.audit_unavailable(record.request_id))
            return
        if holder is not None:
            self._audit.close(record.ended(Outcome.IN_FLIGHT, now, error=f"stop by {holder.user_id} under way"))
            message = say.already_stopping(job_id, holder.user_id, holder.requested_at, done=holder.stopped)
            self._delivery.reply(click.response_url, message)
            return
        try:
            stopped = self._stop(record, claim, click.response_url)
        except Exception:
            log.exception("stop %s: failed", record.request_id)
            self._release(claim)
            self._delivery.reply(click.response_url, say.failed(job_id, record.request_id))
            return
        if not stopped:
            self._release(claim)

    def _stop(self, record: AttemptRecord, claim: StopClaim, response_url: str | None) -> bool:
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

    def _release(self, claim: StopClaim) -> None:
        try:
            self._store.release_stop(claim.job_id, claim.request_id)
        except StoreError:
            log.exception("could not release the stop claim of job %s", claim.job_id)
