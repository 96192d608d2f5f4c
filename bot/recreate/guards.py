"""The duplicate guards: a job already being recreated, a recent recreate, one made since the preview."""

from __future__ import annotations

from datetime import timedelta

from bot.baseten import TrainingJob
from bot.clock import Clock
from bot.messages import preview
from bot.records import AttemptRecord, InFlight, Outcome
from bot.recreate.endings import over_budget
from bot.recreate.request import Ended, RecreateRequest, Rules
from bot.settings import ConfirmMode
from bot.store import AuditStore


class Guards:
    """Each check reads the store (raising StoreError when it cannot) and answers what it found."""

    def __init__(self, store: AuditStore, rules: Rules, clock: Clock) -> None:
        self._store = store
        self._rules = rules
        self._clock = clock

    def busy(self, source_job_id: str) -> Ended | None:
        """Another request is recreating this job right now."""
        holder = self._store.in_flight(source_job_id, self._rules.in_flight_stale_after, self._clock())
        return None if holder is None else _in_flight(source_job_id, holder)

    def lock(self, request: RecreateRequest) -> Ended | None:
        """Take the per-source-job lock, or say who holds it."""
        lock = InFlight(request.job_id, request.request_id, request.user_id, self._clock())
        holder = self._store.acquire_in_flight(lock, self._rules.in_flight_stale_after)
        return None if holder is None else _in_flight(request.job_id, holder)

    def recent(self, source_job_id: str) -> AttemptRecord | None:
        """A recreate of this job within the cooldown, which forces a preview that names it."""
        if self._rules.cooldown <= 0:
            return None
        return self._store.last_created(source_job_id, self._clock() - timedelta(seconds=self._rules.cooldown))

    def needs_preview(self, source: TrainingJob, recent: AttemptRecord | None) -> bool:
        if recent is not None or self._rules.confirm is ConfirmMode.ALWAYS:
            return True
        return self._rules.confirm is ConfirmMode.ACTIVE and source.is_active

    def over_budget(self, request: RecreateRequest, source: TrainingJob) -> Ended | None:
        """The early check, before any preview: a limit this recreate would exceed (mark_sent checks again)."""
        budget = self._rules.budget
        if not budget.active:
            return None
        spent = self._store.spent_since(budget.window_start(self._clock()))
        over = budget.over(spent, request.user_id, source.total_gpus)
        return None if over is None else over_budget(request, over)

    def superseded(self, request: RecreateRequest) -> Ended | None:
        """A recreate of the same job the requester has not seen: since their preview, or within the cooldown."""
        if request.previewed_at is not None:
            since = request.previewed_at
        elif self._rules.cooldown > 0:
            since = self._clock() - timedelta(seconds=self._rules.cooldown)
        else:
            return None
        newer = self._store.last_created(request.job_id, since)
        if newer is None or newer.request_id == request.request_id:
            return None
        reply = preview.superseded(request.job_id, newer)
        return Ended(Outcome.CANCELLED, f"superseded by request {newer.request_id}", reply)


def _in_flight(source_job_id: str, holder: InFlight) -> Ended:
    reply = preview.in_flight(source_job_id, holder)
    return Ended(Outcome.IN_FLIGHT, f"in flight as request {holder.request_id}", reply)
