"""Stop claims and the Home tab's list, on both backends: one stop per job however many taps, on any replica."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.records import STOP_ACTION, Verdict
from bot.retention import cutoffs
from bot.stop.record import StopClaim
from bot.store import AuditStore
from tests.bot.store.contract import T0, at_once, attempt, open_backend, second, store

__all__ = ["open_backend", "second", "store"]  # fixtures
STALE = 300.0


def claim(request_id: str, *, user_id: str = "UALLOWED01", at_minutes: float = 0) -> StopClaim:
    return StopClaim("new0001", "n4q95w5", request_id, user_id, T0 + timedelta(minutes=at_minutes))


def test_a_stop_claim_has_one_holder_until_released(store: AuditStore) -> None:
    assert store.claim_stop(claim("s1"), STALE) is None
    assert store.claim_stop(claim("s1"), STALE) is None  # its own holder again

    holder = store.claim_stop(claim("s2", user_id="UOTHER0001"), STALE)

    assert holder == claim("s1")
    assert store.stop_of("new0001") == claim("s1")
    store.release_stop("new0001", "s2")  # not the holder's: nothing changes
    assert store.stop_of("new0001") == claim("s1")
    store.release_stop("new0001", "s1")
    assert store.stop_of("new0001") is None
    assert store.claim_stop(claim("s2"), STALE) is None


def test_a_confirmed_stop_stays_and_an_unsettled_one_goes_stale(store: AuditStore) -> None:
    store.claim_stop(claim("s1"), STALE)
    store.confirm_stop("new0001", "s1")
    assert store.claim_stop(claim("s2", at_minutes=60), STALE) == replace(claim("s1"), stopped=True)

    store.claim_stop(StopClaim("new0002", "n4q95w5", "s3", "UALLOWED01", T0), STALE)
    later = StopClaim("new0002", "n4q95w5", "s4", "UALLOWED01", T0 + timedelta(seconds=STALE + 1))
    assert store.claim_stop(later, STALE) is None
    assert store.stop_of("new0002") == later


def test_taps_on_two_stores_at_once_give_the_stop_to_one(store: AuditStore, second: AuditStore) -> None:
    taps = [claim(f"s{n}") for n in range(6)]
    stores = [store, second] * 3

    holders = at_once([lambda s=s, t=t: s.claim_stop(t, STALE) for s, t in zip(stores, taps, strict=True)])

    assert holders.count(None) == 1
    winner = taps[holders.index(None)]
    assert all(holder == winner for holder in holders if holder is not None)


def test_recreations_by_lists_one_persons_allowed_recreates_not_their_stops(store: AuditStore) -> None:
    store.record(attempt("r1", created_at=T0))
    store.record(attempt("r2", created_at=T0 + timedelta(minutes=1)))
    store.record(attempt("r3", user_id="UOTHER0001"))
    store.record(attempt("r4", decision=Verdict.REFUSED))
    store.record(attempt("r5", action=STOP_ACTION, created_at=T0 + timedelta(minutes=2)))

    assert [r.request_id for r in store.recreations_by("UALLOWED01", 10)] == ["r2", "r1"]
    assert store.get("r5") == attempt("r5", action=STOP_ACTION, created_at=T0 + timedelta(minutes=2))


def test_pruning_forgets_stops_tapped_before_the_attempts_retention(store: AuditStore) -> None:
    now = T0 + timedelta(days=500)
    store.claim_stop(claim("old"), STALE)
    store.claim_stop(StopClaim("new0002", "n4q95w5", "new", "UALLOWED01", now - timedelta(days=1)), STALE)

    removed = store.prune(cutoffs(now, retention_days=400, lock_stale_after=1800))

    assert store.stop_of("new0001") is None and store.stop_of("new0002") is not None
    assert removed["stops"] == 1
