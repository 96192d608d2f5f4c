"""After a recreate whose answer was lost: find the job it created, if any, without sending it again."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.baseten import BasetenClient, BasetenError, TrainingJob
from bot.store import AuditStore, StoreError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Found:
    job: TrainingJob | None
    conclusive: bool
    """True when Baseten answered every look, so "no job" really means none appeared."""
    waited: float


class Reconciler:
    """Looks in the source job's project for a job created after the request was sent, with its configuration."""

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

    def find(self, source: TrainingJob, sent_at: datetime, request_id: str) -> Found:
        answered = 0
        for look in range(self._looks):
            if look:
                self._sleep(self._interval)
            try:
                jobs = self._baseten.list_jobs(source.training_project_id)
            except BasetenError as error:
                log.warning("looking for the job created from %s failed: %s", source.id, error.message)
                continue
            answered += 1
            candidates = sorted(
                (job for job in jobs if self._is_copy(job, source, sent_at)), key=lambda job: job.created_at
            )
            for job in candidates:
                if self._claim(job.id, request_id):
                    return Found(job, True, look * self._interval)
        waited = (self._looks - 1) * self._interval
        return Found(None, answered == self._looks, waited)

    def _is_copy(self, job: TrainingJob, source: TrainingJob, sent_at: datetime) -> bool:
        if job.id == source.id or job.created_at < sent_at - self._skew:
            return False
        return job.instance_type.id == source.instance_type.id and job.node_count == source.node_count

    def _claim(self, job_id: str, request_id: str) -> bool:
        """A job another request already claimed is not ours; two lost answers never take the same job."""
        try:
            return self._store.claim_new_job(job_id, request_id)
        except StoreError:
            log.exception("could not claim job %s for request %s; reporting it anyway", job_id, request_id)
            return True
