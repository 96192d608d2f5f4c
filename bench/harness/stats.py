"""Figures from raw measurements: percentiles, slopes, rounding that keeps "not measured" as None."""

from __future__ import annotations

import math

MB = 1024 * 1024
SLACK_ACK_LIMIT_S = 3.0


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def deciles(values: list[float]) -> list[float | None]:
    """The 0th to 90th percentile in steps of ten, to show whether answers come in a steady stream or in clumps."""
    ordered = sorted(values)
    return [ms(ordered[min(len(ordered) - 1, i * len(ordered) // 10)]) for i in range(10)] if ordered else []


def slope(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of y over x; None for fewer than 3 points."""
    if len(points) < 3:
        return None
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else None


def within_ack_limit(latencies_ms: list[float]) -> int:
    """How many of these answers came within Slack's 3 s."""
    return sum(1 for value in latencies_ms if value <= SLACK_ACK_LIMIT_S * 1000)


def delta(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else round(after - before, 1)


def per(total: float | None, count: int) -> float | None:
    return None if total is None or count <= 0 else round(total / count, 2)


def ms(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def rounded(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def mb(size: float) -> float:
    return round(size / MB, 1)


def spread(prefix: str, values: list[float]) -> dict[str, float | None]:
    """`<prefix>p50_ms`, `<prefix>p99_ms` and `<prefix>max_ms` of latencies in ms."""
    return {
        f"{prefix}p50_ms": ms(percentile(values, 50)),
        f"{prefix}p99_ms": ms(percentile(values, 99)),
        f"{prefix}max_ms": ms(max(values, default=None)),
    }


def cpu_times() -> tuple[int, int] | None:
    """This machine's (steal, total) CPU jiffies from /proc/stat; None where there is no /proc."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(f) for f in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    return (fields[7] if len(fields) > 7 else 0), sum(fields)


def steal_pct(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    """The share of CPU time the hypervisor gave to other machines between two readings: on a shared VM, figures
    from a run with much steal are slower than the code is."""
    if before is None or after is None or after[1] <= before[1]:
        return None
    return round(100 * (after[0] - before[0]) / (after[1] - before[1]), 1)
