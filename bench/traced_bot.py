"""`python -m bot` under tracemalloc, writing where memory grew to a file: for finding a leak in a soak.

    python -m bench.traced_bot OUT [WARMUP_S] [EVERY_S] [FRAMES]

Runs the bot as `python -m bot` would. After WARMUP_S seconds (default 60) it takes a baseline snapshot; then every
EVERY_S seconds (default 60) it rewrites OUT with the 25 source lines whose allocations grew most since the
baseline, and the total traced memory. FRAMES (default 1, the cheapest) is how much of each allocation's stack
is kept. bench.soak runs the bot this way with --tracemalloc.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
import tracemalloc
from pathlib import Path

from bot.main import main as bot_main

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


def main(argv: list[str] | None = None) -> int:
    options = argparse.ArgumentParser(prog="python -m bench.traced_bot", description=(__doc__ or "").splitlines()[0])
    options.add_argument("out", type=Path, metavar="OUT", help="the file the growth report is written to")
    options.add_argument("warmup", type=float, nargs="?", default=60.0, help="seconds before the baseline (60)")
    options.add_argument("every", type=float, nargs="?", default=60.0, help="seconds between reports (60)")
    options.add_argument("frames", type=int, nargs="?", default=1, help="stack frames kept per allocation (1)")
    args = options.parse_args(argv)
    tracemalloc.start(args.frames)
    report = threading.Thread(target=_report, args=(args.out, args.warmup, args.every), name="tracemalloc", daemon=True)
    report.start()
    return bot_main([])


if __name__ == "__main__":
    sys.exit(main())
