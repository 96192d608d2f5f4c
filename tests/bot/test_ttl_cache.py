"""The unfurl's cache: one load per key and minute, however many ask at once; bounded; a failure not kept."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from bot.ttl_cache import TtlCache


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_an_answer_is_reused_until_it_is_a_minute_old() -> None:
    clock, loads = Clock(), []
    cache: TtlCache[str, int] = TtlCache(ttl=60, clock=clock)

    def load() -> int:
        loads.append(1)
        return len(loads)

    assert cache.get("a", load) == 1
    clock.now += timedelta(seconds=59)
    assert cache.get("a", load) == 1
    clock.now += timedelta(seconds=1)
    assert cache.get("a", load) == 2


def test_callers_of_a_key_being_loaded_wait_for_that_load_instead_of_asking_again() -> None:
    cache: TtlCache[str, str] = TtlCache(ttl=60)
    started, release, loads = threading.Event(), threading.Event(), []

    def slow() -> str:
        loads.append(1)
        started.set()
        release.wait(5)
        return "job"

    answers: list[str] = []
    first = threading.Thread(target=lambda: answers.append(cache.get("a", slow)))
    first.start()
    started.wait(5)
    second = threading.Thread(target=lambda: answers.append(cache.get("a", slow)))
    second.start()
    release.set()
    first.join(5)
    second.join(5)

    assert answers == ["job", "job"] and len(loads) == 1


def test_the_oldest_key_goes_when_the_cache_is_full() -> None:
    cache: TtlCache[int, int] = TtlCache(ttl=60, max_size=2)
    for key in (1, 2, 3):
        cache.get(key, lambda key=key: key)  # type: ignore[misc]
    assert cache.get(1, lambda: -1) == -1
    assert cache.get(3, lambda: -3) == 3


def test_a_load_that_raises_is_not_cached() -> None:
    cache: TtlCache[str, int] = TtlCache(ttl=60)

    def broken() -> int:
        raise RuntimeError("down")

    with pytest.raises(RuntimeError):
        cache.get("a", broken)
    assert cache.get("a", lambda: 7) == 7
