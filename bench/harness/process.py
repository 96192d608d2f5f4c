"""The bot as a child process: its environment of fakes, its port, its health, a watchdog and a budget."""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from tests.fakes.baseten import API_KEY, FakeBaseten
from tests.fakes.slack import BOT_TOKEN, FakeSlack
from tests.signing import SIGNING_SECRET

ROOT = Path(__file__).resolve().parent.parent.parent
HOST = "127.0.0.1"
HEALTH_PATH = "/healthz"
USER_ID = "UALLOWED01"
CHANNEL_ID = "CCHANNEL01"
JOB_ID = "p7qr9qv"
BOT_COMMAND = [sys.executable, "-m", "bot"]

# Environment variables the bot may inherit; everything else (proxies above all) is left out on purpose.
_INHERITED_ENV = ("PATH", "LANG", "LC_ALL", "HOME", "TMPDIR", "PYTHONDONTWRITEBYTECODE")

# The bot's defaults ask for confirmation and refuse repeats of a job within a cooldown; the benchmarks measure
# command -> card, so they turn both off. Unknown names are ignored by the bot's settings. Override with --bot-env.
# One person sends every command of a benchmark: the per-person limit would measure itself, not the bot.
BOT_DEFAULTS = {"CONFIRM": "never", "RECREATE_COOLDOWN": "0", "RECREATE_LIMIT_PER_USER": "off"}


def bot_env(
    slack: FakeSlack, baseten: FakeBaseten, port: int | None, extra: dict[str, str], *, app_token: str | None = None
) -> dict[str, str]:
    """A clean environment for `python -m bot`: fakes only, no proxies, nothing from the caller's secrets.

    With `app_token` the bot runs in Socket Mode (no signing secret, no port); else in HTTP mode on `port`."""
    env = {key: os.environ[key] for key in _INHERITED_ENV if key in os.environ}
    env.update(BOT_DEFAULTS)
    env.update(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": slack.api_url,
            "BASETEN_API_KEY": API_KEY,
            "BASETEN_API_URL": baseten.url,
            "ALLOWED_USER_IDS": USER_ID,
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }
    )
    if app_token is not None:
        env["SLACK_APP_TOKEN"] = app_token
    else:
        env["SLACK_SIGNING_SECRET"] = SIGNING_SECRET
    if port is not None:
        env["PORT"] = str(port)
    env.update(extra)
    return env


def free_port() -> int:
    """A port nothing listens on now (and, bound and released, one that refuses connections)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def health_status(port: int) -> int:
    conn = http.client.HTTPConnection(HOST, port, timeout=1.0)
    try:
        conn.request("GET", HEALTH_PATH)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def healthy(port: int) -> bool:
    with contextlib.suppress(OSError, http.client.HTTPException):
        return health_status(port) == 200
    return False


def wait_until(done: Callable[[], bool], timeout: float, poll: float = 0.005) -> bool:
    """Poll `done()` until it holds (True) or `timeout` s pass (False)."""
    end = time.monotonic() + timeout
    while not done():
        if time.monotonic() >= end:
            return False
        time.sleep(poll)
    return True


def kill(proc: subprocess.Popen[bytes] | None) -> None:
    """SIGKILL the bot if it is still running, and reap it."""
    if proc is not None and proc.poll() is None:
        proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(5)


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


class Deadline:
    """The time left for the measuring phases; waits are capped by it so nothing blocks past the budget."""

    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + seconds

    def left(self, cap: float | None = None) -> float:
        remaining = max(0.0, self._end - time.monotonic())
        return remaining if cap is None else min(cap, remaining)


class Watchdog:
    """The hard timeout: kills the bot (if any) and ends this process, whatever the main thread is blocked on."""

    def __init__(self, seconds: float, what: str = "the run") -> None:
        self.seconds = seconds
        self.what = what
        self.proc: subprocess.Popen[bytes] | None = None
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def start(self) -> Watchdog:
        self._timer.start()
        return self

    def cancel(self) -> None:
        self._timer.cancel()

    def _fire(self) -> None:
        print(f"{self.what} hit its hard timeout of {self.seconds:.0f} s; giving up", file=sys.stderr, flush=True)
        kill(self.proc)
        os._exit(3)
