"""Hostile traffic against the real bot process: stalled connections, oversized bodies, malformed HTTP.

Run from the project root:

    .venv/bin/python -m bench.hostile [--stalled 500] [--arrivals 50] [--seconds 30] [--timeout 240]

The HTTP driver starts the bot (`python -m bot`, HTTP mode) against the loopback fakes. Then, in turn:
- stall: `--stalled` connections that each send part of a request and stop (some send nothing more, some trickle
  a byte a second) are kept open, each one the server closes replaced at once, and `--arrivals` more are opened
  every second on top. Meanwhile a signed /recreate-job goes out every half second; each must be acked within
  Slack's 3 s. The figures: ack latency, how long the server let a stalled connection live, and the bot's
  memory, threads and file descriptors.
- oversize: bodies of 64 MiB (by Content-Length, and chunked without end), with a signed command among them.
- malformed: requests that break HTTP in one way each; every one should get a 4xx and no traceback.
Nothing leaves 127.0.0.1. The output is a table, then the same figures as one JSON line.
"""

from __future__ import annotations

import argparse
import resource
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import IO, Any

from bench.harness.hostile_clients import MALFORMED, NOT_MALFORMED, Stalls, raw_exchange, upload_big
from bench.harness.http_driver import HttpBench
from bench.harness.probes import probe_figures, probes
from bench.harness.report import fmt, render, title
from bench.harness.runner import parser, run
from bench.harness.stats import MB, ms, percentile


class HostileBench(HttpBench):
    """The three hostile phases, each run against the same bot process."""

    def start_bot(self, workdir: Path, log: IO[bytes]) -> None:
        self.log_path = Path(log.name)
        self.results.update({"stalled": self.args.stalled, "arrivals": self.args.arrivals})
        super().start_bot(workdir, log)

    def measure(self) -> None:
        self.stall()
        self.oversize()
        self.malformed()

    # --- stalled connections -------------------------------------------------------------------------------

    def stall(self) -> None:
        stalls = Stalls(self.port, self.args.stalled, self.args.arrivals)
        stop = threading.Event()
        holder = threading.Thread(target=stalls.hold, args=(stop,), name="stalls", daemon=True)
        holder.start()
        time.sleep(min(2.0, self.args.seconds / 4))  # let them pile up first
        results = probes(self, 0, self.args.seconds, stop)
        stop.set()
        holder.join(10.0)
        stalls.close_all()
        self.results.update(probe_figures("stall", results))
        lived = stalls.lifetimes
        self.results.update(
            {
                "stall_opened": stalls.opened,
                "stall_open_max": stalls.open_max,
                "stall_connect_errors": stalls.connect_errors,
                "stall_closed_by_bot": len(lived),
                "stall_lifetime_p50_s": round(percentile(lived, 50) or 0, 2) if lived else None,
                "stall_lifetime_max_s": round(max(lived), 2) if lived else None,
                "stall_older_than_10s_at_end": stalls.old_at_end,
            }
        )
        self._resources("stall")

    def _resources(self, prefix: str) -> None:
        if self.sampler is not None:
            self.results[f"{prefix}_rss_peak_mb"] = self.rss_window_mb()
            self.results[f"{prefix}_fds_peak"] = self.sampler.peak_fds
            self.results[f"{prefix}_threads_peak"] = self.sampler.peak_threads

    # --- oversized bodies ----------------------------------------------------------------------------------

    def oversize(self) -> None:
        outcomes: list[tuple[str, int, float | None, int]] = []
        lock = threading.Lock()

        def upload(kind: str) -> None:
            result = upload_big(self.port, chunked=kind == "chunked")
            with lock:
                outcomes.append((kind, *result))

        uploads = [threading.Thread(target=upload, args=(kind,), daemon=True) for kind in ["length"] * 5 + ["chunked"]]
        for thread in uploads:
            thread.start()
        big = probes(self, 1_000, 2.0, threading.Event())
        for thread in uploads:
            thread.join(self.deadline.left(30.0))
        self.results.update(probe_figures("big", big))
        for kind in ("length", "chunked"):
            mine = [o for o in outcomes if o[0] == kind]
            self.results[f"big_{kind}_statuses"] = dict(Counter(str(o[1]) for o in mine))
            self.results[f"big_{kind}_answer_max_ms"] = ms(max((o[2] for o in mine if o[2]), default=None))
            self.results[f"big_{kind}_sent_max_mb"] = round(max((o[3] for o in mine), default=0) / MB, 2)
        self._resources("big")

    # --- malformed HTTP ------------------------------------------------------------------------------------

    def malformed(self) -> None:
        threads_before = self.sampler.threads if self.sampler is not None else None
        answers = {name: raw_exchange(self.port, raw) for name, raw in MALFORMED}
        time.sleep(0.3)
        after = probes(self, 2_000, 1.0, threading.Event())
        self.results.update(probe_figures("malformed", after))
        log = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        self.results.update(
            {
                "malformed_answers": {name: status for name, (status, _) in answers.items()},
                "malformed_unexpected": [
                    name
                    for name, (status, _) in answers.items()
                    if status != NOT_MALFORMED.get(name) and not 400 <= status < 500
                ],
                "malformed_answer_max_ms": ms(
                    max((took for _, took in answers.values() if took is not None), default=None)
                ),
                "malformed_threads_before_after": [
                    threads_before,
                    self.sampler.threads if self.sampler is not None else None,
                ],
                "bot_tracebacks": log.count("Traceback"),
            }
        )


def table(r: dict[str, Any]) -> str:
    g = r.get
    rows = [
        ("start-up: spawn -> /healthz 200", fmt(g("startup_ms"), " ms")),
        (f"stall: {g('stalled')} kept open + {g('arrivals')}/s more", f"{fmt(g('stall_opened'))} opened in all"),
        (
            "stall: most open at once / connect errors",
            f"{fmt(g('stall_open_max'))} / {fmt(g('stall_connect_errors'))}",
        ),
        ("stall: signed commands acked within 3 s", f"{fmt(g('stall_acked_within_3s'))} / {fmt(g('stall_probes'))}"),
        ("stall: ack p50 / max", f"{fmt(g('stall_ack_p50_ms'))} / {fmt(g('stall_ack_max_ms'))} ms"),
        (
            "stall: closed by the bot after p50 / max",
            f"{fmt(g('stall_lifetime_p50_s'))} / {fmt(g('stall_lifetime_max_s'))} s "
            f"({fmt(g('stall_closed_by_bot'))} closed; {fmt(g('stall_older_than_10s_at_end'))} older than 10 s)",
        ),
        (
            "stall: bot RSS / fds / threads peak",
            f"{fmt(g('stall_rss_peak_mb'))} MB / {fmt(g('stall_fds_peak'))} / {fmt(g('stall_threads_peak'))}",
        ),
        (
            "64 MiB by Content-Length x5: answers, slowest",
            f"{fmt(g('big_length_statuses'))}, {fmt(g('big_length_answer_max_ms'))} ms",
        ),
        ("  sent before the bot hung up, most", f"{fmt(g('big_length_sent_max_mb'))} MiB (kernel buffers)"),
        (
            "64 MiB chunked: answer, slowest, sent",
            f"{fmt(g('big_chunked_statuses'))}, {fmt(g('big_chunked_answer_max_ms'))} ms, "
            f"{fmt(g('big_chunked_sent_max_mb'))} MiB",
        ),
        ("oversize: signed commands acked within 3 s", f"{fmt(g('big_acked_within_3s'))} / {fmt(g('big_probes'))}"),
        ("malformed: answers not 4xx (501 for gzip coding)", fmt(g("malformed_unexpected"))),
        ("malformed: slowest answer", fmt(g("malformed_answer_max_ms"), " ms")),
        ("malformed: bot threads before / after", fmt(g("malformed_threads_before_after"))),
        (
            "malformed: signed command acked after",
            f"{fmt(g('malformed_acked_within_3s'))} / {fmt(g('malformed_probes'))}",
        ),
        ("tracebacks in the bot's log", fmt(g("bot_tracebacks"))),
        ("RSS peak overall", fmt(g("rss_peak_mb"), " MB")),
        ("SIGTERM -> exit: code, time", f"{fmt(g('exit_code'))}, {fmt(g('sigterm_exit_s'))} s"),
    ]
    lines = render(title(r, "hostile-traffic benchmark"), [(label, value, "") for label, value in rows], r, right=False)
    for name, status in (g("malformed_answers") or {}).items():
        lines.append(f"  malformed {name}: {status}")
    for key in ("stall_probe_errors", "big_probe_errors", "malformed_probe_errors"):
        if g(key):
            lines.append(f"{key}: {r[key]}")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    options = parser("bench.hostile", __doc__, timeout=240.0)
    options.add_argument("--stalled", type=int, default=500, help="stalled connections kept open (default 500)")
    options.add_argument("--arrivals", type=float, default=50.0, help="more stalled connections opened per second")
    options.add_argument("--seconds", type=float, default=30.0, help="how long signed commands are sent among them")
    args = options.parse_args(argv)
    args.jobs = 2_100  # every probe its own job: 1_000+ and 2_000+ are the later phases' probes
    return args


def main(argv: list[str] | None = None) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:  # this process holds thousands of sockets
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return run(parse_args(argv), HostileBench, prefix="bench-hostile-", render=table)


if __name__ == "__main__":
    sys.exit(main())
