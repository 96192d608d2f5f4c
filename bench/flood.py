"""Flood benchmark of the real bot process: hundreds of signed commands at once, each answered within 3 s.

Run from the project root:

    .venv/bin/python -m bench.flood [--burst 500] [--baseten-delay 1] [--timeout 240]

The HTTP driver with more commands than the bot can start before Slack's 3 s run out. Every command must be
answered in time: acked ("Recreating") and then done (its card posted, its job made), or told that the bot is busy
and that nothing was sent. Afterwards the bench checks what Baseten received and what the bot's audit store holds:
no command told "busy" reached Baseten, and no attempt is left half-done (`pending`). Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from typing import Any

from bench.harness.http_driver import HttpBench
from bench.harness.report import counted, fmt, render, title
from bench.harness.runner import parser, run
from bench.harness.slack_calls import snapshot, wait_answered
from bench.harness.stats import delta, spread, within_ack_limit
from bot.messages import replies
from bot.store import SqliteAuditStore

BUSY_TEXT = replies.busy().text[:40]
PARALLEL = 64
"""How many recreates the bot runs at a time."""


class FloodBench(HttpBench):
    """The flood's own bookkeeping: how each command was answered, and what followed from it."""

    def measure(self) -> None:
        count = self.args.burst
        self.baseten.delays["recreate"] = self.args.baseten_delay
        cpu_before, own_before = self.cpu_ms(), time.process_time()
        shots, started, acked = self.fire(count, "burst-")
        cpu_acked, own_acked = self.cpu_ms(), time.process_time()
        working = [i for i, shot in enumerate(shots) if shot.working]
        busy = [i for i, shot in enumerate(shots) if BUSY_TEXT in shot.text]
        latencies = [shot.ack_ms for shot in shots if shot.ack_ms is not None]
        busy_ms = [ms for i in busy if (ms := shots[i].ack_ms) is not None]
        # Every acked command must end with its card; wait for as many cards as there were "Recreating" acks.
        batches = len(working) / PARALLEL + 1
        wait_answered(self.slack, 0, "burst-", len(working), self.deadline.left(batches * self.args.baseten_delay + 30))
        cards, replies_seen = snapshot(self.slack, 0, "burst-")
        busy_jobs = {self.job(i) for i in busy}
        recreated = Counter(seen.path.split("/jobs/")[1].split("/")[0] for seen in self.baseten.calls("recreate"))
        answered = set(working) | set(busy)
        self.results.update(
            {
                "flood_answered_within_3s": within_ack_limit(
                    [s.ack_ms for s in shots if s.status == 200 and s.ack_ms is not None]
                ),
                "flood_acked_working": len(working),
                "flood_told_busy": len(busy),
                "flood_other_answers": dict(
                    Counter(s.text for i, s in enumerate(shots) if i not in answered).most_common(3)
                ),
                "flood_errors": sorted({shot.error for shot in shots if shot.error})[:5],
                **spread("flood_ack_", latencies),
                "flood_busy_ack_max_ms": spread("", busy_ms)["max_ms"],
                "flood_all_answered_s": round(acked - started, 3),
                "flood_bot_cpu_until_answered_ms": delta(cpu_before, cpu_acked),
                "flood_bench_cpu_until_answered_ms": round((own_acked - own_before) * 1000, 1),
                "flood_cards": len(cards),
                "flood_last_card_s": round(max(c.at for c in cards) - started, 3) if cards else None,
                "flood_replies_after_ack": len({c.path for c in replies_seen}),
                "flood_baseten_recreates": sum(recreated.values()),
                "flood_jobs_recreated_twice": sum(1 for n in recreated.values() if n > 1),
                "flood_busy_reaching_baseten": sum(
                    1 for seen in self.baseten.seen if any(job in f"{seen.path} {seen.body}" for job in busy_jobs)
                ),
                "rss_flood_peak_mb": self.rss_window_mb(),
            }
        )

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


def table(r: dict[str, Any]) -> str:
    g = r.get
    rows = [
        ("start-up: spawn -> /healthz 200", fmt(g("startup_ms"), " ms")),
        (f"flood of {r['burst']}: answered within 3 s", f"{fmt(g('flood_answered_within_3s'))} / {r['burst']}"),
        (
            "answer latency p50 / p99 / max",
            f"{fmt(g('flood_ack_p50_ms'))} / {fmt(g('flood_ack_p99_ms'))} / {fmt(g('flood_ack_max_ms'))} ms",
        ),
        ("acked 'Recreating' / told busy", f"{fmt(g('flood_acked_working'))} / {fmt(g('flood_told_busy'))}"),
        ("slowest 'busy' answer", fmt(g("flood_busy_ack_max_ms"), " ms")),
        (
            "CPU until all answered: bot / bench",
            f"{fmt(g('flood_bot_cpu_until_answered_ms'))} / {fmt(g('flood_bench_cpu_until_answered_ms'))} ms "
            f"in {fmt(g('flood_all_answered_s'))} s",
        ),
        (
            "cards posted (one per 'Recreating')",
            f"{fmt(g('flood_cards'))}, the last at {fmt(g('flood_last_card_s'))} s",
        ),
        ("recreates Baseten received", fmt(g("flood_baseten_recreates"))),
        ("Baseten calls for commands told busy", fmt(g("flood_busy_reaching_baseten"))),
        ("audit outcomes", fmt(g("audit_outcomes"))),
        ("audit records left pending (half-done)", fmt(g("audit_pending"))),
        ("RSS peak during the flood / overall", f"{fmt(g('rss_flood_peak_mb'))} / {fmt(g('rss_peak_mb'))} MB"),
        ("threads peak", fmt(g("threads_peak"))),
        ("SIGTERM -> exit: code, time", f"{fmt(g('exit_code'))}, {fmt(g('sigterm_exit_s'))} s"),
    ]
    what = f"flood benchmark: {r['burst']} commands at once, Baseten {r['baseten_delay_s']:g} s per recreate"
    lines = render(title(r, what), [(label, value, "") for label, value in rows], r, right=False)
    lines += counted(r, "flood_other_answers", "flood_other_answers") + counted(r, "audit_errors", "audit_errors")
    if g("flood_errors"):
        lines.append(f"flood errors: {r['flood_errors']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    options = parser("bench.flood", __doc__, timeout=240.0)
    options.add_argument("--burst", type=int, default=500, help="commands sent at once, one job each (default 500)")
    options.add_argument("--baseten-delay", type=float, default=1.0, help="seconds the fake takes per recreate")
    args = options.parse_args(argv)
    args.sequential = 0
    args.jobs = args.burst
    return run(args, FloodBench, prefix="bench-flood-", render=table)


if __name__ == "__main__":
    sys.exit(main())
