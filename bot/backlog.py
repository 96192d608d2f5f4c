"""Audit writes that failed while the store was down, kept (bounded) and retried until written.

An outcome that arrives during a database outage (a job Baseten made) must not be lost: it is logged at once with
its new job's ID, kept here, and written on a later periodic tick (the lease keeper's) once the store answers.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable

from bot.store import AttemptRecord, AuditStore, StoreError

# The audit trail's own logger: its failures are found (and alerted on) under one name.
log = logging.getLogger("bot.audit")

LIMIT = 500
"""Requests kept at most; past it the oldest is dropped (its log line stays the record of it)."""


class Backlog:
    def __init__(self, store: AuditStore, *, limit: int = LIMIT) -> None:
        self._store = store
        self._limit = limit
        self._lock = threading.Lock()
        # request_id -> the newest unwritten state of the attempt, and what to do once it is written.
        self._waiting: OrderedDict[str, tuple[AttemptRecord, Callable[[], None] | None]] = OrderedDict()

    def write(self, record: AttemptRecord, *, then: Callable[[], None] | None = None) -> bool:
        """Write `record` now, or keep it for `retry`; `then` runs once it is written. True when written now."""
        with self._lock:
            if record.request_id in self._waiting:
                # An older state is waiting: write in order, or a retry could put the older one back over this.
                self._waiting[record.request_id] = (record, then)
                return self._flush_one(record.request_id)
        try:
            self._store.record(record)
        except StoreError:
            self._keep(record, then)
            return False
        if then is not None:
            then()
        return True

    def retry(self) -> int:
        """Write what is waiting, oldest first, until the store fails again; returns how many were written."""
        written = 0
        with self._lock:
            for request_id in list(self._waiting):
                if not self._flush_one(request_id):
                    break
                written += 1
        if written:
            log.info("wrote %d audit records kept while the store was unavailable", written)
        return written

    def __len__(self) -> int:
        with self._lock:
            return len(self._waiting)

    def _flush_one(self, request_id: str) -> bool:
        record, then = self._waiting[request_id]
        try:
            self._store.record(record)
        except StoreError:
            return False
        del self._waiting[request_id]
        if then is not None:
            then()
        return True

    def _keep(self, record: AttemptRecord, then: Callable[[], None] | None) -> None:
        log.exception(
            "audit write failed for request %s (new job %s); kept to write when the store is back: %s",
            record.request_id,
            record.new_job_id or "none",
            json.dumps(record.to_log()),
        )
        with self._lock:
            self._waiting[record.request_id] = (record, then)
            self._waiting.move_to_end(record.request_id)
            while len(self._waiting) > self._limit:
                dropped, _ = self._waiting.popitem(last=False)
                log.error("audit backlog full: request %s is only in the log above", dropped)
