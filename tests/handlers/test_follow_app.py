"""Following the new job through the real app: the command's card is kept current and answered in its thread."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.app import Collaborators
from bot.baseten.models import JobStatus
from tests.conftest import ALLOWED_USER, Harness
from tests.fakes.slack import Call

HarnessFactory = Callable[..., Harness]
CHANNEL = "CCHANNEL01"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def status_field(call: Call) -> str:
    for block in call.params.get("blocks") or []:
        for field in block.get("fields") or []:
            label, _, value = str(field.get("text", "")).partition("\n")
            if label == "*Status*":
                return value
    raise AssertionError(f"no Status field in {call.params}")


def recreate(harness: Harness) -> tuple[Call, str]:
    """Run the command to the posted card; returns the card and the new job's ID."""
    harness.command("p7qr9qv")
    [card] = harness.slack.wait_for_count("chat.postMessage")
    harness.drain()
    [new_job] = harness.baseten.created()
    return card, str(new_job["id"])


def test_the_card_of_the_new_job_is_updated_and_answered_in_its_thread(harness_factory: HarnessFactory) -> None:
    clock = Clock()
    harness = harness_factory(Collaborators(sleep=lambda _s: None, clock=clock))
    follower = harness.bot.follower
    assert follower is not None

    card, new_job_id = recreate(harness)
    assert card.params["channel"] == CHANNEL
    assert status_field(card) == "Created"
    [record] = harness.bot.store.recent(1)
    assert record.card_ts

    # Not before the interval: no poll, nothing said.
    follower.tick()
    assert harness.baseten.calls("get") == []

    harness.baseten.jobs[new_job_id]["current_status"] = JobStatus.RUNNING
    clock.now += timedelta(seconds=harness.bot.settings.follow_interval + 1)
    follower.tick()

    [update] = harness.slack.of("chat.update")
    assert update.params["channel"] == CHANNEL
    assert update.params["ts"] == record.card_ts
    assert status_field(update) == "Running"
    assert new_job_id in update.params["text"]
    card_again, reply = harness.slack.of("chat.postMessage")
    assert card_again is card
    assert reply.params["channel"] == CHANNEL
    assert reply.params["thread_ts"] == record.card_ts
    assert new_job_id in reply.params["text"] and "Running" in reply.params["text"]

    # It fails: the requester is pinged in the thread, and following ends.
    harness.baseten.jobs[new_job_id]["current_status"] = JobStatus.FAILED
    harness.baseten.jobs[new_job_id]["error_message"] = "NCCL timeout"
    clock.now += timedelta(seconds=harness.bot.settings.follow_interval * 2)
    follower.tick()
    failed = harness.slack.of("chat.postMessage")[-1]
    assert failed.params["thread_ts"] == record.card_ts
    assert "NCCL timeout" in failed.params["text"] and f"<@{ALLOWED_USER}>" in failed.params["text"]
    assert status_field(harness.slack.of("chat.update")[-1]) == "Failed"
    polls = len(harness.baseten.calls("get"))
    clock.now += timedelta(hours=2)
    follower.tick()
    assert len(harness.baseten.calls("get")) == polls


def test_with_follow_off_no_follower_is_built_and_nothing_is_followed(harness_factory: HarnessFactory) -> None:
    clock = Clock()
    harness = harness_factory(Collaborators(sleep=lambda _s: None, clock=clock), follow=False)

    assert harness.bot.follower is None
    _, new_job_id = recreate(harness)

    assert harness.bot.store.followed(new_job_id) is None
    assert harness.baseten.calls("get") == []
    assert harness.slack.of("chat.update") == []
