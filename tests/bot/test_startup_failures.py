"""Every way `python -m bot` can fail to start, made to happen to the real process: each ends within 10 s with
exit status 2 and a few lines saying what is wrong and what to do; never a traceback, never a secret."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bot.test_main import base_env, free_port, secrets
from tests.fakes.baseten import FakeBaseten
from tests.fakes.slack import FakeSlack
from tests.fakes.socket_mode import FakeSocketMode

APP_TOKEN = "xapp-1-A0APP00001-1234567890-0123456789abcdef"
# The subprocess timeout is the promise: a start-up failure is reported within 10 s, or the test fails.
WITHIN = 10


def start(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - this interpreter, our module, arguments from the tests
        [sys.executable, "-m", "bot", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=WITHIN,
        check=False,
    )


def failure(result: subprocess.CompletedProcess[str], most: int = 2) -> str:
    """The process failed as promised; returns everything it printed."""
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert len(output.strip().splitlines()) <= most, output
    assert "Traceback" not in output
    for secret in [*secrets(), APP_TOKEN]:
        assert secret not in output
    return output


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def socket_env(slack: FakeSlack, baseten: FakeBaseten, **extra: str) -> dict[str, str]:
    env = base_env(slack, baseten, SLACK_APP_TOKEN=APP_TOKEN, **extra)
    del env["SLACK_SIGNING_SECRET"]
    return env


@pytest.fixture
def socket_mode() -> Iterator[FakeSocketMode]:
    fake = FakeSocketMode(ping_interval=0.05).start()
    yield fake
    fake.stop()


def test_every_bad_setting_is_named_in_one_run_with_its_fix(
    slack: FakeSlack, baseten: FakeBaseten, tmp_path: Path
) -> None:
    env = base_env(slack, baseten, ALLOWED_USER_IDS="@alice", CONFIRM="sometimes", CONFIRM_TTL="10m")
    env["ALLOWED_CHANNEL_IDS"] = "ml-oncall"
    del env["BASETEN_API_KEY"]

    output = failure(start(env, tmp_path), most=6)

    lines = output.strip().splitlines()
    assert lines[0] == "Configuration error: 5 settings need fixing:"
    assert "BASETEN_API_KEY is missing: create one in Baseten under Settings → API keys" in output
    assert "ALLOWED_USER_IDS '@alice' is not a Slack user ID" in output
    assert "Copy member ID" in output
    assert "ALLOWED_CHANNEL_IDS 'ml-oncall'" in output
    assert "CONFIRM 'sometimes' is not one of always, active, never" in output
    assert "CONFIRM_TTL '10m' is not a number of seconds: set it to seconds from 30 to 1800, e.g. 600" in output
    assert slack.calls == []


def test_a_baseten_url_ending_in_v1_is_named_as_the_url(slack: FakeSlack, baseten: FakeBaseten, tmp_path: Path) -> None:
    output = failure(start(base_env(slack, baseten, BASETEN_API_URL=f"{baseten.url}/v1"), tmp_path), most=1)

    assert output.startswith("Configuration error: BASETEN_API_URL ")
    assert f"use {baseten.url}" in output


def test_a_port_in_use_is_one_line_saying_so(slack: FakeSlack, baseten: FakeBaseten, tmp_path: Path) -> None:
    port = free_port()
    with socket.create_server(("0.0.0.0", port)):
        output = failure(start(base_env(slack, baseten, PORT=str(port)), tmp_path))

    assert f"cannot listen on PORT={port}: another process is listening on it" in output
    assert "set PORT to a free port" in output


def test_an_unreachable_slack_is_one_line_without_the_sdks_retries(
    slack: FakeSlack, baseten: FakeBaseten, tmp_path: Path
) -> None:
    env = base_env(slack, baseten, SLACK_API_URL=f"http://127.0.0.1:{closed_port()}/api/")

    output = failure(start(env, tmp_path), most=1)

    assert output.startswith("Start-up error: could not reach Slack at SLACK_API_URL=")
    assert "Connection refused" in output
    assert "retry" not in output.lower()


def test_a_slack_that_never_answers_is_reported_within_seconds(
    slack: FakeSlack, baseten: FakeBaseten, tmp_path: Path
) -> None:
    slack.slow("auth.test", seconds=WITHIN, times=3)

    output = failure(start(base_env(slack, baseten), tmp_path), most=1)

    assert output.startswith("Start-up error: could not reach Slack at SLACK_API_URL=")
    assert "timed out" in output


def test_an_address_that_is_not_slack_is_named(slack: FakeSlack, baseten: FakeBaseten, tmp_path: Path) -> None:
    output = failure(start(base_env(slack, baseten, SLACK_API_URL=f"{baseten.url}/"), tmp_path), most=1)

    assert "did not answer like Slack's Web API (HTTP 401)" in output


def test_an_app_token_slack_rejects_is_one_line_with_the_fix(
    slack: FakeSlack, baseten: FakeBaseten, tmp_path: Path
) -> None:
    slack.fail("apps.connections.open", "invalid_auth")

    output = failure(start(socket_env(slack, baseten), tmp_path))

    assert "SLACK_APP_TOKEN was rejected by Slack (invalid_auth)" in output
    assert "App-Level Tokens" in output
    assert "connected" not in output


def test_a_socket_that_never_opens_is_reported_and_never_logged_as_connected(
    slack: FakeSlack, baseten: FakeBaseten, tmp_path: Path
) -> None:
    slack.socket_url = f"ws://127.0.0.1:{closed_port()}/link/?ticket=t"

    output = failure(start(socket_env(slack, baseten), tmp_path))

    assert "Socket Mode connection did not open" in output
    assert "Connection refused" in output
    assert "connected to Slack" not in output


def test_socket_mode_says_connected_once_the_socket_is_open(
    slack: FakeSlack, baseten: FakeBaseten, socket_mode: FakeSocketMode, tmp_path: Path
) -> None:
    slack.socket_url = socket_mode.url
    log = tmp_path / "bot.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--socket"],
            env=socket_env(slack, baseten, FOLLOW="false"),
            cwd=tmp_path,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        socket_mode.wait_connected(timeout=WITHIN)
        socket_mode.wait_until(lambda: "connected to Slack" in log.read_text(), WITHIN, "the log line")
    finally:
        process.terminate()
        process.wait(timeout=WITHIN)
    assert "Socket Mode: connected to Slack" in log.read_text()


@pytest.mark.parametrize(
    ("args", "missing", "other"),
    [(["serve", "--http"], "SLACK_SIGNING_SECRET", "worker"), (["serve", "--socket"], "SLACK_APP_TOKEN", "web")],
)
def test_a_procfile_process_without_its_modes_credential_says_which_to_scale(
    slack: FakeSlack, baseten: FakeBaseten, tmp_path: Path, args: list[str], missing: str, other: str
) -> None:
    env = socket_env(slack, baseten) if missing == "SLACK_SIGNING_SECRET" else base_env(slack, baseten)

    output = failure(start(env, tmp_path, *args), most=1)

    assert f"{missing} is missing" in output
    assert f"scale the {other} process" in output
    assert slack.calls == []
