"""After a recreate whose answer was lost: find the job it created, if any, without sending it again."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.baseten import BasetenClient, BasetenError, TrainingJob
from bot.store import AuditStore, StoreError

log = logging.getLogger(__name__)

# A recreate makes its job while the POST is answered: within the read timeout, after waiting out 429s of at most a
# minute. A job that appeared later than this after the POST went out was not made by it.
APPEARS_WITHIN = timedelta(minutes=5)


@dataclass(frozen=True)
class Lost:
    """What is known of a recreate whose answer never arrived."""

    request_id: str
    project_id: str
    source_job_id: str
    copy_key: str
    """TrainingJob.copy_key of the source: a job it made has the same one."""
    sent_at: datetime


@dataclass(frozen=True)
class Found:
    job: TrainingJob | None
    conclusive: bool
    """True when Baseten answered every look in full, so "no job" really means none appeared."""
    waited: float
    contested: list[TrainingJob] = field(default_factory=list)
    """Jobs that this request or another uncertain one could have made: reported to each, claimed by none."""


class Reconciler:
    """Looks in the project for a job with the source's configuration, created just after the request was sent.

    A job is this request's only when no other request has claimed it and no other request still in doubt could
    have made it; a contested job is looked at again (the other may settle), and in the end claimed by nobody.
    """

    def __init__(
        self,
        baseten: BasetenClient,
        store: AuditStore,
        *,
        looks: int = 4,
        interval: float = 5.0,
        clock_skew: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._baseten = baseten
        self._store = store
        self._looks = looks
        self._interval = interval
        self._skew = timedelta(seconds=clock_skew)
        self._sleep = sleep

    def find(self, lost: Lost) -> Found:
        answered_in_full = 0
        contested: list[TrainingJob] = []
        for look in range(self._looks):
            if look:
                self._sleep(self._interval)
            try:
                listing = self._baseten.list_jobs(lost.project_id)
            except BasetenError as error:
                log.warning("looking for the job created from %s failed: %s", lost.source_job_id, error.message)
                continue
            answered_in_full += listing.unreadable == 0
            mine, contested = self._sort(lost, listing.jobs)
            if mine is not None:
                return Found(mine, True, look * self._interval)
        waited = (self._looks - 1) * self._interval
        return Found(None, answered_in_full == self._looks, waited, contested)

    def _sort(self, lost: Lost, jobs: list[TrainingJob]) -> tuple[TrainingJob | None, list[TrainingJob]]:
        """This request's job if one is surely its own (now claimed), and the candidates another may own."""
        contested = []
        for job in sorted((job for job in jobs if self._is_copy(job, lost)), key=lambda job: job.created_at):
            try:
                owner = self._store.claim_owner(job.id)
                if owner == lost.request_id:
                    return job, []
                if owner is not None:
                    continue
                rivals = self._store.contenders(
                    lost.copy_key, job.created_at - APPEARS_WITHIN, job.created_at + self._skew, lost.request_id
                )
            except StoreError:
                log.exception("could not check who owns job %s; not claiming it for %s", job.id, lost.request_id)
                contested.append(job)
                continue
            if rivals:
                log.warning("job %s could be %s's or %s's: not claiming it", job.id, lost.request_id, rivals)
                contested.append(job)
            elif self._claim(job.id, lost.request_id):
                return job, []
        return None, contested

    def _is_copy(self, job: TrainingJob, lost: Lost) -> bool:
        if job.id == lost.source_job_id or job.copy_key != lost.copy_key:
            return False
        return lost.sent_at - self._skew <= job.created_at <= lost.sent_at + APPEARS_WITHIN + self._skew

    def _claim(self, job_id: str, request_id: str) -> bool:
        """A job another request already claimed is not ours; two lost answers never take the same job."""
        try:
            return self._store.claim_new_job(job_id, request_id)
        except StoreError:
            log.exception("could not claim job %s for request %s; reporting it anyway", job_id, request_id)
            return True
