"""A liveness signal for Socket Mode, which has no port to probe: HEALTH_FILE, touched while connected.

`python -m bot health` checks the file's age, for a platform's liveness probe or a container HEALTHCHECK.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TextIO

from pydantic_settings import BaseSettings, SettingsConfigDict

TOUCH_EVERY = 5.0
"""Seconds between touches while healthy."""
MAX_AGE = 30.0
"""How old the file may be before `health` reports the bot dead: several missed touches, so one slow
reconnect (Slack recycles connections every few hours) does not fail the probe."""


class Liveness:
    """Touches `path` every `every` seconds while `healthy()` holds; removes it when stopped. No path: no-op."""

    def __init__(self, path: str | None, *, every: float = TOUCH_EVERY) -> None:
        self._path = Path(path) if path else None
        self._every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # A file left by an earlier process must not vouch for this one before it has connected.
        self._remove()

    def start(self, healthy: Callable[[], bool]) -> None:
        if self._path is None:
            return
        self._thread = threading.Thread(target=self._run, args=(healthy,), name="liveness", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """No longer alive (shutting down): the file goes at once, so a probe does not wait for it to age."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self._every + 1)
        self._remove()

    def _run(self, healthy: Callable[[], bool]) -> None:
        assert self._path is not None
        while not self._stop.is_set():
            if healthy():
                with contextlib.suppress(OSError):  # a full or read-only disk must not stop the bot
                    self._path.touch()
            self._stop.wait(self._every)

    def _remove(self) -> None:
        if self._path is not None:
            with contextlib.suppress(OSError):
                self._path.unlink(missing_ok=True)


class _HealthSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    health_file: str = ""


def check(path: Path, max_age: float, now: float | None = None) -> tuple[bool, str]:
    """Whether the file was touched within `max_age` seconds, and a line saying so."""
    try:
        age = (time.time() if now is None else now) - path.stat().st_mtime
    except FileNotFoundError:
        return False, f"not alive: {path} does not exist (not connected to Slack yet, or stopped)"
    except OSError as error:
        return False, f"not alive: cannot read {path} ({error.strerror})"
    if age > max_age:
        return False, f"not alive: the Slack connection was last seen alive {age:.0f} s ago (limit {max_age:g} s)"
    return True, f"alive: connected to Slack {max(age, 0):.0f} s ago"


def run(argv: Iterable[str], *, out: TextIO = sys.stdout) -> int:
    """`python -m bot health [--max-age S]`: exit 0 when alive, 1 when not, 2 when HEALTH_FILE is unset."""
    parser = argparse.ArgumentParser(prog="python -m bot health", description="Liveness check for Socket Mode.")
    parser.add_argument("--max-age", type=float, default=MAX_AGE, help=f"seconds (default {MAX_AGE:g})")
    args = parser.parse_args(list(argv))
    path = _HealthSettings().health_file.strip()
    if not path:
        print("HEALTH_FILE is not set: set it to a writable path, e.g. /tmp/recreate-job.alive", file=sys.stderr)
        return 2
    alive, line = check(Path(path), args.max_age)
    print(line, file=out)
    return 0 if alive else 1
