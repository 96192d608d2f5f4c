"""Soak benchmark of the real bot process: a steady stream of signed commands for minutes on end.

Run from the project root:

    .venv/bin/python -m bench.soak [--rate 20] [--minutes 10] [--warmup 60] [--tracemalloc FILE]

The HTTP driver starts the bot (`python -m bot`, HTTP mode) against the loopback fakes, then sends `--rate`
signed /recreate-job commands a second, each on a new connection as Slack does, for `--minutes`. It prints ack
latency per minute (p50, p99, max, and how many came within Slack's 3 s) and, every `--every` seconds, the bot's
resident memory, threads and open file descriptors; then their slope after `--warmup` seconds, by least squares.
With --tracemalloc FILE the bot runs under tracemalloc (bench.traced_bot) and FILE tells where memory grew.
Nothing leaves 127.0.0.1. The output is the tables, then the figures as one JSON line.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from bench.harness.http_driver import HttpBench
from bench.harness.process import Watchdog
from bench.harness.report import fmt, title
from bench.harness.runner import parser, run
from bench.harness.slack_calls import snapshot, wait_answered
from bench.harness.stats import MB, SLACK_ACK_LIMIT_S, ms, rounded, slope, spread

SENDERS = 64


@dataclass
class Ack:
    sent: float
    status: int = 0
    ms: float | None = None
    working: bool = False

    @property
    def in_time(self) -> bool:
        return self.status == 200 and self.ms is not None and self.ms <= SLACK_ACK_LIMIT_S * 1000


def _times(acks: list[Ack]) -> list[float]:
    """The ack latencies, in ms, of those acked."""
    return [a.ms for a in acks if a.ms is not None]


class SoakBench(HttpBench):
    """The soak: commands at a steady rate, resources sampled as it goes."""

    def start_bot(self, workdir: Path, log: IO[bytes]) -> None:
        if self.args.tracemalloc:
            warm = str(self.args.warmup)
            self.bot_command = [sys.executable, "-m", "bench.traced_bot", self.args.tracemalloc, warm, "60"]
        super().start_bot(workdir, log)

    def one(self, index: int, ack: Ack) -> None:
        sent, shot = self.send_one(index, f"soak-{index}")
        ack.status, ack.working = shot.status, shot.working
        # From when the command was due, so time spent waiting for a free sender counts too.
        ack.ms = None if shot.ack_ms is None else (sent - ack.sent) * 1000 + shot.ack_ms

    def measure(self) -> None:
        assert self.sampler is not None
        self.baseten.delays["recreate"] = self.args.baseten_delay
        rate, seconds = self.args.rate, self.args.minutes * 60
        acks: list[Ack] = []
        samples: list[tuple[float, float, int, int]] = []
        started = time.monotonic()
        next_sample = started
        with ThreadPoolExecutor(max_workers=SENDERS, thread_name_prefix="soak") as pool:
            index = 0
            while (now := time.monotonic()) - started < seconds and self.deadline.left() > 30:
                if now >= next_sample:
                    sampler = self.sampler
                    samples.append((now - started, sampler.last / MB, sampler.threads, sampler.fds))
                    self._print_sample(samples[-1])
                    next_sample += self.args.every
                due = started + index / rate
                if now < due:
                    time.sleep(min(due - now, next_sample - now, 0.05))
                    continue
                ack = Ack(sent=time.monotonic())
                acks.append(ack)
                pool.submit(self.one, index, ack)
                index += 1
                per_minute = rate * 60
                if index % per_minute == 5 * rate and index > per_minute:  # 5 s on: the minute's acks are in
                    minute = index // per_minute
                    self._print_minute(minute, acks[(minute - 1) * per_minute : minute * per_minute])
        samples.append((time.monotonic() - started, self.sampler.last / MB, self.sampler.threads, self.sampler.fds))
        self._figures(acks, samples, started)

    def _print_minute(self, minute: int, acks: list[Ack]) -> None:
        done = _times(acks)
        within = sum(a.in_time for a in acks)
        p50, p99, top = spread("", done).values()
        print(
            f"minute {minute:>2}: {len(acks)} sent, {within} within 3 s; ack p50 {p50} / p99 {p99} / max {top} ms",
            flush=True,
        )

    @staticmethod
    def _print_sample(sample: tuple[float, float, int, int]) -> None:
        at, rss, threads, fds = sample
        print(f"  t={at:>5.0f} s  RSS {rss:6.1f} MB  threads {threads:3d}  open fds {fds:4d}", flush=True)

    def _figures(self, acks: list[Ack], samples: list[tuple[float, float, int, int]], started: float) -> None:
        per_minute = self.args.rate * 60
        minutes: list[dict[str, Any]] = []
        for first in range(0, len(acks), per_minute):
            chunk = acks[first : first + per_minute]
            done = _times(chunk)
            minutes.append(
                {
                    "sent": len(chunk),
                    "within_3s": sum(a.in_time for a in chunk),
                    **spread("", done),
                }
            )
        warm = [s for s in samples if s[0] >= self.args.warmup]
        per_min = [(at / 60, rss, threads, fds) for at, rss, threads, fds in warm]
        rss_slope = slope([(m, rss) for m, rss, _, _ in per_min])
        late = slope([(at / 60, rss) for at, rss, _, _ in samples if at >= self.args.minutes * 30])
        # Let the last cards arrive before counting them.
        working = sum(a.working for a in acks)
        wait_answered(self.slack, 0, "soak-", working, self.deadline.left(30.0))
        cards, _ = snapshot(self.slack, 0, "soak-")
        self.results.update(
            {
                "soak_sent": len(acks),
                "soak_acked_within_3s": sum(m["within_3s"] for m in minutes),
                "soak_acked_working": working,
                "soak_cards": len(cards),
                "soak_ack_max_ms": ms(max(_times(acks), default=None)),
                "soak_minutes": minutes,
                "soak_samples": [[round(at), round(rss, 1), threads, fds] for at, rss, threads, fds in samples],
                "soak_rss_slope_mb_per_min": None if rss_slope is None else round(rss_slope, 3),
                "soak_rss_mb_per_1000_commands": (
                    None if rss_slope is None else round(rss_slope * 1000 / per_minute, 3)
                ),
                "soak_rss_slope_second_half_mb_per_min": rounded(late),
                "soak_threads_slope_per_min": rounded(slope([(m, t) for m, _, t, _ in per_min])),
                "soak_fds_slope_per_min": rounded(slope([(m, f) for m, _, _, f in per_min])),
                "soak_seconds": round(time.monotonic() - started, 1),
            }
        )


def table(r: dict[str, Any]) -> str:
    g = r.get
    lines = [
        title(r, f"soak benchmark: {g('rate')} commands/s for {g('minutes')} min, Baseten {g('baseten_delay_s')} s"),
        "minute  sent  within 3 s   p50 ms   p99 ms   max ms",
    ]
    for number, m in enumerate(g("soak_minutes") or [], start=1):
        lines.append(
            f"{number:>6}  {m['sent']:>4}  {m['within_3s']:>10}  {fmt(m['p50_ms']):>7}  {fmt(m['p99_ms']):>7}"
            f"  {fmt(m['max_ms']):>7}"
        )
    lines += [
        f"acked within 3 s: {fmt(g('soak_acked_within_3s'))} / {fmt(g('soak_sent'))}; slowest "
        f"{fmt(g('soak_ack_max_ms'))} ms; cards {fmt(g('soak_cards'))} for {fmt(g('soak_acked_working'))} acked",
        f"after {g('warmup')} s of warm-up, slope per minute: RSS {fmt(g('soak_rss_slope_mb_per_min'))} MB "
        f"({fmt(g('soak_rss_mb_per_1000_commands'))} MB per 1000 commands), threads "
        f"{fmt(g('soak_threads_slope_per_min'))}, open fds {fmt(g('soak_fds_slope_per_min'))}; RSS over the "
        f"second half only {fmt(g('soak_rss_slope_second_half_mb_per_min'))} MB",
        "samples (s, RSS MB, threads, fds): " + " ".join(f"{s}" for s in g("soak_samples") or []),
        f"RSS peak {fmt(g('rss_peak_mb'))} MB; SIGTERM -> exit: {fmt(g('exit_code'))}, {fmt(g('sigterm_exit_s'))} s",
    ]
    if g("error"):
        lines.append(f"RUN ERROR: {r['error']}")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    options = parser("bench.soak", __doc__, timeout=None)
    options.add_argument("--rate", type=int, default=20, help="commands a second (default 20)")
    options.add_argument("--minutes", type=float, default=10.0, help="how long to send them (default 10)")
    options.add_argument("--warmup", type=float, default=60.0, help="seconds left out of the slopes (default 60)")
    options.add_argument("--every", type=float, default=10.0, help="seconds between resource samples (default 10)")
    options.add_argument("--baseten-delay", type=float, default=0.05, help="seconds the fake takes per recreate")
    options.add_argument("--jobs", type=int, default=400, help="source jobs, used in turn (default 400)")
    options.add_argument("--tracemalloc", metavar="FILE", help="run the bot under tracemalloc; growth report to FILE")
    args = options.parse_args(argv)
    if args.timeout is None:  # the run itself, and three minutes for start-up, the last cards and the drain
        args.timeout = args.minutes * 60 + 180
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def make(parsed: argparse.Namespace, watchdog: Watchdog) -> SoakBench:
        bench = SoakBench(parsed, watchdog)
        bench.results.update({"rate": parsed.rate, "minutes": parsed.minutes, "warmup": parsed.warmup})
        return bench

    return run(args, make, prefix="bench-soak-", render=table)


if __name__ == "__main__":
    sys.exit(main())
