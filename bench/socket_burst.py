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

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

from bench.burst import (
    BOT_COMMAND,
    CARD,
    CHANNEL_ID,
    JOB_ID,
    MB,
    REPLY,
    SLACK_ACK_LIMIT_S,
    USER_ID,
    Deadline,
    RssSampler,
    Watchdog,
    _delta,
    _flag,
    _fmt,
    _key_value,
    _ms,
    _per,
    bot_env,
    burst_rows,
    kill,
    percentile,
    reply_kinds,
    run,
    shared_rows,
)
from tests.fakes.baseten import FakeBaseten
from tests.fakes.slack import Call, FakeSlack
from tests.fakes.socket_mode import Ack, FakeSocketMode
from tests.signing import command_fields

APP_TOKEN = "xapp-1-A0APP00001-1234567890-bench0socket0mode"
POLL_S = 0.005


class SocketBench:
    """The fakes, the bot process and what was measured; each phase adds its figures to `results`."""

    def __init__(self, args: argparse.Namespace, watchdog: Watchdog) -> None:
        self.args = args
        self.watchdog = watchdog
        self.deadline = Deadline(max(1.0, args.timeout - 8.0))
        self.slack = FakeSlack()
        self.baseten = FakeBaseten()
        self.socket = FakeSocketMode()
        self.jobs = [JOB_ID] + [f"p7qr{i:04d}" for i in range(1, max(1, args.jobs))]
        self.proc: subprocess.Popen[bytes] | None = None
        self.sampler: RssSampler | None = None
        self._fakes_started = False
        self.results: dict[str, Any] = {
            "mode": "socket",
            "burst": args.burst,
            "baseten_delay_s": args.baseten_delay,
            "sequential": args.sequential,
            "jobs": len(self.jobs),
            "cpus": os.cpu_count(),
            "loadavg_1m_at_start": round(os.getloadavg()[0], 2),
        }

    def fields(self, index: int, name: str, text: str | None = None) -> dict[str, str]:
        """`/recreate-job <job>` (or `text`) as an envelope's payload; its response_url is `/response/<name>`."""
        job = self.jobs[index % len(self.jobs)]
        return command_fields(
            job if text is None else text,
            user_id=USER_ID,
            channel_id=CHANNEL_ID,
            response_url=self.slack.response_url(name),
        )

    # --- set-up ---------------------------------------------------------------------------------------------

    def start_fakes(self) -> None:
        self.slack.start()
        self.baseten.start()
        self.socket.start()
        self.slack.socket_url = self.socket.url
        self._fakes_started = True
        for job in self.jobs:
            self.baseten.add_job(job_id=job)

    def _until(self, done: Any, limit: float) -> bool:
        """Poll `done()` until true, the bot exits, `limit` s pass, or the budget runs out."""
        end = time.monotonic() + self.deadline.left(limit)
        assert self.proc is not None
        while not done():
            if time.monotonic() >= end or self.proc.poll() is not None:
                return False
            time.sleep(POLL_S)
        return True

    def start_bot(self, workdir: Path, log: IO[bytes]) -> None:
        """Spawn `python -m bot`; time it to the hello on its WebSocket, then to its first acked envelope."""
        env = bot_env(self.slack, self.baseten, 0, dict(self.args.bot_env))
        env.pop("SLACK_SIGNING_SECRET", None)
        env.pop("PORT", None)
        env["SLACK_APP_TOKEN"] = APP_TOKEN
        spawned = time.monotonic()
        self.proc = subprocess.Popen(
            BOT_COMMAND, cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
        self.watchdog.proc = self.proc
        self.sampler = RssSampler(self.proc.pid).start()
        if not self._until(lambda: self.socket.connections_made >= 1, 30.0):
            raise RuntimeError(f"the bot never opened its Socket Mode connection (exit code {self.proc.poll()})")
        self.results["startup_hello_ms"] = round((time.monotonic() - spawned) * 1000, 1)
        envelope = self.socket.send_slash_command(self.fields(0, "ready", "help"))
        if not self._until(lambda: self.socket.ack_for(envelope) is not None, 30.0):
            raise RuntimeError(f"the bot never acked a help envelope (exit code {self.proc.poll()})")
        ack = self.socket.ack_for(envelope)
        assert ack is not None
        self.results["startup_ms"] = round((ack.at - spawned) * 1000, 1)
        self.results["ready_ack_ms"] = _ms((ack.at - self.socket.sent[envelope]) * 1000)
        self.results["apps_connections_open_calls"] = len(self.slack.of("apps.connections.open"))
        time.sleep(0.2)  # let the sampler see the idle process
        self.results["rss_idle_mb"] = round(self.sampler.window() / MB, 1)

    # --- reading the fakes ----------------------------------------------------------------------------------

    def _cards_since(self, base: int) -> list[Call]:
        calls = self.slack.wait_for(lambda _: True, timeout=0)[base:]
        return [c for c in calls if c.kind == CARD and c.params.get("channel") == CHANNEL_ID]

    def _replies_since(self, base: int, prefix: str) -> list[Call]:
        calls = self.slack.wait_for(lambda _: True, timeout=0)[base:]
        return [c for c in calls if c.kind == REPLY and c.path.startswith(f"/response/{prefix}")]

    def _wait_cards(self, base: int, prefix: str, count: int, timeout: float) -> None:
        """Until cards plus commands replied to on a `/response/<prefix>...` reach `count`, or `timeout` s."""

        def answered(calls: list[Call]) -> bool:
            fresh = calls[base:]
            cards = sum(1 for c in fresh if c.kind == CARD and c.params.get("channel") == CHANNEL_ID)
            replied = {c.path for c in fresh if c.kind == REPLY and c.path.startswith(f"/response/{prefix}")}
            return cards + len(replied) >= count

        with contextlib.suppress(AssertionError):  # FakeSlack's timeout: we report what arrived
            self.slack.wait_for(answered, timeout=timeout)

    def _acks(self, envelope_ids: list[str], timeout: float) -> dict[str, Ack]:
        wanted = set(envelope_ids)
        self._until(lambda: sum(a.envelope_id in wanted for a in list(self.socket.acks)) >= len(wanted), timeout)
        return {a.envelope_id: a for a in list(self.socket.acks) if a.envelope_id in wanted}

    # --- the burst ------------------------------------------------------------------------------------------

    def burst(self) -> None:
        count = self.args.burst
        self.baseten.delays["recreate"] = self.args.baseten_delay
        base = len(self.slack.calls)
        recreates_before = len(self.baseten.calls("recreate"))
        assert self.sampler is not None
        cpu_before, own_before = self.sampler.cpu_ms(), time.process_time()
        many = [self.fields(i, f"burst-{i}") for i in range(count)]
        envelope_ids = self.socket.send_slash_commands(many)
        started = self.socket.sent[envelope_ids[0]]
        acks = self._acks(envelope_ids, 30.0)
        acked = max((a.at for a in acks.values()), default=time.monotonic())
        cpu_acked, own_acked = self.sampler.cpu_ms(), time.process_time()
        latencies = [(acks[e].at - self.socket.sent[e]) * 1000 for e in envelope_ids if e in acks]
        self._wait_cards(base, "burst-", count, self.deadline.left(self.args.baseten_delay + 30.0))
        cards = self._cards_since(base)
        replies = self._replies_since(base, "burst-")
        cpu_done = self.sampler.cpu_ms()
        texts = [str((acks[e].payload or {}).get("text", "")) for e in envelope_ids if e in acks]
        # Acks in the order the bot sent them, to show whether they leave in a steady stream or in clumps.
        order = sorted(latencies)
        self.results.update(
            {
                "burst_ack_p50_ms": _ms(percentile(latencies, 50)),
                "burst_ack_p90_ms": _ms(percentile(latencies, 90)),
                "burst_ack_p99_ms": _ms(percentile(latencies, 99)),
                "burst_ack_max_ms": _ms(max(latencies, default=None)),
                "burst_ack_min_ms": _ms(min(latencies, default=None)),
                "burst_ack_deciles_ms": [_ms(order[min(len(order) - 1, i * len(order) // 10)]) for i in range(10)]
                if order
                else [],
                "burst_acked": len(acks),
                "burst_acked_within_3s": sum(1 for v in latencies if v <= SLACK_ACK_LIMIT_S * 1e3),
                "burst_acks_working": sum("Recreating" in t for t in texts),
                "burst_all_acked_s": round(acked - started, 3),
                "burst_cards": len(cards),
                "burst_first_card_s": round(min(c.at for c in cards) - started, 3) if cards else None,
                "burst_last_card_s": round(max(c.at for c in cards) - started, 3) if cards else None,
                "burst_replies": len({c.path for c in replies}),
                "burst_reply_kinds": reply_kinds(replies),
                "burst_baseten_recreates": len(self.baseten.calls("recreate")) - recreates_before,
                "burst_bot_cpu_until_acked_ms": _delta(cpu_before, cpu_acked),
                "burst_bench_cpu_until_acked_ms": round((own_acked - own_before) * 1000, 1),
                "burst_bot_cpu_per_command_ms": _per(_delta(cpu_before, cpu_done), count),
                "rss_burst_peak_mb": round(self.sampler.window() / MB, 1),
            }
        )

    # --- one at a time --------------------------------------------------------------------------------------

    def sequential(self) -> None:
        """Instant fakes; each envelope's send time to its ack, and to its card's arrival at FakeSlack."""
        self.baseten.delays["recreate"] = 0.0
        base = len(self.slack.calls)
        cpu_before = self.sampler.cpu_ms() if self.sampler is not None else None
        card_ms: list[float] = []
        ack_ms: list[float] = []
        failed = sent_count = 0
        for i in range(self.args.sequential):
            if self.deadline.left() <= 0:
                break
            sent_count += 1
            cards_before = len(self._cards_since(base))
            [envelope] = self.socket.send_slash_commands([self.fields(i, f"seq-{i}")])
            sent = self.socket.sent[envelope]
            ack = self._acks([envelope], 10.0).get(envelope)
            if ack is None:
                failed += 1
                continue
            ack_ms.append((ack.at - sent) * 1000)
            self._wait_cards(base, f"seq-{i}", cards_before + 1, self.deadline.left(10.0))
            cards = self._cards_since(base)
            if len(cards) > cards_before:
                card_ms.append((cards[cards_before].at - sent) * 1000)
            else:
                failed += 1
        cpu_after = self.sampler.cpu_ms() if self.sampler is not None else None
        self.results.update(
            {
                "seq_bot_cpu_per_command_ms": _per(_delta(cpu_before, cpu_after), sent_count),
                "seq_sent": sent_count,
                "seq_cards": len(card_ms),
                "seq_without_card": failed,
                "seq_reply_kinds": reply_kinds(self._replies_since(base, "seq-")),
                "seq_ack_p50_ms": _ms(percentile(ack_ms, 50)),
                "seq_ack_max_ms": _ms(max(ack_ms, default=None)),
                "seq_card_p50_ms": _ms(percentile(card_ms, 50)),
                "seq_card_p90_ms": _ms(percentile(card_ms, 90)),
                "seq_card_max_ms": _ms(max(card_ms, default=None)),
            }
        )
        if self.sampler is not None:
            self.results["rss_seq_peak_mb"] = round(self.sampler.window() / MB, 1)

    # --- shutdown -------------------------------------------------------------------------------------------

    def stop_bot(self) -> None:
        assert self.proc is not None
        signalled = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        disconnected = None
        if self._until(lambda: self.socket.open_connections == 0, 30.0):
            disconnected = time.monotonic()
        try:
            code: int | None = self.proc.wait(timeout=max(3.0, self.deadline.left(30.0)))
        except subprocess.TimeoutExpired:
            kill(self.proc)
            code = None
        self.results["exit_code"] = code
        self.results["sigterm_exit_s"] = round(time.monotonic() - signalled, 3)
        self.results["sigterm_disconnect_s"] = None if disconnected is None else round(disconnected - signalled, 3)

    def finish(self) -> None:
        """Stop sampling, kill the bot if still alive, stop the fakes; safe to call after any failure."""
        if self.sampler is not None:
            self.sampler.stop()
            self.results["rss_peak_mb"] = round(self.sampler.peak / MB, 1)
            self.results["threads_peak"] = self.sampler.peak_threads
            self.results["rss_samples"] = self.sampler.samples
        kill(self.proc)
        if self._fakes_started:
            self.socket.stop()
            self.slack.stop()
            self.baseten.stop()


def table(r: dict[str, Any]) -> str:
    n, g = r["burst"], r.get
    rows = [
        ("start-up: spawn -> hello on the WebSocket", _fmt(g("startup_hello_ms"), " ms"), ""),
        ("start-up: spawn -> first envelope acked", _fmt(g("startup_ms"), " ms"), _flag(r, "startup_ms")),
        ("RSS idle after start-up", _fmt(g("rss_idle_mb"), " MB"), ""),
        *burst_rows(r, "send"),
        *shared_rows(r),
        (
            "SIGTERM -> disconnected / exit: code",
            f"{_fmt(g('sigterm_disconnect_s'))} / {_fmt(g('sigterm_exit_s'))} s: {_fmt(g('exit_code'))}",
            "",
        ),
    ]
    width = max(len(label) for label, _, _ in rows)
    value_width = max(len(value) for _, value, _ in rows)
    lines = [
        f"recreate-job Socket Mode burst benchmark: {n} envelopes at once, Baseten {r['baseten_delay_s']:g} s per "
        f"recreate, {r['jobs']} source job(s); {g('cpus')} CPUs, load {g('loadavg_1m_at_start')} at start"
    ]
    lines += [f"{label:<{width}}  {value:>{value_width}}  {note}".rstrip() for label, value, note in rows]
    if g("burst_ack_deciles_ms"):
        lines.append(f"burst ack latency deciles (ms): {r['burst_ack_deciles_ms']}")
    for key in ("burst_reply_kinds", "seq_reply_kinds"):
        for text, times in (g(key) or {}).items():
            lines.append(f"{key.split('_')[0]} reply x{times}: {text}")
    if g("error"):
        lines.append(f"RUN ERROR: {r['error']}")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.socket_burst", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--burst", type=int, default=50, help="envelopes sent at once (default 50)")
    parser.add_argument("--baseten-delay", type=float, default=10.0, help="seconds the fake takes per recreate")
    parser.add_argument("--sequential", type=int, default=50, help="envelopes sent one at a time (default 50)")
    parser.add_argument(
        "--jobs", type=int, default=50, help="distinct source jobs seeded; command i recreates job i mod N"
    )
    parser.add_argument(
        "--bot-env", type=_key_value, action="append", default=[], metavar="KEY=VALUE", help="extra bot setting"
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="hard limit for the whole run, seconds")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    return run(parse_args(argv), SocketBench, prefix="bench-socket-", render=table)


if __name__ == "__main__":
    sys.exit(main())
