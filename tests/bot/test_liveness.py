"""Socket Mode's liveness signal: HEALTH_FILE is touched while connected, and `python -m bot health` reads it."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.liveness import Liveness, check, run
from tests.bot.test_main import base_env
from tests.fakes.baseten import FakeBaseten
from tests.fakes.slack import FakeSlack
from tests.fakes.socket_mode import FakeSocketMode

APP_TOKEN = "xapp-1-A0APP00001-1234567890-0123456789abcdef"


def eventually(condition: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.02)
    raise AssertionError("the condition never held")


def test_the_file_is_touched_while_healthy_and_not_while_unhealthy(tmp_path: Path) -> None:
    path = tmp_path / "alive"
    healthy = threading.Event()
    healthy.set()
    liveness = Liveness(str(path), every=0.05)
    liveness.start(healthy.is_set)
    try:
        eventually(path.exists)
        healthy.clear()  # the connection is lost: no more touches, so the file ages
        time.sleep(0.1)
        seen = path.stat().st_mtime
        time.sleep(0.3)
        assert path.stat().st_mtime == seen
        healthy.set()
        eventually(lambda: path.stat().st_mtime > seen)
    finally:
        liveness.stop()
    assert not path.exists(), "a stopped bot leaves no file that vouches for it"


def test_a_file_left_by_an_earlier_process_is_removed_before_connecting(tmp_path: Path) -> None:
    path = tmp_path / "alive"
    path.touch()

    Liveness(str(path))

    assert not path.exists()


def test_check_says_alive_only_for_a_recent_file(tmp_path: Path) -> None:
    path = tmp_path / "alive"
    assert check(path, 30) == (False, f"not alive: {path} does not exist (not connected to Slack yet, or stopped)")
    path.touch()
    assert check(path, 30)[0]
    stale = time.time() - 45
    os.utime(path, (stale, stale))
    alive, line = check(path, 30)
    assert not alive
    assert "last seen alive 45 s ago (limit 30 s)" in line


def test_health_without_a_health_file_says_how_to_set_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("HEALTH_FILE", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here

    assert run([], out=io.StringIO()) == 2
    assert "HEALTH_FILE is not set" in capsys.readouterr().err


@pytest.fixture
def socket_mode() -> Iterator[FakeSocketMode]:
    fake = FakeSocketMode(ping_interval=0.05).start()
    yield fake
    fake.stop()


def health(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "health"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_a_socket_mode_bot_is_alive_while_connected_and_not_once_stopped(
    slack: FakeSlack, baseten: FakeBaseten, socket_mode: FakeSocketMode, tmp_path: Path
) -> None:
    slack.socket_url = socket_mode.url
    alive = tmp_path / "alive"
    env = base_env(slack, baseten, SLACK_APP_TOKEN=APP_TOKEN, HEALTH_FILE=str(alive), FOLLOW="false")
    del env["SLACK_SIGNING_SECRET"]
    with (tmp_path / "bot.log").open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot"], env=env, cwd=tmp_path, stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        eventually(alive.exists)
        assert socket_mode.connections_made == 1

        probe = health(env, tmp_path)
        assert probe.returncode == 0, probe.stdout + probe.stderr
        assert probe.stdout.startswith("alive: connected to Slack")

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)
    probe = health(env, tmp_path)
    assert probe.returncode == 1
    assert "does not exist" in probe.stdout
