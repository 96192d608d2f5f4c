"""Flood benchmark of the real bot process: hundreds of signed commands at once, each answered within 3 s.

Run from the project root:

    .venv/bin/python -m bench.flood [--burst 500] [--baseten-delay 1] [--timeout 240]

bench.burst's driver with more commands than the bot can start before Slack's 3 s run out. Every command must be
answered in time: acked ("Recreating") and then done (its card posted, its job made), or told that the bot is busy
and that nothing was sent. Afterwards the bench checks what Baseten received and what the bot's audit store holds:
no command told "busy" reached Baseten, and no attempt is left half-done (`pending`). Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path
from typing import IO, Any

from bench.burst import SLACK_ACK_LIMIT_S, Bench, _delta, _fmt, _key_value, _ms, percentile, run
from bot.messages import replies
from bot.store import SqliteAuditStore

BUSY_TEXT = replies.busy().text[:40]


class FloodBench(Bench):
    """Bench with the flood's own bookkeeping: how each command was answered, and what followed from it."""

    def start_bot(self, workdir: Path, log: IO[bytes]) -> None:
        self.workdir = workdir
        super().start_bot(workdir, log)

    def burst(self) -> None:
        count = self.args.burst
        self.baseten.delays["recreate"] = self.args.baseten_delay
        assert self.sampler is not None
        cpu_before, own_before = self.sampler.cpu_ms(), time.process_time()
        shots, started = self._fire(count)
        acked = time.monotonic()
        cpu_acked, own_acked = self.sampler.cpu_ms(), time.process_time()
        self.shots = shots
        working = [i for i, shot in enumerate(shots) if shot.working]
        busy = [i for i, shot in enumerate(shots) if BUSY_TEXT in shot.text]
        latencies = [shot.ack_ms for shot in shots if shot.ack_ms is not None]
        busy_ms = [ms for i in busy if (ms := shots[i].ack_ms) is not None]
        # Every acked command must end with its card; wait for as many cards as there were "Recreating" acks.
        batches = len(working) / 64 + 1  # the bot runs 64 recreates at a time
        self._wait_answered(0, "burst-", len(working), self.deadline.left(batches * self.args.baseten_delay + 30))
        cards, replies_seen = self._snapshot(0, "burst-")
        busy_jobs = {self.jobs[i % len(self.jobs)] for i in busy}
        recreated = Counter(seen.path.split("/jobs/")[1].split("/")[0] for seen in self.baseten.calls("recreate"))
        self.results.update(
            {
                "flood_answered_within_3s": sum(
                    1 for s in shots if s.status == 200 and s.ack_ms is not None and s.ack_ms <= SLACK_ACK_LIMIT_S * 1e3
                ),
                "flood_acked_working": len(working),
                "flood_told_busy": len(busy),
                "flood_other_answers": dict(
                    Counter(s.text for i, s in enumerate(shots) if i not in set(working) | set(busy)).most_common(3)
                ),
                "flood_errors": sorted({shot.error for shot in shots if shot.error})[:5],
                "flood_ack_p50_ms": _ms(percentile(latencies, 50)),
                "flood_ack_p99_ms": _ms(percentile(latencies, 99)),
                "flood_ack_max_ms": _ms(max(latencies, default=None)),
                "flood_busy_ack_max_ms": _ms(max(busy_ms, default=None)),
                "flood_all_answered_s": round(acked - started, 3),
                "flood_bot_cpu_until_answered_ms": _delta(cpu_before, cpu_acked),
                "flood_bench_cpu_until_answered_ms": round((own_acked - own_before) * 1000, 1),
                "flood_cards": len(cards),
                "flood_last_card_s": round(max(c.at for c in cards) - started, 3) if cards else None,
                "flood_replies_after_ack": len({c.path for c in replies_seen}),
                "flood_baseten_recreates": sum(recreated.values()),
                "flood_jobs_recreated_twice": sum(1 for n in recreated.values() if n > 1),
                "flood_busy_reaching_baseten": sum(
                    1 for seen in self.baseten.seen if any(job in f"{seen.path} {seen.body}" for job in busy_jobs)
                ),
            }
        )
        if self.sampler is not None:
            self.results["rss_flood_peak_mb"] = round(self.sampler.window() / 1024 / 1024, 1)

    def stop_bot(self) -> None:
        super().stop_bot()
        # The bot has drained and exited: its audit store says how each attempt ended.
        store = SqliteAuditStore(str(self.workdir / "recreate-job.db"))
        try:
            records = store.recent(self.args.burst * 2)
        finally:
            store.close()
        outcomes = Counter(str(record.outcome) for record in records)
        errors = Counter(record.error for record in records if record.error)
        self.results.update(
            {
                "audit_outcomes": dict(outcomes),
                "audit_errors": dict(errors.most_common(3)),
                "audit_pending": outcomes.get("pending", 0),
            }
        )

    def sequential(self) -> None:
        """The flood has no sequential phase."""


def table(r: dict[str, Any]) -> str:
    g = r.get
    rows = [
        ("start-up: spawn -> /healthz 200", _fmt(g("startup_ms"), " ms")),
        (f"flood of {r['burst']}: answered within 3 s", f"{_fmt(g('flood_answered_within_3s'))} / {r['burst']}"),
        (
            "answer latency p50 / p99 / max",
            f"{_fmt(g('flood_ack_p50_ms'))} / {_fmt(g('flood_ack_p99_ms'))} / {_fmt(g('flood_ack_max_ms'))} ms",
        ),
        ("acked 'Recreating' / told busy", f"{_fmt(g('flood_acked_working'))} / {_fmt(g('flood_told_busy'))}"),
        ("slowest 'busy' answer", _fmt(g("flood_busy_ack_max_ms"), " ms")),
        (
            "CPU until all answered: bot / bench",
            f"{_fmt(g('flood_bot_cpu_until_answered_ms'))} / {_fmt(g('flood_bench_cpu_until_answered_ms'))} ms "
            f"in {_fmt(g('flood_all_answered_s'))} s",
        ),
        (
            "cards posted (one per 'Recreating')",
            f"{_fmt(g('flood_cards'))}, the last at {_fmt(g('flood_last_card_s'))} s",
        ),
        ("recreates Baseten received", _fmt(g("flood_baseten_recreates"))),
        ("Baseten calls for commands told busy", _fmt(g("flood_busy_reaching_baseten"))),
        ("audit outcomes", _fmt(g("audit_outcomes"))),
        ("audit records left pending (half-done)", _fmt(g("audit_pending"))),
        ("RSS peak during the flood / overall", f"{_fmt(g('rss_flood_peak_mb'))} / {_fmt(g('rss_peak_mb'))} MB"),
        ("threads peak", _fmt(g("threads_peak"))),
        ("SIGTERM -> exit: code, time", f"{_fmt(g('exit_code'))}, {_fmt(g('sigterm_exit_s'))} s"),
    ]
    width = max(len(label) for label, _ in rows)
    lines = [
        f"recreate-job flood benchmark: {r['burst']} commands at once, Baseten {r['baseten_delay_s']:g} s per "
        f"recreate; {g('cpus')} CPUs, load {g('loadavg_1m_at_start')} at start"
    ]
    lines += [f"{label:<{width}}  {value}" for label, value in rows]
    for key in ("flood_other_answers", "audit_errors"):
        for text, times in (g(key) or {}).items():
            lines.append(f"{key} x{times}: {text}")
    if g("flood_errors"):
        lines.append(f"flood errors: {r['flood_errors']}")
    if g("error"):
        lines.append(f"RUN ERROR: {r['error']}")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.flood", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--burst", type=int, default=500, help="commands sent at once, one job each (default 500)")
    parser.add_argument("--baseten-delay", type=float, default=1.0, help="seconds the fake takes per recreate")
    parser.add_argument(
        "--bot-env", type=_key_value, action="append", default=[], metavar="KEY=VALUE", help="extra bot setting"
    )
    parser.add_argument("--timeout", type=float, default=240.0, help="hard limit for the whole run, seconds")
    args = parser.parse_args(argv)
    args.sequential = 0
    args.jobs = args.burst
    return args


def main(argv: list[str] | None = None) -> int:
    return run(parse_args(argv), FloodBench, prefix="bench-flood-", render=table)


if __name__ == "__main__":
    sys.exit(main())
