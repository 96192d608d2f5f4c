"""Following new jobs: poll Baseten gently, keep the card's status current, reply in its thread on changes."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.baseten import BasetenClient, BasetenError, JobStatus, NotFound, RateLimited, TrainingJob
from bot.baseten.links import DashboardLinks
from bot.baseten.models import TERMINAL_STATUSES
from bot.delivery import Delivery
from bot.leases import new_owner
from bot.messages import Message
from bot.messages import follow as say
from bot.messages.card import job_card
from bot.requester import Requester
from bot.stop.record import StopClaim
from bot.store import AuditStore, Followed, StoreError, utcnow
from bot.ticker import Ticker
from bot.watch.logs import diagnose

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FollowRules:
    interval: float = 30.0
    """Seconds between polls at first, and after every change."""
    max_interval: float = 600.0
    """Polls back off up to this while the status stays the same."""
    backoff: float = 1.5
    jitter: float = 0.1
    follow_for: float = 86400.0
    cap: int = 100
    """Jobs followed at once; the rest wait their turn."""
    hold: float = 120.0
    """Seconds the due jobs a round takes stay this process's (a few poll timeouts): no other replica polls them
    meanwhile; saving a poll's result lets its job go, and a process that stopped mid-round loses the rest then."""


class Follower:
    """A single background thread; state lives in the store, so a restarted bot carries on where it stopped."""

    def __init__(
        self,
        baseten: BasetenClient,
        store: AuditStore,
        delivery: Delivery,
        links: DashboardLinks,
        rules: FollowRules | None = None,
        *,
        clock: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
        owner: str | None = None,
    ) -> None:
        self._baseten = baseten
        self.owner = owner or new_owner()
        """Names this process to the store when it takes due jobs; the app passes its lease owner's name."""
        self._store = store
        self._delivery = delivery
        self._links = links
        self.rules = rules or FollowRules()
        self._clock = clock
        self._rng = rng or random.Random()
        self._ticker = Ticker(
            "follower", self.tick, retry=self.rules.interval, longest=self.rules.interval, what="following jobs"
        )

    # --- starting and stopping -----------------------------------------------------------------------------

    def follow(
        self,
        job: TrainingJob,
        *,
        request_id: str,
        requester: Requester,
        source_job_id: str,
        card_channel_id: str | None,
        card_ts: str | None,
    ) -> None:
        now = self._clock()
        followed = Followed(
            job_id=job.id,
            project_id=job.training_project_id,
            request_id=request_id,
            requester_id=requester.user_id,
            source_job_id=source_job_id,
            channel_id=requester.channel_id,
            status=job.current_status,
            next_poll_at=now + timedelta(seconds=self.rules.interval),
            interval=self.rules.interval,
            started_at=now,
            deadline=now + timedelta(seconds=self.rules.follow_for),
            card_channel_id=card_channel_id,
            card_ts=card_ts,
            response_url=requester.response_url,
            done=job.current_status in TERMINAL_STATUSES,
        )
        try:
            self._store.follow(followed)
        except StoreError:
            log.exception("could not start following job %s", job.id)
            return
        self._ticker.wake()

    def start(self) -> None:
        self._ticker.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._ticker.stop(timeout)

    # --- one round -----------------------------------------------------------------------------------------

    def tick(self) -> float:
        """Poll every due job once; returns seconds until the next one is due."""
        now = self._clock()
        # Taken, not just read: of replicas sharing the store each due job goes to one, so Baseten is asked once.
        # update_followed's version check stays the second guard, should a round outlast its hold.
        for followed in self._store.take_due(self.owner, now, self.rules.cap, timedelta(seconds=self.rules.hold)):
            if self._ticker.stopping:
                break
            # The poll's own time, not the round's: in a round longer than the interval, the last jobs polled
            # would otherwise be due again at once.
            self._poll(followed, self._clock())
        upcoming = self._store.followed_due(now + timedelta(seconds=self.rules.max_interval), self.rules.cap)
        if not upcoming:
            return self.rules.max_interval
        return max(0.0, (upcoming[0].next_poll_at - self._clock()).total_seconds())

    def _poll(self, followed: Followed, now: datetime) -> None:
        try:
            job = self._baseten.get_job(followed.project_id, followed.job_id)
        except RateLimited as error:
            if self._past_deadline(followed, now):
                return
            wait = max(error.retry_after, followed.interval)
            self._save(followed, replace(followed, next_poll_at=now + timedelta(seconds=wait)))
            return
        except NotFound:
            self._save(followed, replace(followed, done=True), say.vanished(followed.job_id))
            return
        except BasetenError as error:
            log.warning("polling job %s failed: %s", followed.job_id, error.message)
            if self._past_deadline(followed, now):
                return
            slower = min(followed.interval * self.rules.backoff, self.rules.max_interval)
            update = replace(followed, interval=slower, next_poll_at=self._next(now, slower))
            if followed.outage_since is None:
                self._save(followed, replace(update, outage_since=now), say.outage(followed.job_id))
            else:
                self._save(followed, update)
            return
        notices: list[Message] = []
        if followed.outage_since is not None:
            notices.append(say.outage_over(job.id, job.current_status))
        changed = job.current_status != followed.status
        stop = self._stop_of(job.id) if changed else None
        if changed:
            # A failure's reply carries its last log lines: what the requester needs to decide what next.
            diagnosis = diagnose(self._baseten, job) if job.current_status in say.FAILED else None
            reply = say.status_reply(job, followed.requester_id, diagnosis)
            # A stop from the card tells the thread itself: the STOPPED it caused is not told twice.
            if reply is not None and not (stop is not None and job.current_status == JobStatus.STOPPED):
                notices.append(reply)
        slower = min(followed.interval * self.rules.backoff, self.rules.max_interval)
        interval = self.rules.interval if changed else slower
        update = replace(
            followed,
            status=job.current_status,
            interval=interval,
            next_poll_at=self._next(now, interval),
            outage_since=None,
            done=job.current_status in TERMINAL_STATUSES,
        )
        if not update.done and now >= followed.deadline:
            update = replace(update, done=True)
            notices.append(say.gave_up(job.id, job.current_status, self.rules.follow_for / 3600))
        if self._save(followed, update, *notices) and changed:
            self._update_card(followed, job, stop)

    def _past_deadline(self, followed: Followed, now: datetime) -> bool:
        """A job whose deadline passed while Baseten would not answer stops being followed (and frees its slot)."""
        if now < followed.deadline:
            return False
        gave_up = say.gave_up(followed.job_id, followed.status, self.rules.follow_for / 3600)
        self._save(followed, replace(followed, done=True), gave_up)
        return True

    def _next(self, now: datetime, interval: float) -> datetime:
        spread = interval * self.rules.jitter
        # Jitter spreads polls out but never brings one closer than the base interval.
        seconds = max(self.rules.interval, interval + self._rng.uniform(-spread, spread))
        return now + timedelta(seconds=seconds)

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
            self._tell(after, notice)
        return True

    # --- talking to Slack ----------------------------------------------------------------------------------

    def _tell(self, followed: Followed, message: Message) -> None:
        # A card that went through response_url has no thread: the news then goes where a card would.
        thread = (followed.card_channel_id, followed.card_ts) if followed.card_channel_id and followed.card_ts else None
        self._delivery.follow_up(
            message,
            thread=thread,
            channel_id=followed.channel_id,
            user_id=followed.requester_id,
            response_url=followed.response_url,
            what=f"news of job {followed.job_id}",
        )

    def _stop_of(self, job_id: str) -> StopClaim | None:
        """A stop tapped on the job's card, if any (read only when the status changed)."""
        try:
            return self._store.stop_of(job_id)
        except StoreError:
            log.exception("could not read whether job %s is being stopped", job_id)
            return None

    def _update_card(self, followed: Followed, job: TrainingJob, stop: StopClaim | None) -> None:
        if not (followed.card_channel_id and followed.card_ts):
            return
        card = job_card(
            job,
            source_job_id=followed.source_job_id,
            requester_id=followed.requester_id,
            job_url=self._links.job(job.training_project_id, job.id),
            request_id=followed.request_id,
            stopped=(stop.user_id, stop.requested_at) if stop is not None and stop.stopped else None,
        )
        self._delivery.update(followed.card_channel_id, followed.card_ts, card)
