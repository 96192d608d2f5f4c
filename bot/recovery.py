"""Attempts whose process died mid-recreate: taken over by any live process and finished, never sent again."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.leases import Leases
from bot.recreate import RecreateRequest, RecreateService
from bot.runner import Runner
from bot.store import AuditStore, Lease, StoreError, utcnow

log = logging.getLogger(__name__)

# Slack accepts a response_url for 30 minutes; past this it is not tried, and the outcome goes by channel or DM.
RESPONSE_URL_LASTS = timedelta(minutes=29)


class Recovery:
    """Hands each taken-over attempt to the runner, then finishes it from its record and its lease."""

    def __init__(
        self,
        service: RecreateService,
        store: AuditStore,
        leases: Leases,
        runner: Runner,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._service = service
        self._store = store
        self._leases = leases
        self._runner = runner
        self._clock = clock

    def submit(self, lease: Lease) -> bool:
        """Queue the attempt's recovery; False when the runner takes no work now."""
        return self._runner.submit(lambda: self.recover(lease), label=f"recover {lease.request_id}")

    def recover(self, lease: Lease) -> None:
        try:
            record = self._store.get(lease.request_id)
        except StoreError:
            # The lease expires again and the attempt is tried once more, here or in another process.
            log.exception("request %s: could not read it to take it over", lease.request_id)
            self._leases.forget(lease.request_id)
            return
        if record is None or not record.source_job_id:
            log.warning("request %s: nothing to take over; dropping its lease", lease.request_id)
            self._leases.release(lease.request_id)
            return
        fresh = record.created_at + RESPONSE_URL_LASTS > self._clock()
        request = RecreateRequest.from_record(record, lease.response_url if fresh else None)
        log.warning("request %s: finishing it for %s after its process stopped", record.request_id, record.user_id)
        self._service.resume(request, record)
