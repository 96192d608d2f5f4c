"""Lost answers and odd answers, through the real app: each job reported once, to its own requester."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

import httpx
import pytest

from bot.app import Collaborators
from bot.store import Outcome
from tests.conftest import Harness
from tests.fakes.http import Response
from tests.fakes.slack import Call
from tests.fakes.store import FailingOn

HarnessFactory = Callable[..., Harness]
RETRY = "recreate_job_retry"
SIBLING = "q1sibling"


def shown(call: Call) -> str:
    return json.dumps(call.params, ensure_ascii=False)


def lost_and_failed(harness: Harness, *, failure_first: bool, b_answer: Response) -> None:
    """A's recreate gets a 502 (nothing made); B's is acted on, then answered with `b_answer`.

    "failure first": B goes first and its job exists, unsettled, when A's 502 arrives and A looks for a lost job.
    Otherwise A's 502 is held until B has settled.
    """
    failure = Response(502, {"message": "bad gateway"}, delay=0 if failure_first else 0.6)
    b_answer.delay = 0.6 if failure_first else 0
    harness.baseten.script_recreate({"p7qr9qv": failure, SIBLING: b_answer})
    order = (SIBLING, "p7qr9qv") if failure_first else ("p7qr9qv", SIBLING)
    harness.command(order[0])
    wait_until(lambda: len(harness.baseten.calls("recreate")) == 1)
    harness.command(order[1])


def patient(factory: HarnessFactory) -> Harness:
    """Looks for a lost job really wait between looks (shortened), so a slow answer beside it can settle."""
    return factory(
        collaborators=Collaborators(
            sleep=lambda seconds: time.sleep(min(seconds, 0.8)), baseten_timeout=httpx.Timeout(2.0, read=1.5)
        ),
        confirm="never",
    )


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


# --- two uncertain answers in one project ------------------------------------------------------------------------


@pytest.mark.parametrize("failure_first", [True, False], ids=["500 first", "drop first"])
def test_a_500_beside_a_lost_answer_in_the_same_project_never_takes_the_others_job(
    harness_factory: HarnessFactory, failure_first: bool
) -> None:
    """Same project and instance; B's job has another name, so it is never A's."""
    harness = harness_factory(confirm="never")
    harness.baseten.add_job(job_id=SIBLING, name="sibling-run")
    lost_and_failed(harness, failure_first=failure_first, b_answer=Response(drop=True))

    harness.slack.wait_for_count("chat.postMessage", 1, timeout=15)
    harness.drain()
    created = harness.baseten.created()
    assert [job["recreated_from"] for job in created] == [SIBLING]
    b_job = created[0]["id"]
    cards = harness.slack.of("chat.postMessage")
    assert len(cards) == 1
    assert b_job in cards[0].params["text"] and SIBLING in shown(cards[0])
    records = {r.source_job_id: r for r in harness.bot.store.recent(10)}
    assert records[SIBLING].outcome is Outcome.CREATED and records[SIBLING].new_job_id == b_job
    assert records["p7qr9qv"].outcome is Outcome.FAILED and records["p7qr9qv"].new_job_id is None
    # A was told nothing was created (true), with Retry; B never was.
    replies = [shown(call) for call in harness.slack.of("response_url")]
    nothing = [text for text in replies if "nothing was created" in text.lower()]
    assert len(nothing) == 1 and "p7qr9qv" in nothing[0] and RETRY in nothing[0]
    assert len(harness.baseten.calls("recreate")) == 2


@pytest.mark.parametrize("failure_first", [True, False], ids=["500 first", "drop first"])
def test_two_uncertain_answers_that_could_own_the_same_job_are_both_told_the_outcome_is_unknown(
    harness_factory: HarnessFactory, failure_first: bool
) -> None:
    """Same name, instance and nodes: the one job that appeared could be either's, so the bot does not guess."""
    harness = harness_factory(confirm="never")
    harness.baseten.add_job(job_id=SIBLING, name="gpt-oss-job")
    lost_and_failed(harness, failure_first=failure_first, b_answer=Response(drop=True))

    harness.slack.wait_for_count("chat.postMessage", 2, timeout=20)
    harness.drain()
    (made,) = harness.baseten.created()
    cards = harness.slack.of("chat.postMessage")
    assert len(cards) == 2
    for card in cards:
        assert "Recreate outcome unknown" in shown(card)
        assert made["id"] in shown(card)  # the candidate is linked, not claimed
    assert all("Training job recreated" not in shown(card) for card in cards)
    assert not any("nothing was created" in shown(c).lower() for c in harness.slack.of("response_url"))
    assert not any(RETRY in shown(call) for call in harness.slack.calls)
    outcomes = {r.source_job_id: r.outcome for r in harness.bot.store.recent(10)}
    assert outcomes == {"p7qr9qv": Outcome.OUTCOME_UNKNOWN, SIBLING: Outcome.OUTCOME_UNKNOWN}


def test_a_job_whose_own_answer_is_merely_slow_is_never_taken_by_a_lost_answer_beside_it(
    harness_factory: HarnessFactory,
) -> None:
    """B's answer arrives, late but whole: B owns its job, and A (500, nothing made) may then say so with Retry."""
    harness = patient(harness_factory)
    harness.baseten.add_job(job_id=SIBLING, name="gpt-oss-job")
    lost_and_failed(harness, failure_first=True, b_answer=Response(200, None))

    harness.slack.wait_for_count("chat.postMessage", 1, timeout=15)
    harness.drain()
    (made,) = harness.baseten.created()
    (card,) = harness.slack.of("chat.postMessage")
    assert "Training job recreated" in shown(card) and made["id"] in card.params["text"]
    records = {r.source_job_id: r for r in harness.bot.store.recent(10)}
    assert records[SIBLING].new_job_id == made["id"]
    assert records["p7qr9qv"].outcome is Outcome.FAILED
    assert any(RETRY in shown(call) for call in harness.slack.of("response_url"))


def test_a_job_with_another_name_is_never_reported_as_the_lost_one(harness_factory: HarnessFactory) -> None:
    """Same project, instance and nodes, made by someone else just after our request: not our job."""
    harness = harness_factory(confirm="never")
    harness.baseten.script_recreate({"p7qr9qv": Response(502, {"message": "bad gateway"})})
    harness.baseten.on_recreate = lambda: harness.baseten.add_fresh_job("z9other", name="someone-elses-run")

    harness.command("p7qr9qv")

    offer = harness.slack.wait_for(lambda calls: any(RETRY in shown(c) for c in calls), timeout=10)
    assert offer
    harness.drain()
    assert harness.slack.of("chat.postMessage") == []
    (record,) = [r for r in harness.bot.store.recent(5) if r.outcome is not Outcome.AWAITING_CONFIRMATION]
    assert record.outcome is Outcome.FAILED and record.new_job_id is None


def test_a_store_that_cannot_record_the_send_sends_nothing_and_says_why(harness_factory: HarnessFactory) -> None:
    harness = harness_factory(
        collaborators=Collaborators(sleep=lambda _s: None, store=FailingOn("mark_sent")), confirm="never"
    )

    harness.command("p7qr9qv")

    reply = harness.slack.wait_for_count("response_url")[-1]
    assert "nothing was sent to Baseten" in reply.params["text"]
    harness.drain()
    assert harness.baseten.calls("recreate") == []


# --- answers that break the bot's expectations -------------------------------------------------------------------


def test_a_search_answer_with_an_odd_project_id_is_a_clear_reply_not_a_traceback(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    harness.baseten.add_job(project_id="Proj_With-Dash", job_id="p7qr9qv")

    with caplog.at_level(logging.WARNING):
        harness.command("p7qr9qv")
        reply = harness.slack.wait_for_count("response_url")[-1]
        harness.drain()

    assert "Baseten answered with something unexpected" in reply.params["text"]
    assert "Nothing was created" in reply.params["text"]
    assert harness.baseten.calls("recreate") == []
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records if r.exc_info]
    (record,) = harness.bot.store.recent(5)
    assert record.outcome is Outcome.FAILED
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(record.request_id in message for message in warnings)


def test_a_2xx_missing_required_fields_on_the_lookup_is_a_clear_reply_not_a_traceback(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    harness.baseten.fail("search", 200, {"training_jobs": [{"id": "p7qr9qv"}]})

    with caplog.at_level(logging.WARNING):
        harness.command("p7qr9qv")
        reply = harness.slack.wait_for_count("response_url")[-1]
        harness.drain()

    assert "Baseten answered with something unexpected" in reply.params["text"]
    assert not [r for r in caplog.records if r.exc_info]
    assert harness.baseten.calls("recreate") == []


def test_a_recreate_answer_with_an_odd_new_job_id_is_unreadable_and_the_job_is_found_in_the_project(
    harness_factory: HarnessFactory, caplog: pytest.LogCaptureFixture
) -> None:
    harness = harness_factory(confirm="never")
    harness.baseten.rewrite_recreate = lambda job: {**job, "id": "NEW-JOB-1"}

    with caplog.at_level(logging.WARNING):
        harness.command("p7qr9qv")
        card = harness.slack.wait_for_count("chat.postMessage", timeout=10)[0]
        harness.drain()

    (made,) = harness.baseten.created()
    assert made["id"] in card.params["text"] and "Confirmed after an error" in shown(card)
    assert "NEW-JOB-1" not in shown(card)
    assert len(harness.baseten.calls("recreate")) == 1
    assert not [r for r in caplog.records if r.exc_info]


def test_an_unreadable_recreate_answer_in_a_project_listed_unreadably_is_an_unknown_outcome_never_a_retry(
    harness_factory: HarnessFactory, caplog: pytest.LogCaptureFixture
) -> None:
    harness = harness_factory(confirm="never")
    harness.baseten.rewrite_recreate = lambda job: {**job, "id": "NEW-JOB-1"}
    harness.baseten.fail("list", 200, {"training_project": None, "training_jobs": [{"id": "NEW-JOB-1"}]}, times=4)

    with caplog.at_level(logging.WARNING):
        harness.command("p7qr9qv")
        card = harness.slack.wait_for_count("chat.postMessage", timeout=10)[0]
        harness.drain()

    assert "Recreate outcome unknown" in shown(card)
    assert not any(RETRY in shown(call) for call in harness.slack.calls)
    assert len(harness.baseten.calls("recreate")) == 1
    assert not [r for r in caplog.records if r.exc_info]
    (record,) = harness.bot.store.recent(5)
    assert record.outcome is Outcome.OUTCOME_UNKNOWN
