"""The two phases of the burst benchmarks, the same in either mode: many commands at once, then one at a time."""

from __future__ import annotations

import argparse
import time

from bench.harness.bench import BotBench
from bench.harness.process import listen_overflows
from bench.harness.slack_calls import reply_kinds, snapshot, wait_answered
from bench.harness.stats import deciles, delta, ms, per, percentile, spread, within_ack_limit


def burst(bench: BotBench) -> None:
    """`--burst` commands at once while Baseten takes `--baseten-delay` s; acks, cards, CPU and memory."""
    count = bench.args.burst
    bench.baseten.delays["recreate"] = bench.args.baseten_delay
    base = len(bench.slack.calls)
    auth_before = len(bench.slack.of("auth.test"))
    recreates_before = len(bench.baseten.calls("recreate"))
    overflows_before = listen_overflows()
    cpu_before, own_before = bench.cpu_ms(), time.process_time()
    shots, started, acked = bench.fire(count, "burst-")
    cpu_acked, own_acked = bench.cpu_ms(), time.process_time()
    auth_calls = len(bench.slack.of("auth.test")) - auth_before
    wait_answered(bench.slack, base, "burst-", count, bench.deadline.left(bench.args.baseten_delay + 30.0))
    cards, replies = snapshot(bench.slack, base, "burst-")
    overflows_after = listen_overflows()
    cpu_done = bench.cpu_ms()
    latencies = [shot.ack_ms for shot in shots if shot.ack_ms is not None]
    answered = [shot.ack_ms for shot in shots if shot.status == 200 and shot.ack_ms is not None]
    bench.results.update(
        {
            **spread("burst_ack_", latencies),
            "burst_ack_p90_ms": ms(percentile(latencies, 90)),
            "burst_ack_min_ms": ms(min(latencies, default=None)),
            "burst_ack_deciles_ms": deciles(latencies),
            "burst_acked": len(answered),
            "burst_acked_within_3s": within_ack_limit(answered),
            "burst_acks_working": sum(shot.working for shot in shots),
            "burst_all_acked_s": round(acked - started, 3),
            "burst_connect_max_ms": ms(max((s.connect_ms for s in shots if s.connect_ms), default=None)),
            "burst_errors": sorted({shot.error for shot in shots if shot.error})[:5],
            "burst_cards": len(cards),
            "burst_first_card_s": round(min(c.at for c in cards) - started, 3) if cards else None,
            "burst_last_card_s": round(max(c.at for c in cards) - started, 3) if cards else None,
            "burst_replies": len({c.path for c in replies}),
            "burst_reply_kinds": reply_kinds(replies),
            "burst_baseten_recreates": len(bench.baseten.calls("recreate")) - recreates_before,
            "burst_auth_test_calls": auth_calls,
            "burst_listen_overflows": (
                overflows_after - overflows_before
                if overflows_before is not None and overflows_after is not None
                else None
            ),
            "burst_bot_cpu_until_acked_ms": delta(cpu_before, cpu_acked),
            "burst_bench_cpu_until_acked_ms": round((own_acked - own_before) * 1000, 1),
            "burst_bot_cpu_per_command_ms": per(delta(cpu_before, cpu_done), count),
            "rss_burst_peak_mb": bench.rss_window_mb(),
        }
    )


def sequential(bench: BotBench) -> None:
    """`--sequential` commands one after another with instant fakes: each one's send time to its card."""
    bench.baseten.delays["recreate"] = 0.0
    base = len(bench.slack.calls)
    cpu_before = bench.cpu_ms()
    card_ms: list[float] = []
    ack_ms: list[float] = []
    failed = sent_count = 0
    for i in range(bench.args.sequential):
        if bench.deadline.left() <= 0:
            break
        sent_count += 1
        name = f"seq-{i}"
        cards_before = len(snapshot(bench.slack, base, name)[0])
        sent, shot = bench.send_one(i, name)
        if shot.status != 200 or shot.ack_ms is None:
            failed += 1
            continue
        ack_ms.append(shot.ack_ms)
        # A card, or a reply on this command's own response_url (a refusal or an error), ends the wait.
        wait_answered(bench.slack, base, name, cards_before + 1, bench.deadline.left(10.0))
        cards, _ = snapshot(bench.slack, base, name)
        if len(cards) > cards_before:
            card_ms.append((cards[cards_before].at - sent) * 1000)
        else:
            failed += 1
    _, replies = snapshot(bench.slack, base, "seq-")
    bench.results.update(
        {
            "seq_bot_cpu_per_command_ms": per(delta(cpu_before, bench.cpu_ms()), sent_count),
            "seq_sent": sent_count,
            "seq_cards": len(card_ms),
            "seq_without_card": failed,
            "seq_reply_kinds": reply_kinds(replies),
            "seq_ack_p50_ms": ms(percentile(ack_ms, 50)),
            "seq_ack_max_ms": ms(max(ack_ms, default=None)),
            "seq_card_p50_ms": ms(percentile(card_ms, 50)),
            "seq_card_p90_ms": ms(percentile(card_ms, 90)),
            "seq_card_max_ms": ms(max(card_ms, default=None)),
            "rss_seq_peak_mb": bench.rss_window_mb(),
        }
    )


def add_options(parser: argparse.ArgumentParser, *, sequential: int) -> argparse.ArgumentParser:
    """The options of the two phases: --burst, --baseten-delay, --sequential and --jobs."""
    parser.add_argument("--burst", type=int, default=50, help="commands fired at once (default 50)")
    parser.add_argument("--baseten-delay", type=float, default=10.0, help="seconds the fake takes per recreate")
    parser.add_argument(
        "--sequential", type=int, default=sequential, help=f"commands sent one at a time (default {sequential})"
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=50,
        help="distinct source jobs seeded; command i recreates job i mod N (default 50: one per command, since "
        "the bot refuses a second recreate of a job already in flight)",
    )
    return parser


class BurstAndSequential(BotBench):
    """A scenario of the burst, then the commands one at a time; mixed in before a driver."""

    def measure(self) -> None:
        burst(self)
        sequential(self)
