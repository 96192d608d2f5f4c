"""A recreate whose answer was lost: its job if it surely made one, else the truth about what is known."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.audit import AuditTrail
from bot.baseten import OutcomeUnknown, TrainingJob
from bot.baseten.links import DashboardLinks
from bot.clock import Clock
from bot.delivery import Delivery
from bot.messages.card import outcome_unknown_card
from bot.reconcile import Lost, Reconciler
from bot.records import AttemptRecord, Outcome
from bot.recreate.previews import Previews
from bot.recreate.request import Ended, RecreateRequest

log = logging.getLogger(__name__)

_DETAIL = {
    "timeout": "Baseten did not answer in time.",
    "connection_lost": "The connection to Baseten dropped before it answered.",
    "server_error": "Baseten answered with an error (HTTP {status}) after receiving the request.",
    "unreadable_response": "Baseten accepted the request but its answer could not be read.",
}


@dataclass(frozen=True)
class Found:
    job: TrainingJob
    note: str


class LostAnswers:
    def __init__(
        self,
        reconciler: Reconciler,
        audit: AuditTrail,
        delivery: Delivery,
        links: DashboardLinks,
        previews: Previews,
        clock: Clock,
    ) -> None:
        self._reconciler = reconciler
        self._audit = audit
        self._delivery = delivery
        self._links = links
        self._previews = previews
        self._clock = clock

    def after(self, request: RecreateRequest, record: AttemptRecord, error: OutcomeUnknown) -> Found | Ended:
        """Find out what an unanswered recreate did before saying anything; never send it again."""
        log.error(
            "request %s: recreate of %s/%s has an unknown outcome (%s): %s; looking for the job",
            request.request_id,
            record.source_project_id,
            request.job_id,
            error.reason,
            error.message,
        )
        unknown = record.ended(Outcome.OUTCOME_UNKNOWN, self._clock(), error=f"{error.reason}: {error.message}")
        self._audit.save(unknown)
        detail = _DETAIL.get(error.reason, "Baseten's answer was lost.").format(status=error.status)
        # A 2xx whose body could not be read proves a job exists even when it has not shown up yet.
        return self.settle(
            request, record, detail, reason=error.reason, may_be_nothing=error.reason != "unreadable_response"
        )

    def settle(
        self, request: RecreateRequest, record: AttemptRecord, detail: str, *, reason: str, may_be_nothing: bool
    ) -> Found | Ended:
        """This request's job if it surely made one. Otherwise: nothing was created (with Retry) only when that is
        certain, else the outcome is unknown, with any job another uncertain request could own linked."""
        assert record.sent_at is not None and record.copy_key is not None and record.source_project_id is not None
        lost = Lost(record.request_id, record.source_project_id, request.job_id, record.copy_key, record.sent_at)
        found = self._reconciler.find(lost)
        if found.job is not None:
            log.warning("request %s: found job %s created by the unanswered recreate", request.request_id, found.job.id)
            return Found(found.job, f"Confirmed after an error: {detail} The new job was found in the project.")
        if found.contested:
            ids = [job.id for job in found.contested]
            self.post_unknown(request, lost.project_id, detail, candidates=ids)
            return Ended(Outcome.OUTCOME_UNKNOWN, f"{reason}: could be job {', '.join(ids)}, also claimable")
        if found.conclusive and may_be_nothing:
            retry = self._previews.offer_retry(request, lost.project_id, detail, found.waited)
            return Ended(Outcome.FAILED, f"{reason}: no job appeared (retry offered as {retry})")
        self.post_unknown(request, lost.project_id, detail)
        return Ended(Outcome.OUTCOME_UNKNOWN, f"{reason}: no job found, and Baseten could not be asked in full")

    def post_unknown(
        self, request: RecreateRequest, project_id: str, detail: str, *, candidates: list[str] | None = None
    ) -> None:
        card = outcome_unknown_card(
            project_id=project_id,
            source_job_id=request.job_id,
            requester_id=request.user_id,
            check_url=self._links.training(),
            request_id=request.request_id,
            detail=detail,
            candidates=[(job_id, self._links.job(project_id, job_id)) for job_id in candidates or []],
        )
        self._delivery.card(
            card,
            channel_id=request.channel_id,
            user_id=request.user_id,
            response_url=request.response_url,
            what=f"the outcome-unknown notice for {request.job_id} (request {request.request_id})",
        )
