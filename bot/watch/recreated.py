"""After a recreate from an alert: the claim kept with its new job, the alert edited to say so, the card threaded."""

from __future__ import annotations

import logging

from bot.baseten import BasetenClient, BasetenError
from bot.baseten.links import DashboardLinks
from bot.clock import Clock, utcnow
from bot.delivery import Delivery
from bot.messages.alert import failure_alert
from bot.store import AuditStore, StoreError
from bot.watch.chain import read_chain
from bot.watch.logs import diagnose
from bot.watch.record import AlertRecreate

log = logging.getLogger(__name__)


class AlertFollowUp:
    def __init__(
        self,
        baseten: BasetenClient,
        store: AuditStore,
        delivery: Delivery,
        links: DashboardLinks,
        *,
        clock: Clock = utcnow,
    ) -> None:
        self._baseten = baseten
        self._store = store
        self._delivery = delivery
        self._links = links
        self._clock = clock

    def claim_of(self, request_id: str) -> AlertRecreate | None:
        """The alert this request was tapped on, if any: where its card goes, and what to edit once it made a job."""
        try:
            return self._store.alert_recreate_of(request_id)
        except StoreError:
            log.exception("request %s: could not read which alert it came from", request_id)
            return None

    def made(self, request_id: str, new_job_id: str) -> AlertRecreate | None:
        """Keep the claim with its job for good (so later taps are told); the claim as kept, or None."""
        try:
            return self._store.finish_alert_recreate(request_id, new_job_id, self._clock())
        except StoreError:
            log.exception("request %s: could not record the job it made on its alert", request_id)
            return None

    def redraw(self, claim: AlertRecreate, project_id: str) -> None:
        """Swap the alert's Recreate for who made which job. Reads Baseten: called once the record is closed."""
        if claim.channel_id and claim.ts:
            self._edit(claim, project_id)

    def _edit(self, claim: AlertRecreate, project_id: str) -> None:
        assert claim.channel_id is not None and claim.ts is not None
        try:
            failed = self._baseten.get_job(project_id, claim.job_id)
        except BasetenError as error:
            log.warning("could not read failed job %s to edit its alert: %s", claim.job_id, error.message)
            return
        url = self._links.job(failed.training_project_id, failed.id)
        diagnosis = diagnose(self._baseten, failed)
        message = failure_alert(failed, diagnosis, job_url=url, recreated=claim, chain=read_chain(self._store, failed))
        if not self._delivery.update(claim.channel_id, claim.ts, message):
            log.warning("could not edit the alert for job %s after its recreate", claim.job_id)
