"""Burst benchmark of the real bot process: start-up, ack latency and memory under a burst, command->card latency.

Run from the project root:

    .venv/bin/python -m bench.burst [--burst 50] [--baseten-delay 10] [--sequential 100] [--jobs 50] [--timeout 120]

The bot runs as `python -m bot` in HTTP mode; Slack and Baseten are the loopback fakes from tests.fakes, running
in this process. Nothing leaves 127.0.0.1. The output is a table, then the same figures as one JSON line.
The limits are shown next to the figures but never asserted: the run always finishes and prints what it measured.
"""

from __future__ import annotations

from typing import Any

from bench.harness.http_driver import HttpBench
from bench.harness.phases import BurstAndSequential, add_options
from bench.harness.report import burst_table, flag, fmt
from bench.harness.runner import parser, run


class BurstBench(BurstAndSequential, HttpBench):
    """The burst and the sequential run, over HTTP."""


def table(r: dict[str, Any]) -> str:
    g = r.get
    start = [
        ("start-up: spawn -> /healthz 200", fmt(g("startup_ms"), " ms"), flag(r, "startup_ms")),
        ("RSS idle after start-up", fmt(g("rss_idle_mb"), " MB"), ""),
    ]
    more = [
        ("burst: auth.test calls by the bot", fmt(g("burst_auth_test_calls")), ""),
        ("burst: kernel listen-queue overflows", fmt(g("burst_listen_overflows")), ""),
    ]
    end = [("SIGTERM -> exit: code, time", f"{fmt(g('exit_code'))}, {fmt(g('sigterm_exit_s'))} s", "")]
    return burst_table(r, "burst benchmark", sent="start", start=start, more=more, end=end)


def main(argv: list[str] | None = None) -> int:
    args = add_options(parser("bench.burst", __doc__, timeout=120.0), sequential=100).parse_args(argv)
    return run(args, BurstBench, prefix="bench-burst-", render=table)


if __name__ == "__main__":
    raise SystemExit(main())
