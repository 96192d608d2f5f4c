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

from bench.harness import phases
from bench.harness.report import burst_rows, burst_tail, flag, fmt, render, shared_rows, title
from bench.harness.runner import parser, run
from bench.harness.socket_driver import SocketBench


class SocketBurst(SocketBench):
    def measure(self) -> None:
        phases.burst(self)
        phases.sequential(self)


def table(r: dict[str, Any]) -> str:
    g = r.get
    rows = [
        ("start-up: spawn -> hello on the WebSocket", fmt(g("startup_hello_ms"), " ms"), ""),
        ("start-up: spawn -> first envelope acked", fmt(g("startup_ms"), " ms"), flag(r, "startup_ms")),
        ("RSS idle after start-up", fmt(g("rss_idle_mb"), " MB"), ""),
        *burst_rows(r, "send"),
        *shared_rows(r),
        (
            "SIGTERM -> disconnected / exit: code",
            f"{fmt(g('sigterm_disconnect_s'))} / {fmt(g('sigterm_exit_s'))} s: {fmt(g('exit_code'))}",
            "",
        ),
    ]
    what = (
        f"Socket Mode burst benchmark: {r['burst']} envelopes at once, Baseten {r['baseten_delay_s']:g} s per "
        f"recreate, {r['jobs']} source job(s)"
    )
    return "\n".join(render(title(r, what), rows, r) + burst_tail(r))


def main(argv: list[str] | None = None) -> int:
    args = phases.add_options(parser("bench.socket_burst", __doc__, timeout=120.0), sequential=50).parse_args(argv)
    return run(args, SocketBurst, prefix="bench-socket-", render=table)


if __name__ == "__main__":
    raise SystemExit(main())
