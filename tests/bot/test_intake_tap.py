"""Intake.tap, the one way in for every tap: what the tapper is told, what is recorded, and what starts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from bot.access import AccessPolicy
from bot.audit import AuditTrail
from bot.intake import Intake
from bot.intake_outcomes import Tapped
from bot.messages import Message
from bot.records import AttemptRecord, Outcome, Verdict
from bot.recreate import RecreateRequest, RecreateService, Rules
from bot.requester import Requester
from bot.runner import Runner
from bot.settings import ConfirmMode
from bot.store import SqliteAuditStore

ALLOWED, OUTSIDER = "UALLOWED01", "UOUTSIDE01"


class Service:
    """Stands in for RecreateService: counts what was started, and when, beside what was said."""

    rules = Rules(confirm=ConfirmMode.ALWAYS)

    def __init__(self, events: list[str]) -> None:
        self.events = events

    def start(self, request: RecreateRequest, record: AttemptRecord) -> None:
        self.events.append(f"started {record.request_id}")


class CountingRunner(Runner):
    def __init__(self) -> None:
        super().__init__(workers=1)
        self.submitted: list[str] = []

    def submit(self, work: Callable[[], object], label: str) -> bool:
        self.submitted.append(label)
        return super().submit(work, label)


class World:
    def __init__(self, store: SqliteAuditStore) -> None:
        self.events: list[str] = []
        self.store = store
        self.runner = CountingRunner()
        service = cast(RecreateService, Service(self.events))
        self.intake = Intake(AccessPolicy(user_ids=[ALLOWED]), service, self.runner, AuditTrail(store))

    def tell(self, message: Message) -> None:
        self.events.append(f"told {message.text}")

    def request(self, user_id: str = ALLOWED, response_url: str | None = "https://hooks.example/r") -> RecreateRequest:
        who = Requester(user_id, "CCHANNEL01", None, response_url)
        return RecreateRequest("req000000001", who, "p7qr9qv", "n4q95w5", "link unfurl: n4q95w5/p7qr9qv")


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    store = SqliteAuditStore(tmp_path / "audit.db")
    made = World(store)
    yield made
    made.runner.drain(5)
    store.close()


def test_an_allowed_tap_is_told_what_comes_then_recorded_and_started_here_not_queued_again(world: World) -> None:
    result = world.intake.tap(world.request(), None, world.tell, hint="p7qr9qv")

    assert result.tapped is Tapped.STARTED
    assert world.events == [f"told {result.message.text}", "started req000000001"]
    assert "Looking up" in result.message.text
    stored = world.store.get("req000000001")
    assert stored is not None and stored.decision is Verdict.ALLOWED and stored.origin == "slack"
    assert world.runner.submitted == []  # the tap already holds its place on the runner


def test_a_refused_tap_is_recorded_as_refused_and_takes_no_claim(world: World) -> None:
    gated: list[Any] = []
    result = world.intake.tap(world.request(OUTSIDER), None, world.tell, hint="p7qr9qv", gate=lambda: gated.append(1))

    assert result.tapped is Tapped.REFUSED and "Nothing was sent to Baseten" in result.message.text
    assert gated == [] and not any(e.startswith("started") for e in world.events)
    refused = world.store.get("req000000001")
    assert refused is not None and (refused.decision, refused.outcome) == (Verdict.REFUSED, Outcome.REFUSED)
    assert refused.refusal == "user_not_allowed"
    assert (refused.source_project_id, refused.source_job_id) == ("n4q95w5", "p7qr9qv")


def test_a_tap_with_nowhere_to_show_the_preview_starts_nothing_and_says_what_to_type(world: World) -> None:
    gated: list[Any] = []
    request = world.request(response_url=None)
    result = world.intake.tap(request, None, world.tell, hint="n4q95w5/p7qr9qv", gate=lambda: gated.append(1))

    assert result.tapped is Tapped.NOT_STARTED and "/recreate-job n4q95w5/p7qr9qv" in result.message.text
    assert gated == [] and world.store.get("req000000001") is None


def test_a_gate_that_says_no_starts_nothing_and_its_answer_is_what_the_tapper_hears(world: World) -> None:
    result = world.intake.tap(world.request(), None, world.tell, hint="p7qr9qv", gate=lambda: Message.plain("taken"))

    assert (result.tapped, result.message.text) == (Tapped.NOT_STARTED, "taken")
    assert world.events == ["told taken"] and world.store.get("req000000001") is None
