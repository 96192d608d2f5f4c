"""The run every bot benchmark shares: the fakes, the bot process, its sampler, SIGTERM, and the figures."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from bench.harness.process import BOT_COMMAND, JOB_ID, Deadline, Watchdog, kill
from bench.harness.sampler import RssSampler
from bench.harness.stats import cpu_times, mb, steal_pct
from tests.fakes.baseten import FakeBaseten
from tests.fakes.slack import FakeSlack


@dataclass
class Shot:
    """One command, as the sender saw it: over HTTP, or as a Socket Mode envelope."""

    status: int = 0
    """The HTTP status of the ack (200 for an acked envelope; 0 for none)."""
    connect_ms: float | None = None
    ack_ms: float | None = None
    working: bool = False
    text: str = ""
    """The start of the ack's text, as the user would read it."""
    error: str | None = None


class BotBench:
    """The fakes, the bot process and what was measured; a scenario's `measure` adds its figures to `results`.

    A driver (HttpBench, SocketBench) starts the bot its way and sends commands with `fire` and `send_one`."""

    def __init__(self, args: argparse.Namespace, watchdog: Watchdog) -> None:
        self.args = args
        self.watchdog = watchdog
        # Leave a few seconds of the hard timeout for SIGTERM and the report.
        self.deadline = Deadline(max(1.0, args.timeout - 8.0))
        self.slack = FakeSlack()
        self.baseten = FakeBaseten()
        self.jobs = [JOB_ID] + [f"p7qr{i:04d}" for i in range(1, max(1, getattr(args, "jobs", 1)))]
        self.proc: subprocess.Popen[bytes] | None = None
        self.sampler: RssSampler | None = None
        self.bot_command = list(BOT_COMMAND)
        self.workdir = Path()
        self._fakes_started = False
        self.results: dict[str, Any] = {
            "burst": getattr(args, "burst", 0),
            "baseten_delay_s": getattr(args, "baseten_delay", 0.0),
            "sequential": getattr(args, "sequential", 0),
            "jobs": len(self.jobs),
            "cpus": os.cpu_count(),
            "loadavg_1m_at_start": round(os.getloadavg()[0], 2),
        }
        self._cpu_at_start = cpu_times()

    def job(self, index: int) -> str:
        """The source job command `index` recreates."""
        return self.jobs[index % len(self.jobs)]

    # --- what a driver provides --------------------------------------------------------------------------------

    def start_bot(self, workdir: Path, log: IO[bytes]) -> None:
        raise NotImplementedError

    def fire(self, count: int, prefix: str) -> tuple[list[Shot], float, float]:
        """`count` commands at once, replying to `/response/<prefix><i>`: their shots, when they left, when all
        were acked."""
        raise NotImplementedError

    def send_one(self, index: int, name: str) -> tuple[float, Shot]:
        """One command replying to `/response/<name>`, waiting for its ack: when it was sent, and its shot."""
        raise NotImplementedError

    def measure(self) -> None:
        """The scenario's phases."""
        raise NotImplementedError

    # --- set-up and shutdown -----------------------------------------------------------------------------------

    def start_fakes(self) -> None:
        self.slack.start()
        self.baseten.start()
        self._fakes_started = True
        for job in self.jobs:
            self.baseten.add_job(job_id=job)

    def spawn(self, workdir: Path, log: IO[bytes], env: dict[str, str]) -> float:
        """Start the bot process and its sampler; returns when it was spawned."""
        self.workdir = workdir
        spawned = time.monotonic()
        self.proc = subprocess.Popen(
            self.bot_command, cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
        self.watchdog.proc = self.proc
        self.sampler = RssSampler(self.proc.pid).start()
        return spawned

    def note_idle(self) -> None:
        time.sleep(0.2)  # let the sampler see the idle process
        self.results["rss_idle_mb"] = mb(self.sampler.window()) if self.sampler is not None else None

    def cpu_ms(self) -> float | None:
        return self.sampler.cpu_ms() if self.sampler is not None else None

    def rss_window_mb(self) -> float | None:
        """Peak RSS since the last call, in MB."""
        return mb(self.sampler.window()) if self.sampler is not None else None

    def stop_bot(self) -> None:
        assert self.proc is not None
        signalled = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        self.while_stopping(signalled)
        try:
            code: int | None = self.proc.wait(timeout=max(3.0, self.deadline.left(30.0)))
        except subprocess.TimeoutExpired:
            kill(self.proc)
            code = None
        self.results["exit_code"] = code
        self.results["sigterm_exit_s"] = round(time.monotonic() - signalled, 3)

    def while_stopping(self, signalled: float) -> None:
        """What a driver watches between SIGTERM and the exit."""

    def finish(self) -> None:
        """Stop sampling, kill the bot if still alive, stop the fakes; safe to call after any failure."""
        if self.sampler is not None:
            self.sampler.stop()
            self.results["rss_peak_mb"] = mb(self.sampler.peak)
            self.results["threads_peak"] = self.sampler.peak_threads
            self.results["rss_samples"] = self.sampler.samples
        self.results["cpu_steal_pct"] = steal_pct(self._cpu_at_start, cpu_times())
        kill(self.proc)
        if self._fakes_started:  # stopping a server that never served would block
            self.stop_fakes()

    def stop_fakes(self) -> None:
        self.slack.stop()
        self.baseten.stop()
