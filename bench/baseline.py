"""The bot beside a straightforward Bolt bot (bench/plain_bot.py), in one sitting: start-up, idle memory, a burst,
and command -> card one at a time, each measured by the same harness as bench.burst.

Run from the project root:

    .venv/bin/python -m bench.baseline [--rounds 3] [--burst 50] [--baseten-delay 10] [--sequential 100]

Rounds alternate the two bots, so drift in the machine's load falls on both; the summary shows each figure's median
over the rounds. The plain bot has none of the bot's checks (allowlist, preview, audit trail, guards, follow-up):
the gap between the two columns is what those cost on this machine.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import sys
from typing import Any

from bench.burst import BurstBench
from bench.harness.phases import add_options
from bench.harness.process import Watchdog
from bench.harness.runner import parser, run

PLAIN_BOT = [sys.executable, "-m", "bench.plain_bot"]
FIGURES = [
    ("start-up: spawn -> /healthz 200", "startup_ms", " ms"),
    ("RSS idle after start-up", "rss_idle_mb", " MB"),
    ("burst: acked within 3 s", "burst_acked_within_3s", ""),
    ("burst: ack p50", "burst_ack_p50_ms", " ms"),
    ("burst: ack p99", "burst_ack_p99_ms", " ms"),
    ("burst: cards", "burst_cards", ""),
    ("command -> card, median", "seq_card_p50_ms", " ms"),
    ("command -> card, p90", "seq_card_p90_ms", " ms"),
    ("CPU per command, one at a time", "seq_bot_cpu_per_command_ms", " ms"),
    ("CPU time taken by the host (steal)", "cpu_steal_pct", " %"),
]


class PlainBench(BurstBench):
    """The same phases against the plain Bolt bot."""

    def __init__(self, args: argparse.Namespace, watchdog: Watchdog) -> None:
        super().__init__(args, watchdog)
        self.bot_command = list(PLAIN_BOT)


def one(args: argparse.Namespace, make: type[BurstBench]) -> dict[str, Any]:
    """One run of one bot, its own table kept quiet; its figures."""
    kept: dict[str, Any] = {}

    def keep(results: dict[str, Any]) -> str:
        kept.update(results)
        return ""

    with contextlib.redirect_stdout(io.StringIO()):
        run(args, make, prefix="bench-baseline-", render=keep)
    return kept


def median(runs: list[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in runs if isinstance(r.get(key), int | float)]
    return round(statistics.median(values), 1) if values else None


def main(argv: list[str] | None = None) -> int:
    made = parser("bench.baseline", __doc__, timeout=120.0)
    made.add_argument("--rounds", type=int, default=3, help="runs of each bot, alternating (default 3)")
    args = add_options(made, sequential=100).parse_args(argv)
    plain: list[dict[str, Any]] = []
    ours: list[dict[str, Any]] = []
    for _ in range(args.rounds):
        plain.append(one(args, PlainBench))
        ours.append(one(args, BurstBench))
    errors = [r["error"] for r in plain + ours if r.get("error")]
    print(f"recreate-job beside a plain Bolt bot: median of {args.rounds} round(s), same machine, one sitting")
    print(f"{'figure':36} {'plain Bolt bot':>16} {'recreate-job':>16}")
    for label, key, unit in FIGURES:
        cells = [median(runs, key) for runs in (plain, ours)]
        print(f"{label:36} " + " ".join(f"{'-' if c is None else f'{c:g}{unit}':>16}" for c in cells))
    for error in errors:
        print(f"error: {error}")
    print(json.dumps({"plain": plain, "ours": ours}, separators=(",", ":"), default=str))
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
