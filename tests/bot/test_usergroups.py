"""`python -m bot usergroups`: the IDs Slack's UI hides, listed with only SLACK_BOT_TOKEN set."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from bot.usergroups import SlackAccess, run
from tests.bot.test_main import PROJECT_ROOT
from tests.fakes.slack import BOT_TOKEN, FakeSlack


def listing(slack: FakeSlack, **settings: str) -> tuple[int, str]:
    out = io.StringIO()
    values = {"slack_bot_token": BOT_TOKEN, "slack_api_url": slack.api_url, **settings}
    status = run(out=out, loader=lambda: SlackAccess(_env_file=None, **values))  # type: ignore[arg-type]
    return status, out.getvalue()


def test_each_group_is_listed_with_its_id_and_handle(slack: FakeSlack) -> None:
    slack.usergroups = {"S0ONCALL1": ["U1", "U2"], "S0MLTEAM2": ["U3"]}

    status, out = listing(slack)

    assert status == 0
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["S0MLTEAM2", "@s0mlteam2"]
    assert "(1 members)" in lines[0]
    assert lines[1].split()[:2] == ["S0ONCALL1", "@s0oncall1"]
    assert "ALLOWED_USERGROUP_IDS" in lines[-1]
    assert BOT_TOKEN not in out


def test_a_token_without_the_scope_says_which_scope(slack: FakeSlack, capsys: pytest.CaptureFixture[str]) -> None:
    slack.fail("usergroups.list", "missing_scope")

    status, _ = listing(slack)

    assert status == 1
    assert "usergroups:read" in capsys.readouterr().err


def test_it_runs_with_only_the_bot_token_set(slack: FakeSlack, tmp_path: Path) -> None:
    slack.usergroups = {"S0ONCALL1": ["U1"]}
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT_ROOT), "SLACK_BOT_TOKEN": BOT_TOKEN}
    env["SLACK_API_URL"] = slack.api_url

    result = subprocess.run(
        [sys.executable, "-m", "bot", "usergroups"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("S0ONCALL1  @s0oncall1")
