"""Previews: what the requester confirms with one tap, and the Retry offer when nothing was surely created."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.audit import AuditTrail
from bot.baseten import TrainingJob
from bot.baseten.links import DashboardLinks
from bot.clock import Clock
from bot.delivery import Delivery
from bot.messages import preview
from bot.messages.budget import usage_line
from bot.records import AttemptRecord, Outcome, Preview
from bot.recreate.request import RecreateRequest, Rules, new_request_id
from bot.store import StoreError

log = logging.getLogger(__name__)


class Previews:
    def __init__(
        self, audit: AuditTrail, delivery: Delivery, links: DashboardLinks, rules: Rules, clock: Clock
    ) -> None:
        self._audit = audit
        self._store = audit.store
        self._delivery = delivery
        self._links = links
        self._rules = rules
        self._clock = clock

    def save(self, request: RecreateRequest, project_id: str) -> Preview:
        """Store the preview, so any process can take the click. Raises StoreError."""
        shown = Preview(
            id=request.request_id,
            user_id=request.user_id,
            channel_id=request.channel_id,
            team_id=request.team_id,
            response_url=request.response_url,
            command_text=request.command_text,
            project_id=project_id,
            job_id=request.job_id,
            expires_at=self._clock() + timedelta(seconds=self._rules.confirm_ttl),
        )
        self._store.save_preview(shown)
        return shown

    def show(
        self, request: RecreateRequest, record: AttemptRecord, source: TrainingJob, recent: AttemptRecord | None
    ) -> AttemptRecord:
        """The attempt now waits for the requester's click; they see the job and what a recreate would do."""
        record = record.ended(Outcome.AWAITING_CONFIRMATION, self._clock())
        self._audit.park(record)
        project = source.training_project_id
        message = preview.preview(
            source,
            preview_id=request.request_id,
            recent=recent,
            recent_url=self._links.job(project, recent.new_job_id) if recent and recent.new_job_id else None,
            source_url=self._links.job(project, source.id),
            expires_in=self._rules.confirm_ttl,
            budget_line=self._budget_line(request, source),
        )
        if not self._delivery.reply(request.response_url, message):
            log.error("request %s: the preview could not be shown to %s", request.request_id, request.user_id)
        return record

    def _budget_line(self, request: RecreateRequest, source: TrainingJob) -> str | None:
        """What this recreate would add to the budget; left out when the store cannot say."""
        budget = self._rules.budget
        if not budget.active:
            return None
        try:
            spent = self._store.spent_since(budget.window_start(self._clock()))
        except StoreError:
            log.exception("request %s: could not read the budget for the preview", request.request_id)
            return None
        return usage_line(budget.usage(spent, request.user_id), source.total_gpus)

    def expire(self) -> None:
        """Close the records of previews nobody answered in time, so the audit trail shows how they ended."""
        try:
            for preview_id in self._store.expire_previews(self._clock()):
                stored = self._store.get(preview_id)
                if stored is not None and stored.outcome is Outcome.AWAITING_CONFIRMATION:
                    ended = stored.ended(Outcome.EXPIRED, self._clock(), error="not confirmed in time")
                    self._audit.close(ended)
        except StoreError:
            log.exception("could not expire old previews")

    def offer_retry(self, request: RecreateRequest, project_id: str, detail: str, waited: float | None) -> str:
        """Nothing was created, surely: say so, with a Retry only the requester can use. Returns its ID."""
        retry = RecreateRequest(
            request_id=new_request_id(),
            requester=request.requester,
            job_id=request.job_id,
            project_id=project_id,
            command_text=f"retry of request {request.request_id}",
            origin=request.origin,
        )
        try:
            self.save(retry, project_id)
            self._audit.save(retry.attempt().ended(Outcome.AWAITING_CONFIRMATION, self._clock()))
        except StoreError:
            log.exception("request %s: could not save the retry offer", request.request_id)
        message = preview.retry_offer(
            retry_id=retry.request_id,
            job_id=request.job_id,
            project_id=project_id,
            waited=None if waited is None else round(waited),
            detail=detail,
        )
        if (
            not self._delivery.reply(request.response_url, message)
            and self._delivery.post(request.user_id, message) is None
        ):
            log.error("request %s: could not tell %s that nothing was created", request.request_id, request.user_id)
        return retry.request_id
