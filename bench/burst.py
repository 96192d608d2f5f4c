"""Burst benchmark of the real bot process: start-up, ack latency and memory under a burst, command->card latency.

Run from the project root:

    .venv/bin/python -m bench.burst [--burst 50] [--baseten-delay 10] [--sequential 100] [--jobs 50] [--timeout 120]

The bot runs as `python -m bot` in HTTP mode; Slack and Baseten are the loopback fakes from tests.fakes, running
in this process. Nothing leaves 127.0.0.1. The output is a table, then the same figures as one JSON line.
The limits are shown next to the figures but never asserted: the run always finishes and prints what it measured.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

import psutil

from tests.fakes.baseten import API_KEY, FakeBaseten
from tests.fakes.slack import BOT_TOKEN, Call, FakeSlack
from tests.signing import SIGNING_SECRET, command_body, signed_headers

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
USER_ID = "UALLOWED01"
CHANNEL_ID = "CCHANNEL01"
JOB_ID = "p7qr9qv"
CARD = "chat.postMessage"
REPLY = "response_url"
MB = 1024 * 1024
SLACK_ACK_LIMIT_S = 3.0
HEALTH_POLL_S = 0.005
RSS_POLL_S = 0.020
BOT_COMMAND = [sys.executable, "-m", "bot"]

# Environment variables the bot may inherit; everything else (proxies above all) is left out on purpose.
_INHERITED_ENV = ("PATH", "LANG", "LC_ALL", "HOME", "TMPDIR", "PYTHONDONTWRITEBYTECODE")

# The bot's defaults ask for confirmation and refuse repeats of a job within a cooldown; the benchmark measures
# command -> card, so it turns both off. Unknown names are ignored by the bot's settings. Override with --bot-env.
BOT_DEFAULTS = {"CONFIRM": "never", "RECREATE_COOLDOWN": "0"}

# Figures worth a second look, from the brief: key -> limit (all "larger is worse").
LIMITS: dict[str, float] = {
    "startup_ms": 1000.0,
    "burst_ack_p99_ms": 100.0,
    "rss_peak_mb": 80.0,
    "seq_card_p50_ms": 20.0,
}


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def listen_overflows() -> int | None:
    """The kernel's count of connections dropped because a listen queue was full (Linux), or None."""
    try:
        lines = Path("/proc/net/netstat").read_text().splitlines()
    except OSError:
        return None
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            table = dict(zip(names.split()[1:], values.split()[1:], strict=False))
            return int(table.get("ListenOverflows", 0))
    return None


def kill(proc: subprocess.Popen[bytes] | None) -> None:
    """SIGKILL the bot if it is still running, and reap it."""
    if proc is not None and proc.poll() is None:
        proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(5)


class Deadline:
    """The time left for the measuring phases; waits are capped by it so nothing blocks past the budget."""

    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + seconds

    def left(self, cap: float | None = None) -> float:
        remaining = max(0.0, self._end - time.monotonic())
        return remaining if cap is None else min(cap, remaining)


class Watchdog:
    """The hard timeout: kills the bot and ends this process, whatever the main thread is blocked on."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.proc: subprocess.Popen[bytes] | None = None
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def start(self) -> None:
        self._timer.start()

    def cancel(self) -> None:
        self._timer.cancel()

    def _fire(self) -> None:
        print(f"hard timeout after {self.seconds:.0f} s: killing the bot and giving up", file=sys.stderr, flush=True)
        kill(self.proc)
        os._exit(3)


class RssSampler:
    """Reads the bot's resident memory, thread count and open file descriptors every RSS_POLL_S on a thread."""

    def __init__(self, pid: int) -> None:
        self._process = psutil.Process(pid)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.samples = 0
        self.last = 0
        self.peak = 0
        self.peak_threads = 0
        self.threads = 0
        self.fds = 0
        self.peak_fds = 0
        self._window_peak = 0
        self._thread = threading.Thread(target=self._loop, name="rss-sampler", daemon=True)

    def start(self) -> RssSampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(1.0)

    def cpu_ms(self) -> float | None:
        """CPU time (user + system) the bot has used so far, in ms; None once it has exited."""
        try:
            times = self._process.cpu_times()
        except psutil.Error:
            return None
        return float(times.user + times.system) * 1000

    def window(self) -> int:
        """Peak RSS since the previous call (or the start), in bytes; starts a new window."""
        with self._lock:
            peak, self._window_peak = self._window_peak, self.last
            return max(peak, self.last)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                with self._process.oneshot():
                    rss = int(self._process.memory_info().rss)
                    threads = int(self._process.num_threads())
                    fds = int(self._process.num_fds())
            except psutil.Error:
                return  # the bot has exited
            with self._lock:
                self.samples += 1
                self.last = rss
                self.peak = max(self.peak, rss)
                self._window_peak = max(self._window_peak, rss)
                self.peak_threads = max(self.peak_threads, threads)
                self.threads, self.fds = threads, fds
                self.peak_fds = max(self.peak_fds, fds)
            self._stop.wait(RSS_POLL_S)


@dataclass
class Shot:
    """One command of the burst, as the sender saw it."""

    status: int = 0
    connect_ms: float | None = None
    ack_ms: float | None = None
    working: bool = False
    text: str = ""
    """The start of the ack's text, as the user would read it."""
    error: str | None = None


def send(conn: http.client.HTTPConnection, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    conn.request("POST", EVENTS_PATH, body=body, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def ack_text(body: bytes) -> str:
    """The start of the text of an ack's JSON body (what Slack shows the user), or of the raw body."""
    try:
        return str(json.loads(body).get("text", ""))[:70]
    except (ValueError, AttributeError):
        return body[:70].decode(errors="replace")


def health_status(port: int) -> int:
    conn = http.client.HTTPConnection(HOST, port, timeout=1.0)
    try:
        conn.request("GET", HEALTH_PATH)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def bot_env(slack: FakeSlack, baseten: FakeBaseten, port: int, extra: dict[str, str]) -> dict[str, str]:
    """A clean environment for `python -m bot`: fakes only, no proxies, nothing from the caller's secrets."""
    env = {key: os.environ[key] for key in _INHERITED_ENV if key in os.environ}
    env.update(BOT_DEFAULTS)
    env.update(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
            "BASETEN_API_KEY": API_KEY,
            "BASETEN_API_URL": baseten.url,
            "ALLOWED_USER_IDS": USER_ID,
            "PORT": str(port),
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }
    )
    env.update(extra)
    return env


def reply_kinds(calls: list[Call], limit: int = 3) -> dict[str, int]:
    """response_url posts grouped by the start of their text, most common first."""
    kinds = Counter(str(call.params.get("text", ""))[:70] for call in calls)
    return dict(kinds.most_common(limit))


class Bench:
    """The fakes, the bot process and what was measured; each phase adds its figures to `results`."""

    def __init__(self, args: argparse.Namespace, watchdog: Watchdog) -> None:
        self.args = args
        self.watchdog = watchdog
        # Leave a few seconds of the hard timeout for SIGTERM and the report.
        self.deadline = Deadline(max(1.0, args.timeout - 8.0))
        self.slack = FakeSlack()
        self.baseten = FakeBaseten()
        self.jobs = [JOB_ID] + [f"p7qr{i:04d}" for i in range(1, max(1, args.jobs))]
        self.proc: subprocess.Popen[bytes] | None = None
        self.sampler: RssSampler | None = None
        self.shots: list[Shot] = []
        self.bot_command = list(BOT_COMMAND)
        self.port = 0
        self._fakes_started = False
        self.results: dict[str, Any] = {
            "burst": args.burst,
            "baseten_delay_s": args.baseten_delay,
            "sequential": args.sequential,
            "jobs": len(self.jobs),
            "cpus": os.cpu_count(),
            "loadavg_1m_at_start": round(os.getloadavg()[0], 2),
        }

    def signed_command(self, index: int, name: str) -> tuple[bytes, dict[str, str]]:
        """A signed `/recreate-job <job>` whose response_url is its own path (`/response/<name>`) on FakeSlack."""
        job = self.jobs[index % len(self.jobs)]
        body = command_body(job, user_id=USER_ID, channel_id=CHANNEL_ID, response_url=self.slack.response_url(name))
        headers = signed_headers(body, secret=SIGNING_SECRET)
        return body.encode(), {
            key: value if isinstance(value, str) else ", ".join(value) for key, value in headers.items()
        }

    # --- set-up ---------------------------------------------------------------------------------------------

    def start_fakes(self) -> None:
        self.slack.start()
        self.baseten.start()
        self._fakes_started = True
        for job in self.jobs:
            self.baseten.add_job(job_id=job)

    def start_bot(self, workdir: Path, log: IO[bytes]) -> None:
        """Spawn `python -m bot` and time it until GET /healthz answers 200."""
        self.port = free_port()
        env = bot_env(self.slack, self.baseten, self.port, dict(self.args.bot_env))
        spawned = time.monotonic()
        self.proc = subprocess.Popen(
            self.bot_command, cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
        self.watchdog.proc = self.proc
        self.sampler = RssSampler(self.proc.pid).start()
        startup_ms = None
        while self.deadline.left(30.0 - (time.monotonic() - spawned)) > 0 and self.proc.poll() is None:
            with contextlib.suppress(OSError, http.client.HTTPException):
                if health_status(self.port) == 200:
                    startup_ms = (time.monotonic() - spawned) * 1000
                    break
            time.sleep(HEALTH_POLL_S)
        if startup_ms is None:
            raise RuntimeError(f"the bot never answered {HEALTH_PATH} (exit code {self.proc.poll()})")
        self.results["startup_ms"] = round(startup_ms, 1)
        time.sleep(0.2)  # let the sampler see the idle process
        self.results["rss_idle_mb"] = round(self.sampler.window() / MB, 1)

    # --- reading FakeSlack ----------------------------------------------------------------------------------

    @staticmethod
    def _is_reply(call: Call, name: str) -> bool:
        """A response_url post to `/response/<name>`, or to any `/response/<name>...` when `name` ends in `-`."""
        path = f"/response/{name}"
        return bool(call.kind == REPLY and (call.path.startswith(path) if name.endswith("-") else call.path == path))

    def _snapshot(self, base: int, name: str) -> tuple[list[Call], list[Call]]:
        """Since call index `base`: cards in the command channel, and replies to the response_url(s) `name`."""
        calls = self.slack.wait_for(lambda _: True, timeout=0)[base:]
        cards = [c for c in calls if c.kind == CARD and c.params.get("channel") == CHANNEL_ID]
        return cards, [c for c in calls if self._is_reply(c, name)]

    def _wait_answered(self, base: int, name: str, count: int, timeout: float) -> None:
        """Until cards plus commands replied to on their response_url(s) `name` reach `count`, or `timeout` s."""

        def answered(calls: list[Call]) -> bool:
            fresh = calls[base:]
            cards = sum(1 for c in fresh if c.kind == CARD and c.params.get("channel") == CHANNEL_ID)
            replied = {c.path for c in fresh if self._is_reply(c, name)}
            return cards + len(replied) >= count

        with contextlib.suppress(AssertionError):  # FakeSlack's timeout: we report what arrived
            self.slack.wait_for(answered, timeout=timeout)

    # --- the burst ------------------------------------------------------------------------------------------

    def burst(self) -> None:
        count = self.args.burst
        self.baseten.delays["recreate"] = self.args.baseten_delay
        base = len(self.slack.calls)
        auth_before = len(self.slack.of("auth.test"))
        recreates_before = len(self.baseten.calls("recreate"))
        overflows_before = listen_overflows()
        assert self.sampler is not None
        cpu_before, own_before = self.sampler.cpu_ms(), time.process_time()
        shots, started = self._fire(count)
        self.shots = shots
        acked = time.monotonic()
        cpu_acked, own_acked = self.sampler.cpu_ms(), time.process_time()
        auth_calls = len(self.slack.of("auth.test")) - auth_before
        self._wait_answered(base, "burst-", count, self.deadline.left(self.args.baseten_delay + 30.0))
        cards, replies = self._snapshot(base, "burst-")
        overflows_after = listen_overflows()
        cpu_done = self.sampler.cpu_ms()
        latencies = [shot.ack_ms for shot in shots if shot.ack_ms is not None]
        within = [s for s in shots if s.status == 200 and s.ack_ms is not None and s.ack_ms <= SLACK_ACK_LIMIT_S * 1e3]
        self.results.update(
            {
                "burst_ack_p50_ms": _ms(percentile(latencies, 50)),
                "burst_ack_p99_ms": _ms(percentile(latencies, 99)),
                "burst_ack_max_ms": _ms(max(latencies, default=None)),
                "burst_acked_within_3s": len(within),
                "burst_acks_working": sum(shot.working for shot in shots),
                "burst_all_acked_s": round(acked - started, 3),
                "burst_connect_max_ms": _ms(max((s.connect_ms for s in shots if s.connect_ms), default=None)),
                "burst_errors": sorted({shot.error for shot in shots if shot.error})[:5],
                "burst_cards": len(cards),
                "burst_first_card_s": round(min(c.at for c in cards) - started, 3) if cards else None,
                "burst_last_card_s": round(max(c.at for c in cards) - started, 3) if cards else None,
                "burst_replies": len({c.path for c in replies}),
                "burst_reply_kinds": reply_kinds(replies),
                "burst_baseten_recreates": len(self.baseten.calls("recreate")) - recreates_before,
                "burst_auth_test_calls": auth_calls,
                "burst_listen_overflows": (
                    overflows_after - overflows_before
                    if overflows_before is not None and overflows_after is not None
                    else None
                ),
                "burst_bot_cpu_until_acked_ms": _delta(cpu_before, cpu_acked),
                "burst_bench_cpu_until_acked_ms": round((own_acked - own_before) * 1000, 1),
                "burst_bot_cpu_per_command_ms": _per(_delta(cpu_before, cpu_done), count),
                "rss_burst_peak_mb": round(self.sampler.window() / MB, 1),
            }
        )

    def _fire(self, count: int) -> tuple[list[Shot], float]:
        """`count` threads, each with its own open connection, release at one barrier and POST a command."""
        shots = [Shot() for _ in range(count)]
        started = [0.0]
        barrier = threading.Barrier(count, action=lambda: started.__setitem__(0, time.monotonic()))
        requests = [self.signed_command(i, f"burst-{i}") for i in range(count)]

        def one(i: int) -> None:
            shot = shots[i]
            conn = http.client.HTTPConnection(HOST, self.port, timeout=30.0)
            try:
                try:
                    began = time.monotonic()
                    conn.connect()
                    shot.connect_ms = (time.monotonic() - began) * 1000
                except OSError as error:
                    shot.error = f"connect: {error!r}"
                barrier.wait(timeout=30.0)
                if shot.error:
                    return
                sent = time.monotonic()
                shot.status, body = send(conn, *requests[i])
                shot.ack_ms = (time.monotonic() - sent) * 1000
                shot.working = b"Recreating" in body
                shot.text = ack_text(body)
            except (OSError, http.client.HTTPException, threading.BrokenBarrierError) as error:
                shot.error = repr(error)
            finally:
                conn.close()

        threads = [threading.Thread(target=one, args=(i,), name=f"burst-{i}", daemon=True) for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(self.deadline.left(60.0))
        return shots, started[0]

    # --- one at a time --------------------------------------------------------------------------------------

    def sequential(self) -> None:
        """Instant fakes; each command's send time to its card's arrival at FakeSlack, one after another."""
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
            cards_before, _ = self._snapshot(base, f"seq-{i}")
            body, headers = self.signed_command(i, f"seq-{i}")
            conn = http.client.HTTPConnection(HOST, self.port, timeout=10.0)
            sent = time.monotonic()
            try:
                status, _ = send(conn, body, headers)
                ack_ms.append((time.monotonic() - sent) * 1000)
            except (OSError, http.client.HTTPException):
                status = 0
            finally:
                conn.close()
            if status != 200:
                failed += 1
                continue
            # A card, or a reply on this command's own response_url (a refusal or an error), ends the wait.
            self._wait_answered(base, f"seq-{i}", len(cards_before) + 1, self.deadline.left(10.0))
            cards, _ = self._snapshot(base, f"seq-{i}")
            if len(cards) > len(cards_before):
                card_ms.append((cards[len(cards_before)].at - sent) * 1000)
            else:
                failed += 1
        _, replies = self._snapshot(base, "seq-")
        cpu_after = self.sampler.cpu_ms() if self.sampler is not None else None
        self.results.update(
            {
                "seq_bot_cpu_per_command_ms": _per(_delta(cpu_before, cpu_after), sent_count),
                "seq_sent": sent_count,
                "seq_cards": len(card_ms),
                "seq_without_card": failed,
                "seq_reply_kinds": reply_kinds(replies),
                "seq_ack_p50_ms": _ms(percentile(ack_ms, 50)),
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
        try:
            code: int | None = self.proc.wait(timeout=max(3.0, self.deadline.left(30.0)))
        except subprocess.TimeoutExpired:
            kill(self.proc)
            code = None
        self.results["exit_code"] = code
        self.results["sigterm_exit_s"] = round(time.monotonic() - signalled, 3)

    def finish(self) -> None:
        """Stop sampling, kill the bot if still alive, stop the fakes; safe to call after any failure."""
        if self.sampler is not None:
            self.sampler.stop()
            self.results["rss_peak_mb"] = round(self.sampler.peak / MB, 1)
            self.results["threads_peak"] = self.sampler.peak_threads
            self.results["rss_samples"] = self.sampler.samples
        kill(self.proc)
        if self._fakes_started:  # stopping a server that never served would block
            self.slack.stop()
            self.baseten.stop()


def _delta(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else round(after - before, 1)


def _per(total: float | None, count: int) -> float | None:
    return None if total is None or count <= 0 else round(total / count, 2)


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _fmt(value: Any, unit: str = "") -> str:
    return "-" if value is None else f"{value}{unit}"


def _flag(results: dict[str, Any], key: str) -> str:
    if key not in LIMITS or results.get(key) is None:
        return ""
    limit = LIMITS[key]
    return f"(limit {limit:g})  " + ("OVER" if results[key] > limit else "ok")


def burst_rows(r: dict[str, Any], sent: str) -> list[tuple[str, str, str]]:
    """Rows for the burst itself, the same in both modes; `sent` names when the clock starts."""
    n, g = r["burst"], r.get
    return [
        (
            f"burst of {n}: ack p50 / p99 / max",
            f"{_fmt(g('burst_ack_p50_ms'))} / {_fmt(g('burst_ack_p99_ms'))} / {_fmt(g('burst_ack_max_ms'))} ms",
            _flag(r, "burst_ack_p99_ms"),
        ),
        ("burst: acked within 3 s", f"{_fmt(g('burst_acked_within_3s'))} / {n}", ""),
        ("burst: acks saying 'Recreating'", f"{_fmt(g('burst_acks_working'))} / {n}", ""),
        ("burst: cards posted in the channel", f"{_fmt(g('burst_cards'))} / {n}", ""),
        ("burst: commands answered by a reply instead", f"{_fmt(g('burst_replies'))} / {n}", ""),
        (
            f"burst: {sent} -> first / last card",
            f"{_fmt(g('burst_first_card_s'))} / {_fmt(g('burst_last_card_s'))} s",
            f"(Baseten takes {r['baseten_delay_s']:g} s)",
        ),
        ("burst: recreates Baseten received", _fmt(g("burst_baseten_recreates")), ""),
    ]


def shared_rows(r: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Table rows both benchmarks print the same way: CPU, memory, threads and the sequential run."""
    g = r.get
    return [
        (
            "burst: CPU until all acked, bot / bench",
            f"{_fmt(g('burst_bot_cpu_until_acked_ms'))} / {_fmt(g('burst_bench_cpu_until_acked_ms'))} ms",
            f"(acks took {_fmt(g('burst_all_acked_s'))} s)",
        ),
        (
            "bot CPU per command: burst / sequential",
            f"{_fmt(g('burst_bot_cpu_per_command_ms'))} / {_fmt(g('seq_bot_cpu_per_command_ms'))} ms",
            "",
        ),
        ("RSS peak during burst", _fmt(g("rss_burst_peak_mb"), " MB"), ""),
        ("RSS peak overall", _fmt(g("rss_peak_mb"), " MB"), _flag(r, "rss_peak_mb")),
        ("threads peak", _fmt(g("threads_peak")), ""),
        (
            f"sequential x{r['sequential']}: command -> card p50 / p90",
            f"{_fmt(g('seq_card_p50_ms'))} / {_fmt(g('seq_card_p90_ms'))} ms",
            _flag(r, "seq_card_p50_ms"),
        ),
        (
            "sequential: cards / without card, ack p50",
            f"{_fmt(g('seq_cards'))} / {_fmt(g('seq_without_card'))}, {_fmt(g('seq_ack_p50_ms'))} ms",
            "",
        ),
    ]


def table(r: dict[str, Any]) -> str:
    """The figures as aligned rows; a limit and ok/OVER next to those the brief sets a limit for."""
    n, g = r["burst"], r.get
    rows = [
        ("start-up: spawn -> /healthz 200", _fmt(g("startup_ms"), " ms"), _flag(r, "startup_ms")),
        ("RSS idle after start-up", _fmt(g("rss_idle_mb"), " MB"), ""),
        *burst_rows(r, "start"),
        ("burst: auth.test calls by the bot", _fmt(g("burst_auth_test_calls")), ""),
        ("burst: kernel listen-queue overflows", _fmt(g("burst_listen_overflows")), ""),
        *shared_rows(r),
        ("SIGTERM -> exit: code, time", f"{_fmt(g('exit_code'))}, {_fmt(g('sigterm_exit_s'))} s", ""),
    ]
    width = max(len(label) for label, _, _ in rows)
    value_width = max(len(value) for _, value, _ in rows)
    lines = [
        f"recreate-job burst benchmark: {n} at once, Baseten {r['baseten_delay_s']:g} s per recreate, "
        f"{r['jobs']} source job(s); {g('cpus')} CPUs, load {g('loadavg_1m_at_start')} at start"
    ]
    lines += [f"{label:<{width}}  {value:>{value_width}}  {note}".rstrip() for label, value, note in rows]
    for key in ("burst_reply_kinds", "seq_reply_kinds"):
        for text, times in (g(key) or {}).items():
            lines.append(f"{key.split('_')[0]} reply x{times}: {text}")
    if g("burst_errors"):
        lines.append(f"burst errors: {r['burst_errors']}")
    if g("error"):
        lines.append(f"RUN ERROR: {r['error']}")
    return "\n".join(lines)


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.burst", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--burst", type=int, default=50, help="commands fired at once (default 50)")
    parser.add_argument("--baseten-delay", type=float, default=10.0, help="seconds the fake takes per recreate")
    parser.add_argument("--sequential", type=int, default=100, help="commands sent one at a time (default 100)")
    parser.add_argument(
        "--jobs",
        type=int,
        default=50,
        help="distinct source jobs seeded; command i recreates job i mod N (default 50: one per command, since "
        "the bot refuses a second recreate of a job already in flight)",
    )
    parser.add_argument(
        "--bot-env", type=_key_value, action="append", default=[], metavar="KEY=VALUE", help="extra bot setting"
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="hard limit for the whole run, seconds")
    return parser.parse_args(argv)


def _bot_log(path: Path, limit: int = 10) -> tuple[list[str], int]:
    """The last lines the bot printed, without its one-JSON-object audit lines; and how many audit lines there were."""
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return [], 0
    other = [line for line in lines if not line.startswith("{")]
    return other[-limit:], len(lines) - len(other)


def main(argv: list[str] | None = None) -> int:
    return run(parse_args(argv), Bench, prefix="bench-burst-")


class Runnable(Protocol):
    """What `run` drives: Bench here, SocketBench in bench.socket_burst."""

    results: dict[str, Any]
    proc: subprocess.Popen[bytes] | None

    def start_fakes(self) -> None: ...
    def start_bot(self, workdir: Path, log: IO[bytes]) -> None: ...
    def burst(self) -> None: ...
    def sequential(self) -> None: ...
    def stop_bot(self) -> None: ...
    def finish(self) -> None: ...


def run(
    args: argparse.Namespace,
    make: Callable[[argparse.Namespace, Watchdog], Runnable],
    *,
    prefix: str,
    render: Callable[[dict[str, Any]], str] = table,
) -> int:
    """Start the fakes and the bot, run the burst and the sequential commands, print `render`'s table and JSON."""
    watchdog = Watchdog(args.timeout)
    watchdog.start()
    bench = make(args, watchdog)
    failed = False
    log_tail: list[str] = []
    try:
        with tempfile.TemporaryDirectory(prefix=prefix) as workdir:
            log_path = Path(workdir) / "bot.log"
            try:
                with log_path.open("wb") as log:
                    bench.start_fakes()
                    bench.start_bot(Path(workdir), log)
                    bench.burst()
                    bench.sequential()
                    bench.stop_bot()
            except Exception as error:
                failed = True
                bench.results["error"] = f"{type(error).__name__}: {error}"
            finally:
                bench.finish()
                log_tail, bench.results["bot_audit_lines"] = _bot_log(log_path)
    finally:
        kill(bench.proc)
        watchdog.cancel()
    bench.results["bot_log_tail"] = log_tail
    print(render(bench.results))
    if log_tail:
        print("bot output (last lines, audit JSON lines left out):")
        for line in log_tail:
            print(f"  {line}")
    print(json.dumps(bench.results, separators=(",", ":"), ensure_ascii=False))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
