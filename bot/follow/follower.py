"""The follower: starts following a new job, and each round polls the due jobs this process takes."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.baseten import BasetenClient, TrainingJob
from bot.baseten.links import DashboardLinks
from bot.baseten.models import TERMINAL_STATUSES
from bot.delivery import Delivery
from bot.follow.news import News
from bot.follow.poll import Poller
from bot.follow.rules import FollowRules
from bot.leases import new_owner
from bot.records import Followed
from bot.requester import Requester
from bot.store import AuditStore, StoreError, utcnow
from bot.ticker import Ticker

log = logging.getLogger(__name__)


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
        self.owner = owner or new_owner()
        """Names this process to the store when it takes due jobs; the app passes its lease owner's name."""
        self._store = store
        self.rules = rules or FollowRules()
        self._clock = clock
        self._poller = Poller(baseten, store, News(delivery, links), self.rules, rng or random.Random())
        self._ticker = Ticker(
            "follower", self.tick, retry=self.rules.interval, longest=self.rules.interval, what="following jobs"
        )

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
        # No wake-up: the ticker never sleeps longer than the interval, so its next round comes no later than this
        # job's first poll and plans the wait from there. Waking it here cost a round of store reads per recreate.
        try:
            self._store.follow(followed)
        except StoreError:
            log.exception("could not start following job %s", job.id)

    def start(self) -> None:
        self._ticker.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._ticker.stop(timeout)

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
            self._poller.poll(followed, self._clock())
        upcoming = self._store.followed_due(now + timedelta(seconds=self.rules.max_interval), self.rules.cap)
        if not upcoming:
            return self.rules.max_interval
        return max(0.0, (upcoming[0].next_poll_at - self._clock()).total_seconds())
