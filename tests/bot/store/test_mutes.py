"""Muted projects on both backends: a mute is seen by every replica, replaced by the latest, and ends by itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.store import AuditStore
from bot.watch.mutes import Mute

NOW = datetime(2026, 12, 2, 3, 0, 0, 123456, tzinfo=UTC)


def mute(project_id: str = "n4q95w5", hours: float = 2, by: str = "UALLOWED01") -> Mute:
    return Mute(project_id, NOW + timedelta(hours=hours), by, NOW)


def test_a_mute_is_seen_by_another_process_with_its_exact_times(open_backend: Callable[[], AuditStore]) -> None:
    one, other = open_backend(), open_backend()
    one.mute(mute())
    [found] = other.mutes(NOW)
    assert found == mute()
    assert found.until.tzinfo is not None and found.until.utcoffset() == timedelta(0)


def test_a_mute_ends_by_itself_when_its_time_passes(store: AuditStore) -> None:
    store.mute(mute(hours=1))
    assert store.mutes(NOW + timedelta(minutes=59))
    assert store.mutes(NOW + timedelta(hours=1)) == []
    assert store.unmute("n4q95w5", NOW + timedelta(hours=2)) is None  # nothing was in force to end


def test_the_latest_mute_of_a_project_replaces_the_first(store: AuditStore) -> None:
    store.mute(mute(hours=6, by="UFIRST0001"))
    store.mute(mute(hours=1, by="USECOND001"))
    assert store.mutes(NOW) == [mute(hours=1, by="USECOND001")]


def test_mutes_are_listed_soonest_to_end_first(store: AuditStore) -> None:
    store.mute(mute("k2m8x4p", hours=5))
    store.mute(mute("n4q95w5", hours=1))
    store.mute(mute("c7v3n9q", hours=3))
    assert [m.project_id for m in store.mutes(NOW)] == ["n4q95w5", "c7v3n9q", "k2m8x4p"]


def test_unmute_ends_the_mute_and_says_which_it_was(store: AuditStore) -> None:
    store.mute(mute())
    store.mute(mute("k2m8x4p"))
    assert store.unmute("n4q95w5", NOW + timedelta(minutes=5)) == mute()
    assert [m.project_id for m in store.mutes(NOW)] == ["k2m8x4p"]
    assert store.unmute("n4q95w5", NOW) is None
