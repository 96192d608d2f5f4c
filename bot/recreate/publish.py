"""A new job exists: record it, post its card where the requester will see it, and start following it."""

from __future__ import annotations

import logging
import time

from bot.audit import AuditTrail
from bot.baseten import TrainingJob
from bot.baseten.links import DashboardLinks
from bot.clock import Clock
from bot.delivery import Delivery, Posted
from bot.follow import Follower
from bot.messages import Message
from bot.messages.card import gpu_count_summary, job_card
from bot.messages.format import code
from bot.records import AttemptRecord
from bot.recreate.request import RecreateRequest
from bot.watch.record import AlertRecreate
from bot.watch.recreated import AlertFollowUp

log = logging.getLogger(__name__)


class Publisher:
    def __init__(
        self,
        audit: AuditTrail,
        delivery: Delivery,
        links: DashboardLinks,
        follower: Follower | None,
        clock: Clock,
        alerts: AlertFollowUp | None = None,
    ) -> None:
        self._alerts = alerts
        self._audit = audit
        self._delivery = delivery
        self._links = links
        self._follower = follower
        self._clock = clock

    def record(self, record: AttemptRecord, job: TrainingJob, note: str | None, started: float) -> AttemptRecord:
        """Stored before any reply, so a crash from here on still leaves a record that the job exists."""
        record = record.of_source(job.training_project_id).made(
            job_id=job.id,
            status=job.current_status,
            instance_type=job.instance_type.name,
            gpus=gpu_count_summary(job),
            note=note,
            at=self._clock(),
        )
        record = record.timed((time.monotonic() - started) * 1000)
        self._audit.save(record)
        return record

    def publish(
        self, request: RecreateRequest, record: AttemptRecord, job: TrainingJob, note: str | None
    ) -> AttemptRecord:
        """Post the card, start following the job, and close the record with where the card went."""
        alert = self._alerts.claim_of(request.request_id) if self._alerts else None
        posted = self._announce(request, job, note, _thread(alert))
        made = self._alerts.made(request.request_id, job.id) if self._alerts and alert else None
        if posted is not None:
            record = record.posted(posted.route.value, posted.channel_id, posted.ts)
        if self._follower is not None:
            # Before the record is closed: a process that dies in between leaves the attempt to be taken over.
            self._follower.follow(
                job,
                request_id=request.request_id,
                requester=request.requester,
                source_job_id=request.job_id,
                card_channel_id=posted.channel_id if posted else None,
                card_ts=posted.ts if posted else None,
            )
        self._audit.close(record)
        if self._alerts is not None and made is not None:
            self._alerts.redraw(made, job.training_project_id)
        return record

    def publish_id(
        self, request: RecreateRequest, record: AttemptRecord, project_id: str, job_id: str
    ) -> AttemptRecord:
        """The job cannot be read now; its ID and link still reach the requester."""
        alert = self._alerts.claim_of(request.request_id) if self._alerts else None
        self._post(request, _plain_card(request, job_id, self._links.job(project_id, job_id)), job_id, _thread(alert))
        made = self._alerts.made(request.request_id, job_id) if self._alerts and alert else None
        self._audit.close(record)
        if self._alerts is not None and made is not None:
            self._alerts.redraw(made, project_id)
        return record

    def _announce(
        self, request: RecreateRequest, job: TrainingJob, note: str | None, thread: tuple[str, str] | None
    ) -> Posted | None:
        """Post the card. A job now exists, so no failure here may hide its ID."""
        url = self._links.job(job.training_project_id, job.id)
        log.info(
            "request %s: %s recreated %s as %s/%s (%s)",
            request.request_id,
            request.user_id,
            request.job_id,
            job.training_project_id,
            job.id,
            job.current_status,
        )
        try:
            card = job_card(
                job,
                source_job_id=request.job_id,
                requester_id=request.user_id,
                job_url=url,
                request_id=request.request_id,
                note=note,
            )
        except Exception:
            log.exception("request %s: could not build the card for new job %s", request.request_id, job.id)
            card = _plain_card(request, job.id, url)
        return self._post(request, card, job.id, thread)

    def _post(
        self, request: RecreateRequest, card: Message, job_id: str, thread: tuple[str, str] | None
    ) -> Posted | None:
        """In the thread of the alert it was recreated from, if any; else where the requester asked."""
        if thread is not None:
            posted = self._delivery.post(thread[0], card, thread_ts=thread[1])
            if posted is not None:
                return posted
        return self._delivery.card(
            card,
            channel_id=request.channel_id,
            user_id=request.user_id,
            response_url=request.response_url,
            what=f"the card for new job {job_id} (request {request.request_id})",
        )


def _plain_card(request: RecreateRequest, job_id: str, url: str) -> Message:
    """The card as one line of text, for when the job cannot be shown in full: its ID is never lost."""
    return Message.plain(
        f"<@{request.user_id}> recreated {code(request.job_id)} as {code(job_id)}: <{url}|open in Baseten>"
    )


def _thread(alert: AlertRecreate | None) -> tuple[str, str] | None:
    """The alert's (channel, ts), where a card recreated from it goes; None when it came from elsewhere."""
    if alert is None or alert.channel_id is None or alert.ts is None:
        return None
    return alert.channel_id, alert.ts
