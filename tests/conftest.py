from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from slack_bolt import BoltResponse
from slack_bolt.request import BoltRequest

from bot.app import Bot, Collaborators, build
from bot.settings import Settings, load_settings
from tests.fakes.baseten import API_KEY, FakeBaseten
from tests.fakes.slack import BOT_TOKEN, FakeSlack
from tests.postgres import postgres_database, postgres_url  # noqa: F401  # fixtures for every test
from tests.signing import SIGNING_SECRET, action_body, command_body, signed_headers

ALLOWED_USER = "UALLOWED01"


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def baseten() -> Iterator[FakeBaseten]:
    fake = FakeBaseten().start()
    fake.add_job()
    yield fake
    fake.stop()


def make_settings(slack: FakeSlack, baseten: FakeBaseten, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "_env_file": None,
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": slack.api_url,
        "baseten_api_key": API_KEY,
        "baseten_api_url": baseten.url,
        "allowed_user_ids": ALLOWED_USER,
        "database_url": "sqlite:///:memory:",
        "confirm": "never",
    }
    values.update(overrides)
    return load_settings(**values)


class Harness:
    """The real app wired to the fakes; `command()` sends a signed slash command through it."""

    def __init__(self, bot: Bot, slack: FakeSlack, baseten: FakeBaseten) -> None:
        self.bot = bot
        self.slack = slack
        self.baseten = baseten
        self._sent = 0

    def command(self, text: str, *, headers: dict[str, str] | None = None, **fields: Any) -> tuple[BoltResponse, str]:
        """Dispatch a signed command; returns Slack's HTTP response and the response_url it carried."""
        self._sent += 1
        response_url = self.slack.response_url(f"cmd{self._sent}")
        fields.setdefault("response_url", response_url)
        body = command_body(text, **fields)
        request = BoltRequest(body=body, headers=headers or signed_headers(body))
        return self.bot.app.dispatch(request), fields["response_url"]

    def click(self, action_id: str, value: str, **fields: Any) -> BoltResponse:
        """Dispatch a signed button click; its response_url is `click<n>` on the fake Slack unless given."""
        self._sent += 1
        fields.setdefault("response_url", self.slack.response_url(f"click{self._sent}"))
        body = action_body(action_id, value, **fields)
        return self.bot.app.dispatch(BoltRequest(body=body, headers=signed_headers(body)))

    def drain(self) -> None:
        """Wait for background work to finish (the runner then refuses new work), then for the side lane and the
        audit channel."""
        assert self.bot.runner.drain(10) == []
        if self.bot.lane is not None:
            self.bot.lane.wait_idle()
        if self.bot.audit_channel is not None:
            self.bot.audit_channel.wait_idle()


def ack_text(response: BoltResponse) -> str:
    body = json.loads(response.body) if response.body else {}
    return str(body.get("text", ""))


@pytest.fixture
def harness_factory(slack: FakeSlack, baseten: FakeBaseten) -> Iterator[Callable[..., Harness]]:
    bots: list[Bot] = []

    def make(collaborators: Collaborators | None = None, **overrides: Any) -> Harness:
        parts = collaborators or Collaborators(sleep=lambda _s: None, baseten_timeout=httpx.Timeout(2.0, read=1.0))
        bot = build(make_settings(slack, baseten, **overrides), parts)
        bots.append(bot)
        return Harness(bot, slack, baseten)

    yield make
    for bot in bots:
        bot.runner.drain(5)
        bot.close()


@pytest.fixture
def harness(harness_factory: Callable[..., Harness]) -> Harness:
    return harness_factory()
