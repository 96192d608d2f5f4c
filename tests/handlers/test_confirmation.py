"""Preview and one-tap confirmation, duplicate guards and lost outcomes, through the real app."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.app import Collaborators
from bot.store import Outcome
from tests.conftest import ALLOWED_USER, Harness, ack_text
from tests.fakes.http import Response
from tests.fakes.slack import Call
from tests.fakes.store import FailingOn

HarnessFactory = Callable[..., Harness]
OTHER_USER = "UOTHER0001"
CONFIRM = "recreate_job_confirm"
CANCEL = "recreate_job_cancel"
RETRY = "recreate_job_retry"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def shown(call: Call) -> str:
    return json.dumps(call.params, ensure_ascii=False)


def button_value(call: Call, action_id: str) -> str:
    for block in call.params.get("blocks") or []:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return str(element["value"])
    raise AssertionError(f"no {action_id} button in {shown(call)}")


def wait_for_reply(harness: Harness, containing: str, timeout: float = 5.0) -> Call:
    """The first response_url post whose content includes `containing`."""

    def found(calls: list[Call]) -> bool:
        return any(c.kind == "response_url" and containing in shown(c) for c in calls)

    harness.slack.wait_for(found, timeout)
    return next(c for c in harness.slack.of("response_url") if containing in shown(c))


def show_preview(harness: Harness, text: str = "p7qr9qv", **fields: Any) -> Call:
    response, _ = harness.command(text, **fields)
    assert "Looking up `p7qr9qv`" in ack_text(response)
    return wait_for_reply(harness, CONFIRM)


def confirming(factory: HarnessFactory, **overrides: Any) -> Harness:
    overrides.setdefault("confirm", "always")
    return factory(**overrides)


@pytest.fixture
def harness(harness_factory: HarnessFactory) -> Harness:
    return confirming(harness_factory)


def test_the_preview_shows_the_job_and_nothing_is_created_until_confirmed(harness: Harness) -> None:
    preview = show_preview(harness)

    content = shown(preview)
    assert preview.params.get("response_type") == "ephemeral"
    assert "Recreate p7qr9qv?" in content
    assert "gpt-oss-job" in content and "llama-finetune" in content
    assert "8 × H100 (80 GiB each)" in content
    assert "ml@example.com" in content
    assert "Completed" in content
    harness.drain()
    assert harness.baseten.created() == []
    assert [s.path for s in harness.baseten.seen] == ["/v1/training_jobs/search"]


def test_confirming_creates_one_job_posts_the_card_and_replaces_the_preview(harness: Harness) -> None:
    preview_id = button_value(show_preview(harness), CONFIRM)

    response = harness.click(CONFIRM, preview_id)

    assert response.status == 200
    card = harness.slack.wait_for_count("chat.postMessage")[0]
    new_job = harness.baseten.created()[0]
    assert new_job["id"] in card.params["text"]
    replaced = wait_for_reply(harness, "Recreating")
    assert replaced.params.get("replace_original") is True
    harness.drain()
    record = harness.bot.store.get(preview_id)
    assert record is not None and record.outcome is Outcome.CREATED and record.new_job_id == new_job["id"]


def test_cancel_replaces_the_preview_and_creates_nothing(harness: Harness) -> None:
    preview_id = button_value(show_preview(harness), CANCEL)

    harness.click(CANCEL, preview_id)

    replaced = wait_for_reply(harness, "Cancelled")
    assert replaced.params.get("replace_original") is True
    harness.click(CONFIRM, preview_id)
    wait_for_reply(harness, "already used")
    harness.drain()
    assert harness.baseten.created() == []
    record = harness.bot.store.get(preview_id)
    assert record is not None and record.outcome is Outcome.CANCELLED


def test_two_confirmations_of_one_preview_at_the_same_moment_create_exactly_one_job(harness: Harness) -> None:
    preview_id = button_value(show_preview(harness), CONFIRM)
    start = threading.Barrier(4)

    def tap() -> None:
        start.wait()
        harness.click(CONFIRM, preview_id)

    threads = [threading.Thread(target=tap) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    harness.drain()

    assert len(harness.baseten.created()) == 1
    assert len(harness.baseten.calls("recreate")) == 1
    assert len(harness.slack.of("chat.postMessage")) == 1


def test_a_click_by_someone_else_creates_nothing_and_leaves_the_preview_usable(harness: Harness) -> None:
    preview_id = button_value(show_preview(harness), CONFIRM)

    harness.click(CONFIRM, preview_id, user_id=OTHER_USER)

    refusal = wait_for_reply(harness, "Only <@UALLOWED01>")
    assert not refusal.params.get("replace_original")
    assert harness.baseten.calls("recreate") == []
    harness.click(CONFIRM, preview_id)
    harness.slack.wait_for_count("chat.postMessage")
    assert len(harness.baseten.created()) == 1


def test_a_click_from_another_workspace_is_refused_even_with_the_requesters_user_id(harness: Harness) -> None:
    preview_id = button_value(show_preview(harness), CONFIRM)

    harness.click(CONFIRM, preview_id, team_id="T0OTHER001")

    wait_for_reply(harness, "only works in its own Slack workspace")
    harness.drain()
    assert harness.baseten.calls("recreate") == []


def test_a_user_removed_from_the_allowlist_since_the_preview_cannot_confirm(
    harness_factory: HarnessFactory, tmp_path: Path
) -> None:
    database = f"sqlite:///{tmp_path}/shared.db"
    before = confirming(harness_factory, database_url=database)
    preview_id = button_value(show_preview(before), CONFIRM)
    after = confirming(harness_factory, database_url=database, allowed_user_ids="USOMEONE01")

    after.click(CONFIRM, preview_id)

    wait_for_reply(after, "not allowed")
    after.drain()
    assert after.baseten.calls("recreate") == []
    record = after.bot.store.get(preview_id)
    assert record is not None and record.outcome is Outcome.REFUSED


def test_a_click_after_the_preview_expired_says_so_and_creates_nothing(harness_factory: HarnessFactory) -> None:
    clock = Clock()
    harness = confirming(
        harness_factory,
        collaborators=Collaborators(sleep=lambda _s: None, clock=clock),
        confirm_ttl=600,
    )
    preview_id = button_value(show_preview(harness), CONFIRM)
    clock.now += timedelta(seconds=601)

    harness.click(CONFIRM, preview_id)

    wait_for_reply(harness, "expired")
    harness.drain()
    assert harness.baseten.calls("recreate") == []
    record = harness.bot.store.get(preview_id)
    assert record is not None and record.outcome is Outcome.EXPIRED


def test_a_preview_shown_by_one_instance_is_confirmed_by_another_exactly_once(
    harness_factory: HarnessFactory, tmp_path: Path
) -> None:
    database = f"sqlite:///{tmp_path}/shared.db"
    first = confirming(harness_factory, database_url=database)
    second = confirming(harness_factory, database_url=database)
    preview_id = button_value(show_preview(first), CONFIRM)
    start = threading.Barrier(2)

    def tap(instance: Harness) -> None:
        start.wait()
        instance.click(CONFIRM, preview_id)

    threads = [threading.Thread(target=tap, args=(instance,)) for instance in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    first.drain()
    second.drain()

    assert len(first.baseten.calls("recreate")) == 1
    assert len(first.slack.of("chat.postMessage")) == 1


def test_confirm_active_previews_only_a_job_that_is_still_running(harness_factory: HarnessFactory) -> None:
    harness = harness_factory(confirm="active")
    harness.baseten.add_job(job_id="r5unning", status="TRAINING_JOB_RUNNING")

    harness.command("p7qr9qv")
    harness.slack.wait_for_count("chat.postMessage")
    assert len(harness.baseten.created()) == 1

    harness.command("r5unning")
    preview = wait_for_reply(harness, CONFIRM)
    assert "still *Running*" in shown(preview)
    assert "second job beside it" in shown(preview)
    harness.drain()
    assert len(harness.baseten.created()) == 1


def test_confirm_never_recreates_at_once(harness_factory: HarnessFactory) -> None:
    harness = harness_factory(confirm="never")

    response, _ = harness.command("p7qr9qv")

    assert "Recreating `p7qr9qv`" in ack_text(response)
    harness.slack.wait_for_count("chat.postMessage")
    assert not any(CONFIRM in shown(c) for c in harness.slack.of("response_url"))


def test_a_recent_recreate_of_the_same_job_forces_a_preview_that_names_it(harness_factory: HarnessFactory) -> None:
    harness = harness_factory(confirm="never", recreate_cooldown=600)
    harness.command("p7qr9qv")
    harness.slack.wait_for_count("chat.postMessage")
    first = harness.baseten.created()[0]["id"]

    harness.command("p7qr9qv", user_id=ALLOWED_USER)
    preview = wait_for_reply(harness, CONFIRM)

    content = shown(preview)
    assert f"<@{ALLOWED_USER}> already recreated this job" in content
    assert f"/training/n4q95w5/logs/{first}|{first}>" in content
    harness.click(CONFIRM, button_value(preview, CONFIRM))
    harness.slack.wait_for_count("chat.postMessage", 2)
    assert len(harness.baseten.created()) == 2


def test_a_second_request_while_one_is_in_flight_is_refused_with_a_pointer(harness_factory: HarnessFactory) -> None:
    harness = harness_factory(confirm="never", recreate_cooldown=0)
    harness.baseten.delays["recreate"] = 0.8
    harness.command("p7qr9qv")
    deadline = time.monotonic() + 5
    while not harness.baseten.calls("recreate") and time.monotonic() < deadline:
        time.sleep(0.01)

    harness.command("p7qr9qv", user_id=ALLOWED_USER)

    refusal = wait_for_reply(harness, "right now")
    assert "is recreating `p7qr9qv` right now" in shown(refusal)
    harness.drain()
    assert len(harness.baseten.created()) == 1


def test_a_timeout_whose_job_was_created_is_reported_once_and_never_resent(harness_factory: HarnessFactory) -> None:
    harness = harness_factory(confirm="never")
    harness.baseten.fail_after_acting("recreate", Response(drop=True))

    harness.command("p7qr9qv")

    card = harness.slack.wait_for_count("chat.postMessage")[0]
    harness.drain()
    created = harness.baseten.created()
    assert len(created) == 1
    assert len(harness.baseten.calls("recreate")) == 1
    assert created[0]["id"] in card.params["text"]
    assert "Confirmed after an error" in shown(card)
    assert len(harness.slack.of("chat.postMessage")) == 1


def test_a_read_timeout_whose_job_was_created_is_found_and_reported(harness_factory: HarnessFactory) -> None:
    harness = harness_factory(confirm="never")
    harness.baseten.delays["recreate"] = 1.5

    harness.command("p7qr9qv")

    card = harness.slack.wait_for_count("chat.postMessage", timeout=10)[0]
    harness.drain()
    assert len(harness.baseten.calls("recreate")) == 1
    assert harness.baseten.created()[0]["id"] in card.params["text"]
    assert "Confirmed after an error" in shown(card)


def test_a_5xx_that_created_nothing_says_so_and_offers_a_retry(harness_factory: HarnessFactory) -> None:
    harness = harness_factory(confirm="never")
    harness.baseten.fail("recreate", 502, {"message": "bad gateway"})

    harness.command("p7qr9qv")

    offer = wait_for_reply(harness, RETRY)
    assert "nothing was created" in shown(offer)
    harness.drain()
    assert harness.baseten.created() == []
    assert len(harness.baseten.calls("recreate")) == 1


def test_the_retry_button_recreates_once_for_the_requester_only(harness_factory: HarnessFactory) -> None:
    harness = harness_factory(confirm="never")
    harness.baseten.fail("recreate", 502, {"message": "bad gateway"})
    harness.command("p7qr9qv")
    retry_id = button_value(wait_for_reply(harness, RETRY), RETRY)

    harness.click(RETRY, retry_id, user_id=OTHER_USER)
    wait_for_reply(harness, "Only <@UALLOWED01>")
    harness.click(RETRY, retry_id)
    harness.click(RETRY, retry_id)

    harness.slack.wait_for_count("chat.postMessage")
    harness.drain()
    assert len(harness.baseten.created()) == 1
    record = harness.bot.store.get(retry_id)
    assert record is not None and record.outcome is Outcome.CREATED


def test_when_the_project_cannot_be_read_after_an_error_the_outcome_stays_unknown(
    harness_factory: HarnessFactory,
) -> None:
    harness = harness_factory(confirm="never")
    harness.baseten.fail("recreate", 503, {"message": "unavailable"})
    harness.baseten.fail("list", 503, {"message": "unavailable"}, times=50)

    harness.command("p7qr9qv")

    card = harness.slack.wait_for_count("chat.postMessage")[0]
    assert "Recreate outcome unknown" in shown(card)
    harness.drain()
    record = next(iter(harness.bot.store.involving("p7qr9qv", 5)))
    assert record.outcome is Outcome.OUTCOME_UNKNOWN
    assert len(harness.baseten.calls("recreate")) == 1


def test_a_long_rate_limit_wait_is_announced_to_the_requester(harness_factory: HarnessFactory) -> None:
    waits: list[float] = []
    harness = harness_factory(
        collaborators=Collaborators(sleep=waits.append, baseten_timeout=httpx.Timeout(2.0, read=1.0)),
        confirm="never",
    )
    harness.baseten.fail("recreate", 429, {"error": "Rate limit exceeded.", "retry_after": 20})

    harness.command("p7qr9qv")

    notice = wait_for_reply(harness, "rate limiting")
    assert "about 20 seconds" in shown(notice)
    harness.slack.wait_for_count("chat.postMessage")
    assert 20.0 in waits
    assert len(harness.baseten.created()) == 1


def test_a_preview_of_a_job_that_does_not_exist_reports_it_and_offers_no_button(harness: Harness) -> None:
    harness.command("zz9zz9z")

    reply = wait_for_reply(harness, "could not find")
    assert CONFIRM not in shown(reply)
    harness.drain()
    assert harness.baseten.calls("recreate") == []


# --- duplicates the first guards missed -------------------------------------------------------------------------


def preview_at(harness: Harness, response_url: str) -> Call:
    """The preview posted to one command's response_url."""
    path = response_url.removeprefix(harness.slack.response_url("").removesuffix("/"))

    def found(calls: list[Call]) -> bool:
        return any(c.kind == "response_url" and c.path.endswith(path) and CONFIRM in shown(c) for c in calls)

    harness.slack.wait_for(found)
    return next(c for c in harness.slack.of("response_url") if c.path.endswith(path) and CONFIRM in shown(c))


def test_a_second_preview_confirmed_after_the_first_creates_nothing_and_says_who_did(harness: Harness) -> None:
    _, first_url = harness.command("p7qr9qv")
    _, second_url = harness.command("p7qr9qv")
    first = button_value(preview_at(harness, first_url), CONFIRM)
    second = button_value(preview_at(harness, second_url), CONFIRM)
    harness.click(CONFIRM, first)
    harness.slack.wait_for_count("chat.postMessage")

    harness.click(CONFIRM, second)

    told = wait_for_reply(harness, "after your preview was shown")
    assert "nothing was created" in shown(told)
    harness.drain()
    assert len(harness.baseten.created()) == 1
    record = harness.bot.store.get(second)
    assert record is not None and record.outcome is Outcome.CANCELLED


def test_the_cooldown_counts_from_when_the_job_was_made_not_when_it_was_asked_for(
    harness_factory: HarnessFactory,
) -> None:
    harness = confirming(harness_factory, recreate_cooldown=2)
    preview_id = button_value(show_preview(harness), CONFIRM)
    time.sleep(2.5)  # confirmed after the cooldown has run out, counted from the command
    harness.click(CONFIRM, preview_id)
    harness.slack.wait_for_count("chat.postMessage")

    _, url = harness.command("p7qr9qv")

    again = preview_at(harness, url)
    assert "already recreated this job" in shown(again)
    assert harness.baseten.created()[0]["id"] in shown(again)


def test_a_recreate_with_a_lost_answer_makes_the_next_request_show_a_warning_first(
    harness_factory: HarnessFactory,
) -> None:
    harness = harness_factory(confirm="never")
    harness.baseten.fail_after_acting("recreate", Response(502, {"message": "bad gateway"}))
    harness.baseten.fail("list", 503, {"message": "unavailable"}, times=50)
    # The card is seen before the first recreate has finished (here its post is slow to answer, as on a loaded
    # machine): until it finishes, the job is still in flight and a second command is refused, not warned.
    harness.slack.slow("chat.postMessage", seconds=0.5)
    harness.command("p7qr9qv")
    harness.slack.wait_for_count("chat.postMessage")
    assert harness.bot.runner.wait_idle(10) == []

    harness.command("p7qr9qv")

    warning = wait_for_reply(harness, "answer was lost")
    assert CONFIRM in shown(warning)
    harness.drain()
    assert len(harness.baseten.calls("recreate")) == 1


def test_a_created_job_whose_answer_cannot_be_decoded_is_never_reported_as_nothing_created(
    harness_factory: HarnessFactory,
) -> None:
    harness = harness_factory(confirm="never")
    harness.baseten.fail_after_acting(
        "recreate", Response(200, b"\x00 not gzip at all", headers={"Content-Encoding": "gzip"})
    )

    harness.command("p7qr9qv")

    card = harness.slack.wait_for_count("chat.postMessage")[0]
    harness.drain()
    assert harness.baseten.created()[0]["id"] in card.params["text"]
    everything = " ".join(shown(call) for call in harness.slack.calls)
    assert "nothing was created" not in everything
    assert len(harness.baseten.calls("recreate")) == 1


def test_an_unreadable_2xx_with_no_job_in_sight_is_an_unknown_outcome_not_a_retry(
    harness_factory: HarnessFactory,
) -> None:
    harness = harness_factory(confirm="never")
    harness.baseten.fail("recreate", 200, {"unexpected": "shape"})

    harness.command("p7qr9qv")

    card = harness.slack.wait_for_count("chat.postMessage")[0]
    assert "Recreate outcome unknown" in shown(card)
    harness.drain()
    assert not any(RETRY in shown(call) for call in harness.slack.calls)


def test_two_lost_answers_never_claim_the_same_new_job(harness_factory: HarnessFactory) -> None:
    harness = harness_factory(confirm="never")
    harness.baseten.add_job(job_id="q1sibling", name="sibling")
    harness.baseten.fail_after_acting("recreate", Response(drop=True))
    harness.baseten.fail_after_acting("recreate", Response(drop=True))

    harness.command("p7qr9qv")
    harness.command("q1sibling")

    cards = harness.slack.wait_for_count("chat.postMessage", 2)
    harness.drain()
    created = {job["id"] for job in harness.baseten.created()}
    reported = {next(j for j in created if j in card.params["text"]) for card in cards}
    assert len(created) == 2
    assert reported == created


def test_a_confirm_after_a_preview_that_named_a_slow_posting_recreate_still_goes_ahead(harness: Harness) -> None:
    """The warning was seen and accepted: a card that took long to post must not make it look like news."""
    harness.slack.slow("chat.postMessage", seconds=1.5)
    _, first_url = harness.command("p7qr9qv")
    harness.click(CONFIRM, button_value(preview_at(harness, first_url), CONFIRM))
    deadline = time.monotonic() + 5
    while not harness.baseten.created() and time.monotonic() < deadline:
        time.sleep(0.01)

    _, second_url = harness.command("p7qr9qv")
    second = preview_at(harness, second_url)
    assert "already recreated this job" in shown(second)
    first_id = button_value(preview_at(harness, first_url), CONFIRM)
    while time.monotonic() < deadline + 5:  # the first card is posted and its record closed with where it went
        first_record = harness.bot.store.get(first_id)
        if first_record is not None and first_record.card_ts:
            break
        time.sleep(0.01)
    harness.click(CONFIRM, button_value(second, CONFIRM))

    harness.slack.wait_for_count("chat.postMessage", 2)
    assert len(harness.baseten.created()) == 2


def test_a_store_that_cannot_record_the_claim_does_not_hide_the_new_job(harness_factory: HarnessFactory) -> None:
    harness = harness_factory(
        collaborators=Collaborators(sleep=lambda _s: None, store=FailingOn("claim_new_job")), confirm="never"
    )

    harness.command("p7qr9qv")

    card = harness.slack.wait_for_count("chat.postMessage")[0]
    assert harness.baseten.created()[0]["id"] in card.params["text"]
    assert "outcome unknown" not in shown(card).lower()


def test_a_store_failure_at_confirmation_is_answered_and_creates_nothing(harness_factory: HarnessFactory) -> None:
    store = FailingOn()
    harness = confirming(harness_factory, collaborators=Collaborators(sleep=lambda _s: None, store=store))
    preview_id = button_value(show_preview(harness), CONFIRM)
    store.failing.add("last_created")

    harness.click(CONFIRM, preview_id)

    wait_for_reply(harness, "audit trail")
    harness.drain()
    assert harness.baseten.calls("recreate") == []
    record = harness.bot.store.get(preview_id)
    assert record is not None and record.outcome is Outcome.ERROR


def test_an_undecodable_2xx_with_no_job_in_sight_is_an_unknown_outcome_not_a_retry(
    harness_factory: HarnessFactory,
) -> None:
    harness = harness_factory(confirm="never")
    harness.baseten.fail("recreate", 200, b"\x00 not gzip at all", headers={"Content-Encoding": "gzip"})

    harness.command("p7qr9qv")

    card = harness.slack.wait_for_count("chat.postMessage")[0]
    assert "Recreate outcome unknown" in shown(card)
    harness.drain()
    assert not any(RETRY in shown(call) for call in harness.slack.calls)


def test_a_bug_before_anything_is_sent_is_answered_and_recorded(harness_factory: HarnessFactory) -> None:
    harness = harness_factory(collaborators=Collaborators(sleep=lambda _s: None, store=FailingOn("in_flight")))

    harness.command("p7qr9qv")

    wait_for_reply(harness, "Something went wrong on my side, so nothing was created")
    harness.drain()
    assert harness.baseten.calls("recreate") == []
    (record,) = harness.bot.store.involving("p7qr9qv", 5)
    assert record.outcome is Outcome.ERROR
