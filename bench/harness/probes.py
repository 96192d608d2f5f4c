"""Real signed commands sent at a steady pace among other traffic, and how promptly each was acked."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

from bench.harness.bench import BotBench
from bench.harness.stats import ms, percentile, within_ack_limit

PROBE_EVERY_S = 0.5

Probe = tuple[int, float | None, str]
"""(status, ack ms or None, error or "")."""


def probe(bench: BotBench, index: int, results: list[Probe]) -> None:
    """One command replying to `/response/probe-<index>`; appends its Probe ("no ack" when it did not start)."""
    _, shot = bench.send_one(index, f"probe-{index}")
    results.append((shot.status, shot.ack_ms, shot.error or ("" if shot.working else "no ack")))


def probes(bench: BotBench, first: int, seconds: float, stop: threading.Event) -> list[Probe]:
    """A command every PROBE_EVERY_S for `seconds` (or until `stop`), each from its own thread."""
    results: list[Probe] = []
    threads: list[threading.Thread] = []
    end = time.monotonic() + seconds
    index = first
    while time.monotonic() < end and not stop.is_set() and bench.deadline.left() > 0:
        thread = threading.Thread(target=probe, args=(bench, index, results), daemon=True)
        thread.start()
        threads.append(thread)
        index += 1
        stop.wait(PROBE_EVERY_S)
    for thread in threads:
        thread.join(bench.deadline.left(12.0))
    return results


def probe_figures(prefix: str, results: list[Probe]) -> dict[str, Any]:
    acks = [took for status, took, error in results if status == 200 and took is not None and not error]
    return {
        f"{prefix}_probes": len(results),
        f"{prefix}_acked_within_3s": within_ack_limit(acks),
        f"{prefix}_ack_p50_ms": ms(percentile(acks, 50)),
        f"{prefix}_ack_max_ms": ms(max(acks, default=None)),
        f"{prefix}_probe_errors": dict(Counter(e or str(s) for s, _, e in results if e or s != 200)),
    }
