"""Audit stores for tests: the real SQLite store, watched or broken on purpose.

They subclass the real store, so they keep up with the AuditStore interface as it grows.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.budget import Budget
from bot.store import AttemptRecord, InFlight, Lease, SqliteAuditStore, StoreError


@dataclass(frozen=True)
class Write:
    record: AttemptRecord
    at: float
    """time.monotonic() when the write was made, comparable with FakeSlack's Call.at."""

    seen: object
    """What the `observe` callable returned at that moment (e.g. how many calls Baseten had seen)."""


class RecordingStore(SqliteAuditStore):
    """An in-memory SQLite store that also keeps every write, in order, for tests to inspect."""

    def __init__(self, path: str = ":memory:") -> None:
        super().__init__(path)
        self.observe: Callable[[], object] = lambda: None
        self._writes: list[Write] = []
        self._writes_lock = threading.Lock()

    def record(self, record: AttemptRecord, *, lease: Lease | None = None) -> None:
        super().record(record, lease=lease)
        self._wrote(record)

    def mark_sent(self, record: AttemptRecord, owner: str, *, budget: Budget | None = None) -> bool:
        saved = super().mark_sent(record, owner, budget=budget)
        if saved:
            self._wrote(record)
        return saved

    def _wrote(self, record: AttemptRecord) -> None:
        with self._writes_lock:
            self._writes.append(Write(record, time.monotonic(), self.observe()))

    @property
    def writes(self) -> list[Write]:
        with self._writes_lock:
            return list(self._writes)

    def request_ids(self) -> list[str]:
        """Every request written, in the order first written."""
        return list(dict.fromkeys(write.record.request_id for write in self.writes))

    def final(self) -> list[AttemptRecord]:
        """The stored state of every request, in the order first written."""
        records = [self.get(request_id) for request_id in self.request_ids()]
        return [record for record in records if record is not None]


class BrokenStore(SqliteAuditStore):
    """A store whose disk has gone away: writes (and, if asked, reads) raise StoreError."""

    def __init__(self, *, reads_fail: bool = False) -> None:
        super().__init__(":memory:")
        self.reads_fail = reads_fail
        self.write_attempts = 0

    def record(self, record: AttemptRecord, *, lease: Lease | None = None) -> None:
        self.write_attempts += 1
        raise StoreError("could not write to the audit database /data/audit.db: disk I/O error")

    def mark_sent(self, record: AttemptRecord, owner: str, *, budget: Budget | None = None) -> bool:
        return bool(self.record(record))

    def recent(self, limit: int) -> list[AttemptRecord]:
        if self.reads_fail:
            raise StoreError("could not read the audit database /data/audit.db: disk I/O error")
        return super().recent(limit)

    def involving(self, job_id: str, limit: int) -> list[AttemptRecord]:
        if self.reads_fail:
            raise StoreError("could not read the audit database /data/audit.db: disk I/O error")
        return super().involving(job_id, limit)

    def visible(self, limit: int, *, channel_id: str, user_id: str, job_id: str | None = None) -> list[AttemptRecord]:
        if self.reads_fail:
            raise StoreError("could not read the audit database /data/audit.db: disk I/O error")
        return super().visible(limit, channel_id=channel_id, user_id=user_id, job_id=job_id)


class FailingOn(SqliteAuditStore):
    """A working in-memory store except for the named methods, which raise StoreError while listed in `failing`."""

    def __init__(self, *failing: str) -> None:
        super().__init__(":memory:")
        self.failing = set(failing)

    def claim_new_job(self, job_id: str, request_id: str) -> bool:
        if "claim_new_job" in self.failing:
            raise StoreError("disk I/O error (simulated)")
        return super().claim_new_job(job_id, request_id)

    def mark_sent(self, record: AttemptRecord, owner: str, *, budget: Budget | None = None) -> bool:
        if "mark_sent" in self.failing:
            raise StoreError("disk I/O error (simulated)")
        return super().mark_sent(record, owner, budget=budget)

    def last_created(self, source_job_id: str, since: datetime) -> AttemptRecord | None:
        if "last_created" in self.failing:
            raise StoreError("database is locked (simulated)")
        return super().last_created(source_job_id, since)

    def in_flight(self, source_job_id: str, stale_after: float, now: datetime) -> InFlight | None:
        if "in_flight" in self.failing:
            raise RuntimeError("a bug, not a store failure (simulated)")
        return super().in_flight(source_job_id, stale_after, now)
