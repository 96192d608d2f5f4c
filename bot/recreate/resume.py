"""Finishing an attempt taken over from a process that stopped: from what the store says, never sending again."""

from __future__ import annotations

import logging
import time

from bot.audit import AuditTrail
from bot.baseten import BasetenClient, BasetenError
from bot.messages.format import code
from bot.records import AttemptRecord, Outcome, PreviewState
from bot.recreate.endings import Endings
from bot.recreate.lost import LostAnswers
from bot.recreate.previews import Previews
from bot.recreate.publish import Publisher
from bot.recreate.request import Ended, RecreateRequest
from bot.recreate.source import look_up

# Logged under the recreate service's name: resuming is one of its paths, and log filters name the service.
log = logging.getLogger("bot.recreate.service")


class Resumer:
    """Takes an attempt up where its record says it stopped: republish, settle a lost answer, or offer a retry."""

    def __init__(
        self,
        baseten: BasetenClient,
        audit: AuditTrail,
        previews: Previews,
        lost: LostAnswers,
        publisher: Publisher,
        endings: Endings,
    ) -> None:
        self._baseten = baseten
        self._audit = audit
        self._store = audit.store
        self._previews = previews
        self._lost = lost
        self._publisher = publisher
        self._endings = endings

    def resume(self, request: RecreateRequest, record: AttemptRecord) -> AttemptRecord:
        started = time.monotonic()
        if record.outcome is Outcome.AWAITING_CONFIRMATION and self._was_confirmed(record.request_id):
            # Confirmed, and the process stopped before the recreate was marked as going out.
            record = record.ended(Outcome.PENDING, record.updated_at)
        if record.outcome is Outcome.CREATED and record.new_job_id and record.card_route is None:
            return self._republish(request, record)
        if record.outcome not in (Outcome.PENDING, Outcome.OUTCOME_UNKNOWN):
            # Finished, or waiting for a click, before the process stopped: only its lease was left behind.
            self._audit.leases.release(request.request_id)
            return record
        if record.sent_at is None:
            return self._endings.finish(request, record, self._never_sent(request, record))
        log.warning("request %s: its answer was lost when the bot stopped; looking for the job", request.request_id)
        unreadable = (record.error or "").startswith("unreadable_response")
        detail = "The bot restarted before Baseten's answer arrived."
        found = self._lost.settle(request, record, detail, reason="restarted", may_be_nothing=not unreadable)
        if isinstance(found, Ended):
            return self._endings.finish(request, record, found)
        made = self._publisher.record(record, found.job, found.note, started)
        return self._publisher.publish(request, made, found.job, found.note)

    def _never_sent(self, request: RecreateRequest, record: AttemptRecord) -> Ended:
        project_id = record.source_project_id
        if project_id is None:
            source = look_up(self._baseten, request)
            if isinstance(source, Ended):
                return source
            project_id = source.training_project_id
        detail = f"The bot restarted before your recreate of {code(request.job_id)} was sent to Baseten."
        retry = self._previews.offer_retry(request, project_id, detail, None)
        return Ended(Outcome.FAILED, f"stopped before sending (retry offered as {retry})")

    def _was_confirmed(self, preview_id: str) -> bool:
        shown = self._store.get_preview(preview_id)
        return shown is not None and shown.state is PreviewState.CONFIRMED

    def _republish(self, request: RecreateRequest, record: AttemptRecord) -> AttemptRecord:
        """The job was made and recorded, but its card was never posted."""
        assert record.new_job_id is not None and record.source_project_id is not None
        try:
            job = self._baseten.get_job(record.source_project_id, record.new_job_id)
        except BasetenError as error:
            log.warning("request %s: could not read new job %s: %s", request.request_id, record.new_job_id, error)
            return self._publisher.publish_id(request, record, record.source_project_id, record.new_job_id)
        return self._publisher.publish(request, record, job, "Posted after the bot restarted.")
