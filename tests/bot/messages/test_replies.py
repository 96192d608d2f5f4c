"""Replies only the requester sees: usage, refusals, and what went wrong at Baseten with what to do next."""

from __future__ import annotations

import json

import pytest

from bot.baseten import (
    BasetenError,
    KeyRejected,
    NoAnswer,
    NotFound,
    RateLimited,
    Rejected,
    ServerError,
    Unreachable,
)
from bot.messages import Message, replies

HOSTILE = "<!channel> & <https://evil.example|docs>"


def everything(message: Message) -> str:
    return json.dumps(message.block_dicts(), ensure_ascii=False) + "\n" + message.text


def assert_valid(message: Message) -> None:
    assert message.text
    assert message.blocks
    for block in message.blocks:
        block.validate_json()


def test_usage_lists_every_way_to_name_a_job() -> None:
    text = replies.usage().text
    assert "`/recreate-job <job_id>`" in text
    assert "`/recreate-job <project_id> <job_id>`" in text
    assert "`/recreate-job <link to the job in Baseten>`" in text


def test_usage_uses_the_command_name_it_was_called_by() -> None:
    text = replies.usage("/recreate-job-staging").text
    assert "`/recreate-job-staging <job_id>`" in text
    assert "`/recreate-job <job_id>`" not in text


def test_bad_input_escapes_what_was_typed_and_shows_usage() -> None:
    message = replies.bad_input(f"“{HOSTILE}” is not a Baseten job ID.")
    text = everything(message)
    assert "<!channel>" not in text
    assert "<https://evil" not in text
    assert "&lt;!channel&gt;" in text
    assert "`/recreate-job <job_id>`" in text
    assert_valid(message)


def test_bad_input_cuts_a_huge_problem() -> None:
    message = replies.bad_input("x" * 10_000)
    assert len(message.text) <= 3000
    assert_valid(message)


def test_refusal_says_nothing_was_sent() -> None:
    text = replies.refused("You are not allowed to recreate training jobs.").text
    assert "You are not allowed" in text
    assert "Nothing was sent to Baseten." in text


def test_working_names_the_job() -> None:
    assert "`p7qr9qv`" in replies.working("p7qr9qv").text


@pytest.mark.parametrize("message", [replies.shutting_down(), replies.busy()])
def test_shutdown_and_busy_say_nothing_was_sent_and_to_retry(message: Message) -> None:
    assert "Nothing was sent to Baseten" in message.text
    assert "try again" in message.text


def test_not_found_names_job_and_project() -> None:
    text = replies.job_not_found("p7qr9qv", "n4q95w5").text
    assert "`p7qr9qv`" in text
    assert "`n4q95w5`" in text
    assert "nothing was created" in text
    assert "project" not in replies.job_not_found("p7qr9qv", None).text


def test_ambiguous_job_lists_projects_and_shows_the_command_with_a_project() -> None:
    text = replies.ambiguous_job("p7qr9qv", ["n4q95w5", "abcd123"]).text
    assert "`n4q95w5`, `abcd123`" in text
    assert "/recreate-job <project_id> p7qr9qv" in text


def test_ambiguous_job_lists_at_most_ten_projects() -> None:
    text = replies.ambiguous_job("p7qr9qv", [f"proj{i:03d}" for i in range(30)]).text
    assert "proj009" in text
    assert "proj010" not in text


def failed(error: BasetenError) -> str:
    message = replies.baseten_failed(error, job_id="p7qr9qv", project_id="n4q95w5", request_id="req-7")
    assert_valid(message)
    return message.text


def test_key_rejected_points_at_the_api_key() -> None:
    text = failed(KeyRejected("Invalid API key", status=401))
    assert "HTTP 401" in text
    assert "Invalid API key" in text
    assert "BASETEN_API_KEY" in text
    assert "Nothing was created." in text
    assert "`req-7`" in text


@pytest.mark.parametrize(("retry_after", "seconds"), [(37.0, "37 seconds"), (0.2, "1 second"), (90.6, "91 seconds")])
def test_rate_limited_says_when_to_retry(retry_after: float, seconds: str) -> None:
    text = failed(RateLimited("slow down", retry_after=retry_after))
    assert f"Try again in {seconds}" in text
    assert "Nothing was created." in text


def test_rejected_quotes_baseten_escaped() -> None:
    text = failed(Rejected(f"bad config {HOSTILE}", status=400))
    assert "bad config &lt;!channel&gt;" in text
    assert "<!channel>" not in text
    assert "Nothing was created." in text


def test_not_found_error_becomes_job_not_found() -> None:
    text = failed(NotFound("Training job p7qr9qv not found", status=404))
    assert "could not find training job `p7qr9qv` in project `n4q95w5`" in text


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (Unreachable("Could not connect"), "could not reach Baseten"),
        (ServerError("Baseten answered 502.", status=502), "Baseten answered 502."),
        (NoAnswer("Baseten did not answer (ReadTimeout)."), "ReadTimeout"),
        (BasetenError("odd answer"), "did not understand"),
    ],
)
def test_other_failures_say_what_happened_and_that_nothing_was_created(error: BasetenError, says: str) -> None:
    text = failed(error)
    assert says in text
    assert "Nothing was created." in text
    assert "`req-7`" in text


def test_long_baseten_message_is_cut() -> None:
    text = failed(Rejected("&" * 5000, status=400))
    assert len(text) < 1000
    assert "&amp…" not in text


def test_internal_error_gives_the_request_id() -> None:
    text = replies.internal_error("req-9").text
    assert "`req-9`" in text
    assert "nothing was created" in text


def test_posted_elsewhere_names_the_channel_and_how_to_fix_it() -> None:
    text = replies.posted_elsewhere("C0MLONCALL").text
    assert "<#C0MLONCALL>" in text
    assert "Invite the bot" in text
