"""Splitting CPU samples into poll rounds (requests close together) and the idle stretches between them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from tests.fakes.http import Request, Response

ROUND_GAP = 5.0
"""Requests less than this far apart belong to one poll round."""
ROUND_MARGIN = 1.0
"""Seconds either side of a round's requests counted as part of the round, not idle."""


@dataclass
class Sample:
    at: float
    process_cpu: float
    sampler_cpu: float
    follower_cpu: float
    gets: int


@dataclass
class Stamps:
    """Monotonic times of the Baseten requests the fake served."""

    times: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def route(self, inner: Callable[[Request], Response]) -> Callable[[Request], Response]:
        def stamped(request: Request) -> Response:
            with self.lock:
                self.times.append(time.monotonic())
            return inner(request)

        return stamped

    def count(self) -> int:
        with self.lock:
            return len(self.times)


def rounds_of(times: list[float]) -> list[tuple[float, float]]:
    """Clusters of request times: (first, last) of each poll round."""
    found: list[tuple[float, float]] = []
    for at in sorted(times):
        if found and at - found[-1][1] < ROUND_GAP:
            found[-1] = (found[-1][0], at)
        else:
            found.append((at, at))
    return found


def summarize(samples: list[Sample], requests: list[float]) -> dict[str, Any]:
    """Split the samples into poll rounds and the idle stretches between them."""
    rounds = rounds_of(requests)
    busy = [(first - ROUND_MARGIN, last + ROUND_MARGIN) for first, last in rounds]
    idle = {"wall": 0.0, "process": 0.0, "bot": 0.0, "follower": 0.0}
    polling = {"wall": 0.0, "process": 0.0, "bot": 0.0, "follower": 0.0}
    for before, after in pairwise(samples):
        overlaps = any(start < after.at and before.at < end for start, end in busy)
        bucket = polling if overlaps else idle
        process_cpu = after.process_cpu - before.process_cpu
        sampler_cpu = after.sampler_cpu - before.sampler_cpu
        bucket["wall"] += after.at - before.at
        bucket["process"] += process_cpu
        bucket["bot"] += process_cpu - sampler_cpu
        bucket["follower"] += after.follower_cpu - before.follower_cpu
    total_wall = samples[-1].at - samples[0].at
    total_process = samples[-1].process_cpu - samples[0].process_cpu
    total_follower = samples[-1].follower_cpu - samples[0].follower_cpu
    count = max(1, len(rounds))

    def pct(cpu: float, wall: float) -> float | None:
        return 100 * cpu / wall if wall > 0 else None

    return {
        "wall_s": total_wall,
        "poll_rounds": len(rounds),
        "requests": len(requests),
        "requests_per_round": [sum(1 for at in requests if first <= at <= last) for first, last in rounds],
        "round_duration_s": [last - first for first, last in rounds],
        "idle_wall_s": idle["wall"],
        "idle_cpu_pct_process": pct(idle["process"], idle["wall"]),
        "idle_cpu_pct_excl_sampler": pct(idle["bot"], idle["wall"]),
        "idle_cpu_pct_follower_thread": pct(idle["follower"], idle["wall"]),
        "cpu_s_per_round_process": polling["process"] / count if rounds else None,
        "cpu_s_per_round_excl_sampler": polling["bot"] / count if rounds else None,
        "cpu_s_per_round_follower_thread": polling["follower"] / count if rounds else None,
        "cpu_s_total_process": total_process,
        "cpu_s_total_follower_thread": total_follower,
        "cpu_pct_total_process": pct(total_process, total_wall),
    }
