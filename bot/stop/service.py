"""A tap on Stop: allowlist, audit record, one claim per job, a look at the job, then at most one stop sent."""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.access import AccessPolicy
from bot.audit import AuditTrail
from bot.baseten import BasetenClient
from bot.baseten.ids import is_hash_id
from bot.baseten.links import DashboardLinks
from bot.clock import Clock, utcnow
from bot.delivery import Delivery
from bot.messages import replies
from bot.messages import stop as say
from bot.records import SLACK_ORIGIN, STOP_ACTION, AttemptRecord, Outcome, Verdict
from bot.recreate.request import new_request_id
from bot.slack_payloads import ButtonClick
from bot.stop.cards import StopCards
from bot.stop.record import STALE_AFTER, StopClaim
from bot.stop.send import StopSender
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
        self._policy = policy
        self._audit = audit
        self._store = audit.store
        self._delivery = delivery
        self._clock = clock
        self._origin = origin
        cards = StopCards(audit.store, delivery, links)
        self._sender = StopSender(baseten, reader, audit, delivery, links, cards, clock)

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
            stopped = self._sender.send(record, claim, click.response_url)
        except Exception:
            log.exception("stop %s: failed", record.request_id)
            self._release(claim)
            self._delivery.reply(click.response_url, say.failed(job_id, record.request_id))
            return
        if not stopped:
            self._release(claim)

    def _release(self, claim: StopClaim) -> None:
        try:
            self._store.release_stop(claim.job_id, claim.request_id)
        except StoreError:
            log.exception("could not release the stop claim of job %s", claim.job_id)
