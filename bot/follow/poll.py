"""One poll of one followed job: ask Baseten, save what changed (store first, then speak), tell and redraw."""

from __future__ import annotations

import logging
import random
from dataclasses import replace
from datetime import datetime, timedelta

from bot.baseten import BasetenClient, BasetenError, JobStatus, NotFound, RateLimited, TrainingJob
from bot.baseten.models import TERMINAL_STATUSES
from bot.follow.news import News
from bot.follow.rules import FollowRules
from bot.messages import Message
from bot.messages import follow as say
from bot.records import Followed
from bot.stop.record import StopClaim, under_way
from bot.store import AuditStore, StoreError
from bot.watch.logs import diagnose

log = logging.getLogger(__name__)


class Poller:
    def __init__(
        self, baseten: BasetenClient, store: AuditStore, news: News, rules: FollowRules, rng: random.Random
    ) -> None:
        self._baseten = baseten
        self._store = store
        self._news = news
        self._rules = rules
        self._rng = rng

    def poll(self, followed: Followed, now: datetime) -> None:
        try:
            job = self._baseten.get_job(followed.project_id, followed.job_id)
        except RateLimited as error:
            if not self._past_deadline(followed, now):
                wait = max(error.retry_after, followed.interval)
                self._save(followed, replace(followed, next_poll_at=now + timedelta(seconds=wait)))
            return
        except NotFound:
            self._save(followed, replace(followed, done=True), say.vanished(followed.job_id))
            return
        except BasetenError as error:
            log.warning("polling job %s failed: %s", followed.job_id, error.message)
            if not self._past_deadline(followed, now):
                self._unanswered(followed, now)
            return
        self._answered(followed, job, now)

    def _unanswered(self, followed: Followed, now: datetime) -> None:
        slower = self._rules.slower(followed.interval)
        update = replace(followed, interval=slower, next_poll_at=self._rules.next_poll(now, slower, self._rng))
        if followed.outage_since is None:
            self._save(followed, replace(update, outage_since=now), say.outage(followed.job_id))
        else:
            self._save(followed, update)

    def _answered(self, followed: Followed, job: TrainingJob, now: datetime) -> None:
        notices: list[Message] = []
        if followed.outage_since is not None:
            notices.append(say.outage_over(job.id, job.current_status))
        changed = job.current_status != followed.status
        stop = self._stop_of(job.id) if changed else None
        if changed and job.current_status == JobStatus.STOPPED and under_way(stop, now):
            # A stop from the card is still to settle: if Baseten confirms it, that stop tells the thread itself;
            # if not (its answer lost, its process gone), the next poll does. The STOPPED is not saved till then.
            waiting = replace(followed, next_poll_at=self._rules.next_poll(now, self._rules.interval, self._rng))
            self._save(followed, replace(waiting, interval=self._rules.interval, outage_since=None), *notices)
            return
        if changed:
            # A failure's reply carries its last log lines: what the requester needs to decide what next.
            diagnosis = diagnose(self._baseten, job) if job.current_status in say.FAILED else None
            reply = say.status_reply(job, followed.requester_id, diagnosis)
            # A confirmed stop from the card tells the thread itself: the STOPPED it caused is not told twice.
            told_by_stop = stop is not None and stop.stopped and job.current_status == JobStatus.STOPPED
            if reply is not None and not told_by_stop:
                notices.append(reply)
        interval = self._rules.interval if changed else self._rules.slower(followed.interval)
        update = replace(
            followed,
            status=job.current_status,
            interval=interval,
            next_poll_at=self._rules.next_poll(now, interval, self._rng),
            outage_since=None,
            done=job.current_status in TERMINAL_STATUSES,
        )
        if not update.done and now >= followed.deadline:
            update = replace(update, done=True)
            notices.append(say.gave_up(job.id, job.current_status, self._rules.follow_for / 3600))
        if self._save(followed, update, *notices) and changed:
            self._news.redraw(followed, job, stop)

    def _past_deadline(self, followed: Followed, now: datetime) -> bool:
        """A job whose deadline passed while Baseten would not answer stops being followed (and frees its slot)."""
        if now < followed.deadline:
            return False
        gave_up = say.gave_up(followed.job_id, followed.status, self._rules.follow_for / 3600)
        self._save(followed, replace(followed, done=True), gave_up)
        return True

    def _save(self, before: Followed, after: Followed, *notices: Message) -> bool:
        """Store first, then speak: a restart never repeats a reply, and another process never doubles one."""
        try:
            saved = self._store.update_followed(replace(after, version=before.version))
        except StoreError:
            log.exception("could not save the state of followed job %s", before.job_id)
            return False
        if not saved:
            return False
        for notice in notices:
            self._news.tell(after, notice)
        return True

    def _stop_of(self, job_id: str) -> StopClaim | None:
        """A stop tapped on the job's card, if any (read only when the status changed)."""
        try:
            return self._store.stop_of(job_id)
        except StoreError:
            log.exception("could not read whether job %s is being stopped", job_id)
            return None
