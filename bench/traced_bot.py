"""`python -m bot` under tracemalloc, writing where memory grew to a file: for finding a leak in a soak.

    python -m bench.traced_bot OUT [WARMUP_S] [EVERY_S] [FRAMES]

Runs the bot as `python -m bot` would. After WARMUP_S seconds (default 60) it takes a baseline snapshot; then every
EVERY_S seconds (default 60) it rewrites OUT with the 25 source lines whose allocations grew most since the
baseline, and the total traced memory. FRAMES (default 1, the cheapest) is how much of each allocation's stack
is kept. bench.soak runs the bot this way with --tracemalloc.
"""

from __future__ import annotations

import sys
import threading
import time
import tracemalloc
from pathlib import Path

from bot.main import main

TOP = 25


def _report(out: Path, warmup: float, every: float) -> None:
    time.sleep(warmup)
    baseline = tracemalloc.take_snapshot()
    started = time.monotonic()
    while True:
        time.sleep(every)
        snapshot = tracemalloc.take_snapshot()
        stats = snapshot.compare_to(baseline, "traceback")
        current, peak = tracemalloc.get_traced_memory()
        after = time.monotonic() - started
        lines = [f"{after:.0f} s after the baseline; traced {current / 1e6:.1f} MB (peak {peak / 1e6:.1f})"]
        for stat in stats[:TOP]:
            lines.append(f"{stat.size_diff / 1e3:+.1f} KB in {stat.count_diff:+d} blocks")
            lines += [f"    {frame.filename}:{frame.lineno}" for frame in stat.traceback]
        out.write_text("\n".join(lines) + "\n")


def run(argv: list[str]) -> int:
    out = Path(argv[0])
    warmup = float(argv[1]) if len(argv) > 1 else 60.0
    every = float(argv[2]) if len(argv) > 2 else 60.0
    tracemalloc.start(int(argv[3]) if len(argv) > 3 else 1)
    threading.Thread(target=_report, args=(out, warmup, every), name="tracemalloc", daemon=True).start()
    return main([])


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
