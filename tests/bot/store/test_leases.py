"""Leases on attempts in flight, and what a lost answer may claim: across two connections to one SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.leases import LeaseKeeper, Leases
from bot.store import Lease, Outcome, SqliteAuditStore
from tests.bot.store.test_sqlite import T0, attempt

KEY = "n4q95w5|gpt-oss-job|H100x8|1|dedicated"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[tuple[SqliteAuditStore, SqliteAuditStore]]:
    """Two processes' connections to one file."""
    first, second = SqliteAuditStore(tmp_path / "audit.db"), SqliteAuditStore(tmp_path / "audit.db")
    yield first, second
    first.close()
    second.close()


def test_an_expired_lease_is_taken_over_by_exactly_one_of_many_at_once(
    stores: tuple[SqliteAuditStore, SqliteAuditStore],
) -> None:
    first, second = stores
    first.record(attempt("req1", outcome=Outcome.PENDING), lease=Lease("req1", "dead", T0, "https://hooks/1"))
    later = T0 + timedelta(seconds=1)

    with ThreadPoolExecutor(8) as pool:
        taken = list(
            pool.map(
                lambda n: (first, second)[n % 2].take_over("req1", f"p{n}", later, later + timedelta(60)), range(8)
            )
        )

    winners = [lease for lease in taken if lease is not None]
    assert len(winners) == 1
    assert winners[0].response_url == "https://hooks/1"
    assert first.expired_leases(later, 10) == []


def test_a_lease_still_in_date_is_never_taken_over(stores: tuple[SqliteAuditStore, SqliteAuditStore]) -> None:
    first, second = stores
    first.record(attempt("req1", outcome=Outcome.PENDING), lease=Lease("req1", "alive", T0 + timedelta(seconds=20)))
    assert second.expired_leases(T0, 10) == []
    assert second.take_over("req1", "other", T0, T0 + timedelta(seconds=20)) is None


def test_a_process_whose_attempt_was_taken_over_may_not_mark_it_sent(
    stores: tuple[SqliteAuditStore, SqliteAuditStore],
) -> None:
    first, second = stores
    record = attempt("req1", outcome=Outcome.PENDING)
    first.record(record, lease=Lease("req1", "slow", T0))
    assert second.take_over("req1", "rescuer", T0, T0 + timedelta(seconds=20)) is not None

    assert not first.mark_sent(record.sending("n4q95w5", KEY, T0), "slow")
    stored = second.get("req1")
    assert stored is not None and stored.sent_at is None
    assert second.mark_sent(record.sending("n4q95w5", KEY, T0), "rescuer")


def test_only_requests_in_doubt_sent_in_the_window_contend_for_a_job(store_path: Path) -> None:
    store = SqliteAuditStore(store_path)
    for request_id, outcome, sent in [
        ("pending", Outcome.PENDING, T0),
        ("unknown", Outcome.OUTCOME_UNKNOWN, T0 + timedelta(seconds=10)),
        ("created", Outcome.CREATED, T0),
        ("failed", Outcome.FAILED, T0),
        ("too-early", Outcome.PENDING, T0 - timedelta(hours=1)),
    ]:
        store.record(attempt(request_id, outcome=outcome, sent_at=sent, copy_key=KEY))
    store.record(attempt("other-shape", outcome=Outcome.PENDING, sent_at=T0, copy_key="n4q95w5|x|A10G|1|dedicated"))

    window = (T0 - timedelta(minutes=5), T0 + timedelta(seconds=30))
    assert store.contenders(KEY, *window, excluding="me") == ["pending", "unknown"]
    assert store.contenders(KEY, *window, excluding="pending") == ["unknown"]
    store.close()


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "audit.db"


def test_leases_are_renewed_only_while_this_process_works_on_them(store_path: Path) -> None:
    store, clock = SqliteAuditStore(store_path), Clock()
    leases = Leases(store, ttl=20, owner="me", clock=clock)
    store.record(attempt("busy", outcome=Outcome.PENDING), lease=leases.new("busy", None))
    store.record(attempt("dropped", outcome=Outcome.PENDING), lease=leases.new("dropped", None))
    leases.forget("dropped")  # its work ended without finishing it

    clock.now = T0 + timedelta(seconds=15)
    assert leases.renew() == 1
    clock.now = T0 + timedelta(seconds=25)
    assert [lease.request_id for lease in store.expired_leases(clock.now, 10)] == ["dropped"]
    store.close()


def test_the_keeper_hands_over_what_a_dead_process_left_and_lets_go_of_what_it_could_not_start(
    store_path: Path,
) -> None:
    store, clock = SqliteAuditStore(store_path), Clock()
    store.record(attempt("orphan", outcome=Outcome.PENDING), lease=Lease("orphan", "dead", T0))
    leases = Leases(store, ttl=20, owner="me", clock=clock)
    clock.now = T0 + timedelta(seconds=1)
    refused = LeaseKeeper(leases, lambda lease: False)

    assert refused.sweep() == 0
    assert leases.renew() == 0  # not started here, so not kept alive: it expires again for anyone
    clock.now = T0 + timedelta(seconds=30)
    handed: list[str] = []
    assert LeaseKeeper(leases, lambda lease: handed.append(lease.request_id) or True).sweep() == 1
    assert handed == ["orphan"]
    store.close()
