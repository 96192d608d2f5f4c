"""`python -m bot` as a real process: start-up checks, and a graceful shutdown that finishes in-flight work."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ALLOWED_USER
from tests.fakes.baseten import API_KEY, FakeBaseten
from tests.fakes.slack import BOT_TOKEN, FakeSlack
from tests.signing import SIGNING_SECRET, command_body, signed_headers

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GRACE_SECONDS = 10


def base_env(slack: FakeSlack, baseten: FakeBaseten, **extra: str) -> dict[str, str]:
    """A clean environment: nothing leaks in from the developer's shell or a .env file."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(PROJECT_ROOT),
        "PYTHONUNBUFFERED": "1",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "BASETEN_API_KEY": API_KEY,
        "BASETEN_API_URL": baseten.url,
        "ALLOWED_USER_IDS": ALLOWED_USER,
        "SHUTDOWN_GRACE_SECONDS": str(GRACE_SECONDS),
        # Recreate straight away, as the harness does: no preview to confirm first.
        "CONFIRM": "never",
    }
    env.update(extra)
    return env


def run_bot(env: dict[str, str], cwd: Path, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot"], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def secrets() -> list[str]:
    return [BOT_TOKEN, API_KEY, SIGNING_SECRET]


# --- start-up checks ---------------------------------------------------------------------------------------------


def test_a_missing_bot_token_stops_start_up_with_one_line_naming_it(
    slack: FakeSlack, baseten: FakeBaseten, tmp_path: Path
) -> None:
    env = base_env(slack, baseten)
    del env["SLACK_BOT_TOKEN"]

    result = run_bot(env, tmp_path)

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "SLACK_BOT_TOKEN" in lines[0]
    for secret in secrets():
        assert secret not in result.stdout + result.stderr
    assert slack.calls == []


def test_a_token_slack_rejects_stops_start_up_with_one_line_and_no_token(
    slack: FakeSlack, baseten: FakeBaseten, tmp_path: Path
) -> None:
    slack.auth = {"ok": False, "error": "invalid_auth"}

    result = run_bot(base_env(slack, baseten), tmp_path)

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "invalid_auth" in lines[0]
    assert "SLACK_BOT_TOKEN" in lines[0]
    for secret in secrets():
        assert secret not in result.stdout + result.stderr
    assert [call.kind for call in slack.calls] == ["auth.test"]
    assert baseten.seen == []


def test_a_malformed_setting_is_named_without_printing_secrets(
    slack: FakeSlack, baseten: FakeBaseten, tmp_path: Path
) -> None:
    result = run_bot(base_env(slack, baseten, ALLOWED_USER_IDS="alice"), tmp_path)

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "ALLOWED_USER_IDS" in lines[0]
    for secret in secrets():
        assert secret not in result.stdout + result.stderr


def test_an_unreachable_slack_stops_start_up_with_one_line(
    slack: FakeSlack, baseten: FakeBaseten, tmp_path: Path
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]

    result = run_bot(base_env(slack, baseten, SLACK_API_URL=f"http://127.0.0.1:{closed}/api/"), tmp_path)

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "could not reach Slack" in lines[0]
    for secret in secrets():
        assert secret not in result.stdout + result.stderr


# --- graceful shutdown -------------------------------------------------------------------------------------------


class Running:
    def __init__(self, process: subprocess.Popen[str], url: str, output: Path) -> None:
        self.process = process
        self.url = url
        self.output = output
        self.http = httpx.Client(base_url=url, timeout=5)

    def log(self) -> str:
        return self.output.read_text(errors="replace")

    def wait_for_health(self, status: int, timeout: float = 15, every: float = 0.05) -> None:
        """Poll /healthz until it answers `status` (the process must stay up meanwhile)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"the bot exited early:\n{self.log()}"
            try:
                if self.http.get("/healthz").status_code == status:
                    return
            except httpx.TransportError:
                pass
            time.sleep(every)
        raise AssertionError(f"/healthz never answered {status}:\n{self.log()}")

    def command(self, text: str, name: str, slack: FakeSlack) -> httpx.Response:
        body = command_body(text, response_url=slack.response_url(name))
        return self.http.post("/slack/events", content=body.encode(), headers=signed_headers(body))


@pytest.fixture
def grace_seconds() -> int:
    return GRACE_SECONDS


@pytest.fixture
def running(slack: FakeSlack, baseten: FakeBaseten, tmp_path: Path, grace_seconds: int) -> Iterator[Running]:
    port = free_port()
    output = tmp_path / "bot.log"
    with output.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot"],
            env=base_env(slack, baseten, PORT=str(port), SHUTDOWN_GRACE_SECONDS=str(grace_seconds)),
            cwd=tmp_path,
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
        )
    bot = Running(process, f"http://127.0.0.1:{port}", output)
    try:
        yield bot
    finally:
        bot.http.close()
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)


def test_sigterm_finishes_the_recreate_in_flight_refuses_new_work_and_exits_cleanly(
    running: Running, slack: FakeSlack, baseten: FakeBaseten
) -> None:
    running.wait_for_health(200)
    baseten.delays["recreate"] = 1.5

    ack = running.command("p7qr9qv", "inflight", slack)
    assert ack.status_code == 200, running.log()
    assert "Recreating `p7qr9qv`" in ack.json()["text"]
    running.process.send_signal(signal.SIGTERM)
    stopped_at = time.monotonic()

    # While draining, the server still answers: unhealthy, and new commands are turned away politely.
    running.wait_for_health(503, timeout=5)
    late = running.command("q9w8e7r", "late", slack)
    assert late.status_code == 200
    assert "restarting" in late.json()["text"]

    code = running.process.wait(timeout=GRACE_SECONDS + 5)
    assert code == 0, running.log()
    assert time.monotonic() - stopped_at < GRACE_SECONDS
    created = baseten.created()
    assert len(created) == 1
    assert created[0]["recreated_from"] == "p7qr9qv"
    card = slack.wait_for_count("chat.postMessage", timeout=1)[0]
    assert created[0]["id"] in card.params["text"]
    assert len(baseten.calls("recreate")) == 1
    assert all("q9w8e7r" not in seen.path and "q9w8e7r" not in str(seen.body) for seen in baseten.seen)
    output = running.log()
    for secret in secrets():
        assert secret not in output


def test_sigterm_as_soon_as_the_bot_answers_is_still_a_clean_shutdown(running: Running) -> None:
    # A deploy can stop a pod the moment it turns healthy; a command acked by then must not die with it.
    running.wait_for_health(200, every=0.002)
    running.process.send_signal(signal.SIGTERM)

    code = running.process.wait(timeout=GRACE_SECONDS + 5)

    assert code == 0, f"killed by the signal instead of draining:\n{running.log()}"
    assert "all in-flight recreates finished" in running.log()


@pytest.mark.parametrize("grace_seconds", [1])
def test_a_recreate_outlasting_the_grace_period_is_named_in_the_log_and_never_reported_as_not_created(
    running: Running, slack: FakeSlack, baseten: FakeBaseten
) -> None:
    baseten.delays["recreate"] = 3.0  # longer than SHUTDOWN_GRACE_SECONDS=1
    running.wait_for_health(200, every=0.002)  # the command arrives as soon as the bot answers

    ack = running.command("p7qr9qv", "slow", slack)
    assert "Recreating `p7qr9qv`" in ack.json()["text"]
    running.process.send_signal(signal.SIGTERM)

    code = running.process.wait(timeout=15)
    output = running.log()
    assert code == 0, output
    assert "1 recreates still in flight" in output
    assert "p7qr9qv" in output.split("still in flight", 1)[1].splitlines()[0]
    created = baseten.created()
    assert len(created) == 1  # Baseten did make the job
    # ...so nobody may be told that nothing was created (they would run it again), and its ID is not lost.
    told = [str(call.params.get("text", "")) for call in slack.calls]
    assert not any("nothing was created" in text.lower() for text in told), told
    assert any(created[0]["id"] in text for text in told) or created[0]["id"] in output
