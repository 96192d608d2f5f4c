"""Socket Mode burst benchmark of the real bot process: start-up, ack latency and memory under a burst, command->card.

Run from the project root:

    .venv/bin/python -m bench.socket_burst [--burst 50] [--baseten-delay 10] [--sequential 50] [--timeout 120]

The Socket Mode counterpart of bench.burst: the bot runs as `python -m bot` with SLACK_APP_TOKEN set (and no
signing secret); FakeSlack's apps.connections.open answers with the ws:// URL of tests.fakes.socket_mode's
WebSocket server, which sends the bot `slash_commands` envelopes and times the ack frames it sends back. Slack,
Baseten and the WebSocket run in this process; nothing leaves 127.0.0.1. An ack's latency is from just before its
envelope was written to the socket until its ack frame was read. The output is a table, then one JSON line.
The limits are shown next to the figures but never asserted: the run always finishes and prints what it measured.
"""

from __future__ import annotations

from typing import Any

from bench.harness.phases import BurstAndSequential, add_options
from bench.harness.report import burst_table, flag, fmt
from bench.harness.runner import parser, run
from bench.harness.socket_driver import SocketBench


class SocketBurst(BurstAndSequential, SocketBench):
    """The burst and the sequential run, in Socket Mode."""


def table(r: dict[str, Any]) -> str:
    g = r.get
    start = [
        ("start-up: spawn -> hello on the WebSocket", fmt(g("startup_hello_ms"), " ms"), ""),
        ("start-up: spawn -> first envelope acked", fmt(g("startup_ms"), " ms"), flag(r, "startup_ms")),
        ("RSS idle after start-up", fmt(g("rss_idle_mb"), " MB"), ""),
    ]
    stop = f"{fmt(g('sigterm_disconnect_s'))} / {fmt(g('sigterm_exit_s'))} s: {fmt(g('exit_code'))}"
    end = [("SIGTERM -> disconnected / exit: code", stop, "")]
    return burst_table(r, "Socket Mode burst benchmark", sent="send", start=start, more=[], end=end)


def main(argv: list[str] | None = None) -> int:
    args = add_options(parser("bench.socket_burst", __doc__, timeout=120.0), sequential=50).parse_args(argv)
    return run(args, SocketBurst, prefix="bench-socket-", render=table)


if __name__ == "__main__":
    raise SystemExit(main())
