"""Audit writes kept while the store is down: written in order once it is back, the newest state kept, bounded."""

from __future__ import annotations

from bot.backlog import Backlog
from bot.store import AttemptRecord, Lease, Outcome, SqliteAuditStore, StoreError
from tests.bot.store.contract import attempt


class FlakyStore(SqliteAuditStore):
    """A working in-memory store whose writes fail while `down`."""

    def __init__(self) -> None:
        super().__init__(":memory:")
        self.down = False

    def record(self, record: AttemptRecord, *, lease: Lease | None = None) -> None:
        if self.down:
            raise StoreError("could not write to the audit database: server closed the connection")
        super().record(record, lease=lease)


def test_a_write_that_fails_is_kept_and_written_with_its_follow_up_once_the_store_is_back() -> None:
    store = FlakyStore()
    backlog = Backlog(store)
    released: list[str] = []
    store.down = True

    assert not backlog.write(attempt("req-1", outcome=Outcome.PENDING))
    assert not backlog.write(attempt("req-1", new_job_id="new0001"), then=lambda: released.append("req-1"))
    assert backlog.retry() == 0
    assert store.get("req-1") is None and len(backlog) == 1

    store.down = False
    assert backlog.retry() == 1
    written = store.get("req-1")
    assert written is not None and written.new_job_id == "new0001"  # the newest state, not the first
    assert released == ["req-1"]
    assert len(backlog) == 0 and backlog.retry() == 0


def test_a_newer_write_of_a_kept_request_goes_in_order_after_it() -> None:
    store = FlakyStore()
    backlog = Backlog(store)
    store.down = True
    backlog.write(attempt("req-1", outcome=Outcome.PENDING))
    store.down = False

    assert backlog.write(attempt("req-1", card_ts="1700000000.000100"))
    backlog.retry()
    written = store.get("req-1")
    assert written is not None and written.card_ts == "1700000000.000100"


def test_the_backlog_is_bounded_and_drops_the_oldest() -> None:
    store = FlakyStore()
    backlog = Backlog(store, limit=3)
    store.down = True
    for n in range(5):
        backlog.write(attempt(f"req-{n}"))
    store.down = False

    assert backlog.retry() == 3
    assert {r.request_id for r in store.recent(10)} == {"req-2", "req-3", "req-4"}
