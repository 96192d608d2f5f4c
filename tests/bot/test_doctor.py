"""`python -m bot doctor` against the fake Slack and Baseten: each check failing in turn while the others pass."""

from __future__ import annotations

import io
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient

from bot import doctor
from bot.settings import Settings, load_settings
from bot.store.schema import SCHEMA_VERSION
from tests.conftest import make_settings
from tests.fakes.baseten import API_KEY, FakeBaseten
from tests.fakes.slack import BOT_TOKEN, TEAM_ID, FakeSlack
from tests.signing import SIGNING_SECRET

APP_TOKEN = "xapp-1-A0APP00001-1234567890-app-token-secret"
WRONG_KEY = "bt-wrong-key-987654"
GROUP = "S0ENGINEER"
AUDIT_CHANNEL = "C0AUDIT001"
ALL_SCOPES = ["commands", "chat:write", "chat:write.public", "usergroups:read", "im:write"]
SECRETS = (BOT_TOKEN, SIGNING_SECRET, APP_TOKEN, API_KEY, WRONG_KEY)


class Report:
    def __init__(self, status: int, text: str) -> None:
        self.status = status
        self.text = text
        self.lines = text.splitlines()

    def line(self, name: str) -> str:
        found = [line for line in self.lines if line[5:].startswith(f"{name}:")]
        assert len(found) == 1, f"no single line for {name!r}:\n{self.text}"
        return found[0]

    @property
    def failed(self) -> list[str]:
        return [line for line in self.lines if line.startswith("FAIL")]


Doctor = Callable[..., Report]


@pytest.fixture
def healthy(slack: FakeSlack, baseten: FakeBaseten, tmp_path: Path) -> dict[str, Any]:
    """A Socket Mode install using every optional feature, with Slack and Baseten set up to match it."""
    slack.auth = {**slack.auth, "team": "Example Co"}
    slack.scopes = list(ALL_SCOPES)
    slack.usergroups[GROUP] = ["U0MEMBER01", "U0MEMBER02"]
    baseten.add_job("k2m8x4p", "w8fa1l5", project_name="whisper-distill")
    return {
        "slack_app_token": APP_TOKEN,
        "slack_team_id": TEAM_ID,
        "allowed_usergroup_ids": GROUP,
        "audit_channel_id": AUDIT_CHANNEL,
        "database_url": f"sqlite:///{tmp_path / 'audit.db'}",
    }


@pytest.fixture
def run_doctor(slack: FakeSlack, baseten: FakeBaseten, healthy: dict[str, Any]) -> Doctor:
    def run(
        settings_loader: Callable[[], Settings] | None = None, *, web_client: WebClient | None = None, **overrides: Any
    ) -> Report:
        def loader() -> Settings:
            return make_settings(slack, baseten, **{**healthy, **overrides})

        out = io.StringIO()
        status = doctor.run(out=out, settings_loader=settings_loader or loader, web_client=web_client)
        report = Report(status, out.getvalue())
        for secret in SECRETS:
            assert secret not in report.text, "the doctor printed a secret"
        return report

    return run


def only_failure(report: Report, name: str) -> str:
    """The one failing check, which must be `name`; the exit status says the install is broken."""
    assert report.status == 1
    assert len(report.failed) == 1, report.text
    line = report.line(name)
    assert line.startswith("FAIL "), report.text
    return line


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_a_healthy_install_passes_every_check(run_doctor: Doctor, slack: FakeSlack) -> None:
    report = run_doctor()

    assert report.status == 0
    checks, summary = report.lines[:-1], report.lines[-1]
    assert all(line.startswith("ok   ") for line in checks), report.text
    assert [line[5:].partition(":")[0] for line in checks] == [
        "settings",
        "Slack bot token",
        "Slack app token",
        "Baseten API key",
        "allowlist",
        f"user group {GROUP}",
        "audit store",
        "GPU budget",
        "audit channel",
    ]
    assert summary == "9 passed, 0 failed"
    assert "socket mode" in report.line("settings")
    assert "Example Co (T0TEAM0001)" in report.line("Slack bot token")
    assert "2 training projects visible" in report.line("Baseten API key")
    assert "exists, 2 members" in report.line(f"user group {GROUP}")
    [posted] = slack.of("chat.postMessage")
    assert posted.params["channel"] == AUDIT_CHANNEL


def test_missing_settings_are_one_failure_naming_the_variable(
    run_doctor: Doctor, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.lower() in Settings.model_fields:
            monkeypatch.delenv(name)

    report = run_doctor(
        lambda: load_settings(_env_file=None, slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET)
    )

    assert report.status == 1
    assert report.lines == [
        "FAIL settings: BASETEN_API_KEY is missing: create one in Baseten under Settings → API keys"
    ]
    assert slack.calls == [], "nothing is checked against Slack without settings"


def test_a_malformed_secret_is_named_without_printing_its_value(run_doctor: Doctor) -> None:
    report = run_doctor(slack_bot_token=APP_TOKEN)

    assert report.status == 1
    assert len(report.lines) == 1
    assert report.lines[0].startswith("FAIL settings: SLACK_BOT_TOKEN must be a bot token starting with xoxb-; ")
    assert APP_TOKEN not in report.lines[0]


def test_a_rejected_bot_token(run_doctor: Doctor, slack: FakeSlack) -> None:
    slack.auth = {"ok": False, "error": "invalid_auth"}

    line = only_failure(run_doctor(), "Slack bot token")

    assert "invalid_auth" in line
    assert "set SLACK_BOT_TOKEN" in line


def test_a_bot_token_without_the_needed_scopes(run_doctor: Doctor, slack: FakeSlack) -> None:
    slack.scopes = ["commands", "chat:write"]

    line = only_failure(run_doctor(), "Slack bot token")

    assert "missing scopes chat:write.public, usergroups:read" in line
    assert "reinstall the app" in line


def test_usergroups_read_is_only_needed_when_user_groups_are_allowed(run_doctor: Doctor, slack: FakeSlack) -> None:
    slack.scopes = ["commands", "chat:write", "chat:write.public"]

    report = run_doctor(allowed_usergroup_ids="")

    assert report.status == 0, report.text
    assert report.line("Slack bot token").startswith("ok ")


def test_a_bot_token_from_another_workspace(run_doctor: Doctor) -> None:
    line = only_failure(run_doctor(slack_team_id="T0ELSEWHERE"), "Slack bot token")

    assert "T0TEAM0001" in line
    assert "SLACK_TEAM_ID is T0ELSEWHERE" in line


def test_slack_unreachable_points_at_the_network_not_at_the_tokens(run_doctor: Doctor) -> None:
    url = f"http://127.0.0.1:{closed_port()}/api/"
    # Without the app's connection-error retries, so the test does not wait through them.
    client = WebClient(token=BOT_TOKEN, base_url=url, timeout=5)

    report = run_doctor(slack_api_url=url, web_client=client)

    assert report.status == 1
    slack_checks = ["Slack bot token", "Slack app token", f"user group {GROUP}", "audit channel"]
    assert sorted(line[5:].partition(":")[0] for line in report.failed) == sorted(slack_checks)
    for name in slack_checks:
        line = report.line(name)
        assert "could not reach Slack" in line
        assert f"SLACK_API_URL={url}" in line
        assert "set SLACK_" not in line, "a token is not the fix when Slack cannot be reached"
    assert report.line("Baseten API key").startswith("ok ")


def test_a_socket_mode_app_token_that_slack_rejects(run_doctor: Doctor, slack: FakeSlack) -> None:
    slack.fail("apps.connections.open", "invalid_auth")

    line = only_failure(run_doctor(), "Slack app token")

    assert "invalid_auth" in line
    assert "set SLACK_APP_TOKEN" in line


def test_a_socket_mode_app_token_that_works(run_doctor: Doctor, slack: FakeSlack) -> None:
    report = run_doctor()

    assert report.line("Slack app token") == "ok   Slack app token: Socket Mode connections can be opened"
    assert len(slack.of("apps.connections.open")) == 1


def test_http_mode_has_no_app_token_to_check(run_doctor: Doctor, slack: FakeSlack) -> None:
    report = run_doctor(slack_app_token=None)

    assert report.status == 0, report.text
    assert "http mode" in report.line("settings")
    assert not any("Slack app token" in line for line in report.lines)
    assert slack.of("apps.connections.open") == []


def test_a_baseten_key_that_baseten_rejects(run_doctor: Doctor) -> None:
    line = only_failure(run_doctor(baseten_api_key=WRONG_KEY), "Baseten API key")

    assert "rejected (HTTP 401)" in line
    assert "set BASETEN_API_KEY" in line


def test_baseten_unreachable(run_doctor: Doctor) -> None:
    url = f"http://127.0.0.1:{closed_port()}"

    line = only_failure(run_doctor(baseten_api_url=url), "Baseten API URL")

    assert "Could not connect to Baseten" in line
    assert f"BASETEN_API_URL={url}" in line


def test_a_baseten_url_with_a_wrong_path_is_named_as_the_url_not_the_key(
    run_doctor: Doctor, baseten: FakeBaseten
) -> None:
    line = only_failure(run_doctor(baseten_api_url=f"{baseten.url}/api"), "Baseten API URL")

    assert f"BASETEN_API_URL={baseten.url}/api has no /v1/training_projects (HTTP 404)" in line
    assert "e.g. https://api.baseten.co" in line


def test_a_baseten_url_ending_in_v1_is_refused_as_the_url(run_doctor: Doctor, baseten: FakeBaseten) -> None:
    report = run_doctor(baseten_api_url=f"{baseten.url}/v1")

    assert report.status == 1
    [line] = report.lines
    assert line.startswith("FAIL settings: BASETEN_API_URL ")
    assert f"ends in /v1, which the bot adds to every call itself: use {baseten.url}" in line
    assert "key" not in line.lower()


def test_no_allowlist_means_nobody_may_recreate(run_doctor: Doctor) -> None:
    line = only_failure(run_doctor(allowed_user_ids="", allowed_usergroup_ids=""), "allowlist")

    assert "nobody may recreate jobs" in line
    assert "ALLOWED_USER_IDS" in line


def test_an_allowed_user_group_that_does_not_exist(run_doctor: Doctor) -> None:
    report = run_doctor(allowed_usergroup_ids=f"{GROUP},S0NOSUCH01")

    line = only_failure(report, "user group S0NOSUCH01")
    assert "no_such_subteam" in line
    assert "check ALLOWED_USERGROUP_IDS" in line
    assert report.line(f"user group {GROUP}").startswith("ok ")


def test_a_store_that_cannot_be_written(run_doctor: Doctor, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a directory")

    line = only_failure(run_doctor(database_url=f"sqlite:///{tmp_path / 'a-file' / 'audit.db'}"), "audit store")

    assert "fix DATABASE_URL" in line


def test_the_doctor_shows_the_limits_and_what_was_used_in_the_last_hour(run_doctor: Doctor) -> None:
    line = run_doctor(recreate_limit_per_user="5", gpu_limit_per_hour="64").line("GPU budget")

    assert line.startswith("ok ")
    assert "0 recreates, 0 GPUs of GPU_LIMIT_PER_HOUR=64" in line and "RECREATE_LIMIT_PER_USER=5" in line


def test_an_audit_channel_the_bot_cannot_post_in(run_doctor: Doctor, slack: FakeSlack) -> None:
    slack.fail("chat.postMessage", "not_in_channel")

    line = only_failure(run_doctor(), "audit channel")

    assert "not_in_channel" in line
    assert f"invite the bot to {AUDIT_CHANNEL}" in line


def test_an_audit_channel_the_bot_can_post_in(run_doctor: Doctor) -> None:
    assert run_doctor().line("audit channel") == f"ok   audit channel: posted a test line in {AUDIT_CHANNEL}"


def test_the_doctor_checks_a_postgres_store_without_printing_its_password(
    run_doctor: Doctor, postgres_url: str
) -> None:
    # Trust authentication ignores the password; the doctor must still never show it.
    with_password = postgres_url.replace("postgresql://postgres@", "postgres://postgres:hunter2-db-secret@")
    report = run_doctor(database_url=with_password)

    line = report.line("audit store")
    assert line.startswith("ok   "), report.text
    assert "postgresql://postgres:***@" in line
    assert f"schema version {SCHEMA_VERSION}" in line
    assert "hunter2-db-secret" not in report.text


def test_the_doctor_names_an_unreachable_postgres_server_without_its_password(run_doctor: Doctor) -> None:
    url = f"postgresql://bot:hunter2-db-secret@127.0.0.1:{closed_port()}/audit"
    line = only_failure(run_doctor(database_url=url), "audit store")

    assert "postgresql://bot:***@127.0.0.1" in line
    assert "hunter2-db-secret" not in line
