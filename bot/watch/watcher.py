"""The failure watch: one thread that searches Baseten for failed jobs and alerts each failure once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.baseten import BasetenClient, BasetenError, JobStatus, RateLimited, TrainingJob
from bot.baseten.links import DashboardLinks
from bot.delivery import Delivery
from bot.messages import Message
from bot.messages.alert import failure_alert
from bot.store import AuditStore, StoreError, utcnow
from bot.ticker import Ticker
from bot.watch.chain import read_chain
from bot.watch.logs import diagnose
from bot.watch.record import SeenFailure

log = logging.getLogger(__name__)

FAILED = (JobStatus.FAILED.value, JobStatus.DEPLOY_FAILED.value)
EVERY_PROJECT = "all"


@dataclass(frozen=True)
class WatchRules:
    channel_id: str
    projects: tuple[str, ...] = ()
    """Project IDs; empty means every project the API key can see (one search without a project filter)."""
    interval: float = 60.0
    lookback: float = 6 * 3600.0
    """A failure updated longer ago than this is recorded without an alert (e.g. after a long outage)."""


class Watcher:
    """Store first, then speak: a failure's row is claimed with one conditional insert before its alert is posted,
    so a restart or a second replica never alerts it twice (and a post that fails is not retried)."""

    def __init__(
        self,
        baseten: BasetenClient,
        store: AuditStore,
        delivery: Delivery,
        links: DashboardLinks,
        rules: WatchRules,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._baseten = baseten
        self._store = store
        self._delivery = delivery
        self._links = links
        self.rules = rules
        self._clock = clock
        self._known: set[str] = set()
        """Job IDs this process has already seen claimed: skipped without a store write."""
        self._outage_since: datetime | None = None
        # No cap on a pause: a 429's retry_after is waited out in full.
        self._ticker = Ticker("watcher", self.tick, retry=rules.interval, what="watching for failures")

    def start(self) -> None:
        self._ticker.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._ticker.stop(timeout)

    def tick(self) -> float:
        """Check every watched scope once; returns seconds until the next check."""
        try:
            muted = {mute.project_id for mute in self._store.mutes(self._clock())}
        except StoreError:
            log.exception("the failure watch cannot read which projects are muted; no alerts until it can")
            return self.rules.interval
        for scope in self.rules.projects or (None,):
            try:
                jobs = self._baseten.search_jobs(project_id=scope, statuses=FAILED)
            except RateLimited as error:
                log.warning("Baseten rate limits the failure watch; next check in %.0f s", error.retry_after)
                return max(error.retry_after, self.rules.interval)
            except BasetenError as error:
                log.warning("the failure watch could not search Baseten: %s", error.message)
                if self._outage_since is None:
                    self._outage_since = self._clock()
                    self._say(_outage())
                return self.rules.interval
            if self._outage_since is not None:
                self._outage_since = None
                self._say(_outage_over())
            self._consider(scope or EVERY_PROJECT, jobs, muted)
        return self.rules.interval

    def _consider(self, scope: str, jobs: list[TrainingJob], muted: set[str]) -> None:
        now = self._clock()
        try:
            begun = self._store.watch_begun(scope, now)
        except StoreError:
            log.exception("the failure watch cannot read its state; no alerts until it can")
            return
        oldest = now - timedelta(seconds=self.rules.lookback)
        for job in jobs:
            if job.id in self._known or job.current_status not in FAILED:
                continue
            # Failures from before the watch first began are history, not news; so are those past the lookback.
            # A muted project's failures are claimed unalerted: its unmute does not replay what happened meanwhile.
            alert = job.updated_at > begun and job.updated_at >= oldest and job.training_project_id not in muted
            seen = SeenFailure(job.id, job.training_project_id, job.current_status, job.updated_at, now, alert)
            try:
                claimed = self._store.claim_failure(seen)
            except StoreError:
                log.exception("could not record failed job %s; it is alerted once the store answers", job.id)
                continue
            self._known.add(job.id)
            if claimed and alert:
                self._alert(job)

    def _alert(self, job: TrainingJob) -> None:
        url = self._links.job(job.training_project_id, job.id)
        message = failure_alert(job, diagnose(self._baseten, job), job_url=url, chain=read_chain(self._store, job))
        posted = self._delivery.post(self.rules.channel_id, message)
        if posted is None or posted.ts is None:
            log.error("could not post the alert for failed job %s: %s", job.id, message.text)
            return
        log.info("alerted failed job %s/%s in %s", job.training_project_id, job.id, posted.channel_id)
        try:
            self._store.failure_posted(job.id, posted.channel_id or self.rules.channel_id, posted.ts)
        except StoreError:
            log.exception("could not record where the alert for job %s went", job.id)

    def _say(self, message: Message) -> None:
        self._delivery.post(self.rules.channel_id, message)


def _outage() -> Message:
    return Message.plain(
        ":warning: Baseten is not answering, so the failure watch is paused. I'll keep checking and "
        "alert what failed meanwhile once it answers."
    )


def _outage_over() -> Message:
    return Message.plain(":electric_plug: Baseten answers again; the failure watch is back on.")
