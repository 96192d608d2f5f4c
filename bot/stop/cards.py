"""Where a stopped job's card is, and bringing it up to date: the card loses its Stop button, the thread hears why."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from bot.baseten import TrainingJob
from bot.baseten.links import DashboardLinks
from bot.baseten.models import TERMINAL_STATUSES
from bot.delivery import Delivery
from bot.messages import Message
from bot.messages.card import job_card
from bot.records import AttemptRecord
from bot.store import AuditStore, StoreError

log = logging.getLogger(__name__)


class StopCards:
    def __init__(self, store: AuditStore, delivery: Delivery, links: DashboardLinks) -> None:
        self._store = store
        self._delivery = delivery
        self._links = links

    def made(self, job_id: str) -> AttemptRecord | None:
        """The recreate that made `job_id` (its card's place, requester and source), if this bot made it."""
        try:
            request_id = self._store.claim_owner(job_id)
            return self._store.get(request_id) if request_id else None
        except StoreError:
            log.exception("could not read which recreate made job %s", job_id)
            return None

    def refresh(
        self,
        job: TrainingJob,
        made: AttemptRecord | None,
        response_url: str | None,
        stopped: tuple[str, datetime] | None,
    ) -> None:
        """Redraw the card for the job as it is now; where it has no known place, through the tap's response_url."""
        if made is None or made.source_job_id is None:
            return
        card = job_card(
            job,
            source_job_id=made.source_job_id,
            requester_id=made.user_id,
            job_url=self._links.job(job.training_project_id, job.id),
            request_id=made.request_id,
            stopped=stopped,
        )
        if made.card_channel_id and made.card_ts and self._delivery.update(made.card_channel_id, made.card_ts, card):
            return
        self._delivery.replace(response_url, card)

    def settle_followed(self, job: TrainingJob) -> None:
        """The followed record takes the status the stop's answer gave (the Home tab reads it), unless a poll saved
        one meanwhile; the card and the thread are told already, so the follower has nothing left to say."""
        try:
            followed = self._store.followed(job.id)
            if followed is not None and not followed.done and followed.status != job.current_status:
                done = job.current_status in TERMINAL_STATUSES
                self._store.update_followed(replace(followed, status=job.current_status, done=done))
        except StoreError:
            log.exception("could not save the stopped status of followed job %s", job.id)

    def tell_thread(self, made: AttemptRecord | None, response_url: str | None, message: Message) -> None:
        """In the card's thread for everyone; with no thread known, in the conversation through the response_url."""
        thread = (made.card_channel_id, made.card_ts) if made is not None else (None, None)
        if thread[0] and thread[1] and self._delivery.post(thread[0], message, thread_ts=thread[1]) is not None:
            return
        self._delivery.reply(response_url, message, in_channel=True)
