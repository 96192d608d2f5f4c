"""The audit trail through the real app: a record for every way an attempt ends, and `/recreate-job history`."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from slack_bolt import BoltResponse

from bot.app import Collaborators
from bot.messages.preview import CANCEL_ACTION, CONFIRM_ACTION
from bot.store import AttemptRecord, Outcome, Verdict
from tests.conftest import ALLOWED_USER, Harness, ack_text
from tests.fakes.http import Response
from tests.fakes.slack import Call
from tests.fakes.store import BrokenStore, RecordingStore

HarnessFactory = Callable[..., Harness]

OTHER_USER = "UOTHER0001"
T0 = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
FOOTER = re.compile(r"request `([0-9a-f]{12})`")


# --- helpers ------------------------------------------------------------------------------------------------------


def recording_harness(harness_factory: HarnessFactory, **settings: Any) -> tuple[Harness, RecordingStore]:
    """The real app on a store that keeps every write, with the number of Baseten calls seen at each write."""
    store = RecordingStore()
    harness = harness_factory(
        Collaborators(sleep=lambda _s: None, baseten_timeout=httpx.Timeout(2.0, read=1.0), store=store), **settings
    )
    baseten = harness.baseten
    store.observe = lambda: len(baseten.seen)
    return harness, store


def only_record(store: RecordingStore) -> AttemptRecord:
    records = store.final()
    assert len(records) == 1, records
    return records[0]


def ack_body(response: BoltResponse) -> dict[str, Any]:
    return json.loads(response.body) if response.body else {}


def shown(call: Call) -> str:
    return json.dumps(call.params, ensure_ascii=False)


def footer_request_id(call: Call) -> str:
    """The request ID in a card's footer, as the people in the channel see it."""
    contexts = [block for block in call_blocks(call) if block.get("type") == "context"]
    assert contexts, call.params
    found = FOOTER.search(json.dumps(contexts[-1]))
    assert found, contexts[-1]
    return found.group(1)


def call_blocks(call: Call) -> list[dict[str, Any]]:
    blocks = call.params.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else list(blocks)


def seeded(request_id: str, minute: int, **changes: Any) -> AttemptRecord:
    values: dict[str, Any] = {
        "request_id": request_id,
        "user_id": ALLOWED_USER,
        "channel_id": "CCHANNEL01",
        "team_id": "T0TEAM0001",
        "command_text": "p7qr9qv",
        "decision": Verdict.ALLOWED,
        "outcome": Outcome.CREATED,
        "created_at": T0 + timedelta(minutes=minute),
        "updated_at": T0 + timedelta(minutes=minute),
        "source_project_id": "n4q95w5",
        "source_job_id": "p7qr9qv",
        "new_job_id": f"new{minute:04d}",
        "new_job_status": "TRAINING_JOB_CREATED",
        "instance_type": "H100 x8",
        "gpus": "8 × H100",
    }
    values.update(changes)
    return AttemptRecord(**values)


def history_sections(response: BoltResponse) -> list[str]:
    return [block["text"]["text"] for block in ack_body(response).get("blocks", []) if block["type"] == "section"]


def listed_jobs(response: BoltResponse) -> list[str]:
    """The new job IDs of the listing, in the order shown."""
    return re.findall(r"→ `(new\d{4})`", "\n".join(history_sections(response)))


def assert_only_the_requester_saw_it(harness: Harness, response: BoltResponse) -> None:
    assert response.status == 200
    assert ack_body(response).get("response_type", "ephemeral") == "ephemeral"
    harness.drain()
    assert harness.baseten.seen == []
    assert harness.slack.of("chat.postMessage") == []
    assert harness.slack.of("response_url") == []


# --- a record for each way an attempt ends ------------------------------------------------------------------------


def test_a_recreate_is_recorded_with_the_new_job_and_where_its_card_went(harness_factory: HarnessFactory) -> None:
    harness, store = recording_harness(harness_factory)
    before = datetime.now(UTC)

    harness.command("p7qr9qv")

    card = harness.slack.wait_for_count("chat.postMessage")[0]
    harness.drain()
    new_job = harness.baseten.created()[0]
    record = only_record(store)
    assert record.decision is Verdict.ALLOWED
    assert record.outcome is Outcome.CREATED
    assert (record.user_id, record.channel_id, record.team_id) == (ALLOWED_USER, "CCHANNEL01", "T0TEAM0001")
    assert record.command_text == "p7qr9qv"
    assert (record.source_project_id, record.source_job_id) == ("n4q95w5", "p7qr9qv")
    assert record.new_job_id == new_job["id"]
    assert record.new_job_status == "TRAINING_JOB_CREATED"
    assert record.instance_type == "H100 x8"
    assert record.gpus == "8 × H100"
    assert record.baseten_ms is not None
    assert record.baseten_ms > 0
    assert record.error is None
    assert record.refusal is None
    assert (record.card_route, record.card_channel_id, record.card_ts) == ("channel", "CCHANNEL01", "1700000001.000100")
    assert before <= record.created_at <= record.updated_at <= datetime.now(UTC)
    # The request ID people see in the card's footer finds the record.
    assert footer_request_id(card) == record.request_id


def test_the_attempt_is_on_record_before_baseten_is_called_and_its_outcome_before_the_card_is_posted(
    harness_factory: HarnessFactory,
) -> None:
    harness, store = recording_harness(harness_factory)

    harness.command("p7qr9qv")

    card = harness.slack.wait_for_count("chat.postMessage")[0]
    harness.drain()
    writes = store.writes
    assert writes[0].record.outcome is Outcome.PENDING
    assert writes[0].seen == 0  # no Baseten call yet
    created = [write for write in writes if write.record.outcome is Outcome.CREATED]
    assert created[0].at < card.at
    assert created[0].record.new_job_id == harness.baseten.created()[0]["id"]


@pytest.mark.parametrize(
    ("settings", "fields", "code"),
    [
        pytest.param({}, {"user_id": OTHER_USER}, "user_not_allowed", id="user-not-allowed"),
        pytest.param({"allowed_channel_ids": "CONCALL001"}, {}, "channel_not_allowed", id="wrong-channel"),
        pytest.param({"slack_team_id": "T0TEAM0001"}, {"team_id": "T0OTHER001"}, "wrong_workspace", id="workspace"),
        pytest.param({"allowed_user_ids": ""}, {}, "no_allowlist", id="no-allowlist"),
    ],
)
def test_a_refusal_is_recorded_with_its_reason_and_nothing_reaches_baseten(
    harness_factory: HarnessFactory, settings: dict[str, Any], fields: dict[str, Any], code: str
) -> None:
    harness, store = recording_harness(harness_factory, **settings)

    response, _ = harness.command("n4q95w5 p7qr9qv", **fields)

    assert "Nothing was sent to Baseten" in ack_text(response)
    harness.drain()
    record = only_record(store)
    assert record.decision is Verdict.REFUSED
    assert record.outcome is Outcome.REFUSED
    assert record.refusal == code
    assert (record.source_project_id, record.source_job_id) == ("n4q95w5", "p7qr9qv")
    assert record.command_text == "n4q95w5 p7qr9qv"
    assert record.user_id == fields.get("user_id", ALLOWED_USER)
    assert record.new_job_id is None
    assert harness.baseten.seen == []
    assert harness.baseten.created() == []


def test_bad_input_is_recorded_with_what_was_wrong(harness_factory: HarnessFactory) -> None:
    harness, store = recording_harness(harness_factory)

    response, _ = harness.command("n4q95w5 p7qr9qv extra")

    assert "3 words" in ack_text(response)
    harness.drain()
    record = only_record(store)
    assert record.decision is Verdict.BAD_INPUT
    assert record.outcome is Outcome.BAD_INPUT
    assert record.command_text == "n4q95w5 p7qr9qv extra"
    assert record.refusal is not None
    assert "3 words" in record.refusal
    assert record.source_job_id is None
    assert harness.baseten.seen == []


def test_help_is_not_an_attempt_and_leaves_no_record(harness_factory: HarnessFactory) -> None:
    harness, store = recording_harness(harness_factory)

    response, _ = harness.command("help")

    assert "/recreate-job <job_id>" in ack_text(response)
    harness.drain()
    assert store.writes == []


def test_a_job_that_is_not_found_is_recorded_as_not_found_before_the_requester_is_told(
    harness_factory: HarnessFactory,
) -> None:
    harness, store = recording_harness(harness_factory)

    harness.command("zz9yy8x")

    reply = harness.slack.wait_for_count("response_url")[0]
    harness.drain()
    record = only_record(store)
    assert record.decision is Verdict.ALLOWED
    assert record.outcome is Outcome.NOT_FOUND
    assert record.source_job_id == "zz9yy8x"
    assert record.new_job_id is None
    assert "could not find training job `zz9yy8x`" in reply.params["text"]
    stored_first = next(write for write in store.writes if write.record.outcome is Outcome.NOT_FOUND)
    assert stored_first.at < reply.at
    assert harness.baseten.calls("recreate") == []


def test_a_baseten_403_is_recorded_as_failed_with_basetens_reason(harness_factory: HarnessFactory) -> None:
    harness, store = recording_harness(harness_factory)
    harness.baseten.fail("recreate", 403, {"message": "API key has no access to this project"})

    harness.command("n4q95w5 p7qr9qv")

    reply = harness.slack.wait_for_count("response_url")[0]
    harness.drain()
    record = only_record(store)
    assert record.outcome is Outcome.FAILED
    assert record.error is not None
    assert "API key has no access to this project" in record.error
    assert record.new_job_id is None
    assert record.source_project_id == "n4q95w5"
    assert record.baseten_ms is not None
    assert f"`{record.request_id}`" in reply.params["text"]  # the reply names the request, for the admin
    assert harness.baseten.created() == []


def test_a_5xx_on_recreate_that_cannot_be_checked_is_recorded_as_outcome_unknown(
    harness_factory: HarnessFactory,
) -> None:
    harness, store = recording_harness(harness_factory)
    harness.baseten.fail("recreate", 502, "Bad Gateway")
    harness.baseten.fail("list", 500, {"message": "internal"}, times=100)  # the job list cannot be read either

    harness.command("p7qr9qv")

    card = harness.slack.wait_for_count("chat.postMessage")[0]
    harness.drain()
    record = only_record(store)
    assert record.decision is Verdict.ALLOWED
    assert record.outcome is Outcome.OUTCOME_UNKNOWN
    assert record.error is not None
    assert "server_error" in record.error
    assert record.new_job_id is None
    assert "Recreate outcome unknown" in shown(card)
    assert footer_request_id(card) == record.request_id
    assert len(harness.baseten.calls("recreate")) == 1


def test_a_lost_answer_whose_job_is_then_found_is_recorded_as_created_with_that_job(
    harness_factory: HarnessFactory,
) -> None:
    harness, store = recording_harness(harness_factory)
    harness.baseten.fail_after_acting("recreate", Response(502, "Bad Gateway"))

    harness.command("p7qr9qv")

    card = harness.slack.wait_for_count("chat.postMessage")[0]
    harness.drain()
    new_job = harness.baseten.created()[0]
    record = only_record(store)
    assert record.outcome is Outcome.CREATED
    assert record.new_job_id == new_job["id"]
    # On the way there it was on record as unknown, so a crash mid-check would not have lost it.
    assert Outcome.OUTCOME_UNKNOWN in [write.record.outcome for write in store.writes]
    assert footer_request_id(card) == record.request_id
    assert len(harness.baseten.calls("recreate")) == 1


def test_the_record_says_where_the_card_went_when_the_channel_refused_it(harness_factory: HarnessFactory) -> None:
    harness, store = recording_harness(harness_factory)
    harness.slack.fail("chat.postMessage", "not_in_channel")

    harness.command("p7qr9qv")

    reply = harness.slack.wait_for_count("response_url")[0]
    harness.drain()
    record = only_record(store)
    assert record.card_route == "response_url"
    assert footer_request_id(reply) == record.request_id


def test_the_record_says_the_card_went_by_direct_message_when_the_conversation_refused_it(
    harness_factory: HarnessFactory,
) -> None:
    harness, store = recording_harness(harness_factory)
    harness.slack.fail("chat.postMessage", "not_in_channel")
    harness.slack.fail("response_url", "expired_url", status=404)

    harness.command("p7qr9qv")

    dm = harness.slack.wait_for_count("chat.postMessage", 2)[1]
    harness.drain()
    record = only_record(store)
    assert dm.params["channel"] == ALLOWED_USER
    assert (record.card_route, record.card_channel_id) == ("direct", "DALLOWED01")
    assert record.card_ts == "1700000001.000100"  # the first message Slack accepted
    assert footer_request_id(dm) == record.request_id


def test_the_record_says_created_even_when_every_slack_post_fails(harness_factory: HarnessFactory) -> None:
    harness, store = recording_harness(harness_factory)
    harness.slack.fail("chat.postMessage", "channel_not_found", times=5)
    harness.slack.fail("response_url", "expired", status=404, times=5)

    harness.command("p7qr9qv")
    harness.drain()

    new_job = harness.baseten.created()[0]
    record = only_record(store)
    assert record.outcome is Outcome.CREATED
    assert record.new_job_id == new_job["id"]
    assert record.card_route is None  # nobody saw a card, and the record says so
    assert record.card_ts is None
    assert harness.slack.of("chat.postMessage")  # the posts were really tried
    assert harness.slack.of("response_url")


def test_each_attempt_gets_its_own_request_id(harness_factory: HarnessFactory) -> None:
    harness, store = recording_harness(harness_factory)

    harness.command("p7qr9qv")
    harness.command("p7qr9qv", user_id=OTHER_USER)
    harness.command("not a command at all")
    harness.slack.wait_for_count("chat.postMessage")
    harness.drain()

    records = store.final()
    assert sorted(record.outcome for record in records) == sorted([Outcome.CREATED, Outcome.REFUSED, Outcome.BAD_INPUT])
    assert len({record.request_id for record in records}) == 3


def button_value(call: Call, action_id: str) -> str:
    for block in call_blocks(call):
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return str(element["value"])
    raise AssertionError(f"no {action_id} button in {call.params}")


def test_a_confirmed_recreate_is_one_attempt_with_one_request_id(
    harness_factory: HarnessFactory, caplog: pytest.LogCaptureFixture
) -> None:
    harness, store = recording_harness(harness_factory, confirm="always")

    with caplog.at_level(logging.INFO, logger="recreate_job.audit"):
        harness.command("p7qr9qv")
        shown_preview = harness.slack.wait_for_count("response_url")[0]
        waiting = only_record(store)
        assert waiting.outcome is Outcome.AWAITING_CONFIRMATION
        assert harness.baseten.calls("recreate") == []

        harness.click(CONFIRM_ACTION, button_value(shown_preview, CONFIRM_ACTION))
        card = harness.slack.wait_for(
            lambda calls: any(c.kind == "chat.postMessage" and c.params.get("channel") == "CCHANNEL01" for c in calls)
        )[-1]
        harness.drain()

    record = only_record(store)
    assert record.request_id == waiting.request_id == footer_request_id(card)
    assert record.outcome is Outcome.CREATED
    assert record.new_job_id == harness.baseten.created()[0]["id"]
    assert record.created_at == waiting.created_at  # when it was asked for, not when it was clicked
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "recreate_job.audit"]
    assert [line["outcome"] for line in lines] == ["created"]


def test_a_cancelled_preview_is_recorded_as_cancelled_and_nothing_is_created(
    harness_factory: HarnessFactory, caplog: pytest.LogCaptureFixture
) -> None:
    harness, store = recording_harness(harness_factory, confirm="always")

    with caplog.at_level(logging.INFO, logger="recreate_job.audit"):
        harness.command("p7qr9qv")
        shown_preview = harness.slack.wait_for_count("response_url")[0]
        harness.click(CANCEL_ACTION, button_value(shown_preview, CANCEL_ACTION))
        harness.slack.wait_for_count("response_url", 2)
        harness.drain()

    record = only_record(store)
    assert record.outcome is Outcome.CANCELLED
    assert record.new_job_id is None
    assert harness.baseten.calls("recreate") == []
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "recreate_job.audit"]
    assert [line["outcome"] for line in lines] == ["cancelled"]


# --- /recreate-job history ----------------------------------------------------------------------------------------


def test_history_lists_the_last_ten_recreations_newest_first(harness: Harness) -> None:
    for minute in range(12):
        harness.bot.store.record(seeded(f"req{minute:02d}", minute))
    # Newer, but not recreations: refusals and typos are not listed.
    harness.bot.store.record(seeded("refused", 100, decision=Verdict.REFUSED, outcome=Outcome.REFUSED, new_job_id=None))
    harness.bot.store.record(
        seeded("typo", 101, decision=Verdict.BAD_INPUT, outcome=Outcome.BAD_INPUT, new_job_id=None)
    )

    response, _ = harness.command("history")

    assert listed_jobs(response) == [f"new{minute:04d}" for minute in range(11, 1, -1)]
    body = ack_body(response)
    assert body["blocks"][0]["type"] == "header"
    assert "Recent recreations (10)" in body["blocks"][0]["text"]["text"]
    text = "\n".join(history_sections(response))
    assert f"<@{ALLOWED_USER}>" in text
    assert "`p7qr9qv`" in text
    assert "H100 x8" in text
    assert "<!date^" in text  # shown in each reader's time zone
    assert_only_the_requester_saw_it(harness, response)


def test_history_of_recreations_made_through_the_command(harness: Harness) -> None:
    harness.baseten.add_job("k2m4n6p", "r5t7v9x", project_name="evals")
    harness.baseten.add_job("k2m4n6p", "x1y2z3w", project_name="evals")
    harness.command("p7qr9qv")
    harness.slack.wait_for_count("chat.postMessage", 1)
    harness.command("r5t7v9x")
    harness.slack.wait_for_count("chat.postMessage", 2)
    harness.baseten.fail("recreate", 403, {"message": "no access"})
    harness.command("x1y2z3w")
    harness.slack.wait_for_count("response_url", 1)

    response, _ = harness.command("history")

    text = "\n".join(history_sections(response))
    first, second = (job["id"] for job in harness.baseten.created())
    lines = text.splitlines()
    assert len(lines) == 3
    assert "`x1y2z3w`" in lines[0]
    assert "_failed_" in lines[0]
    assert "no access" in lines[0]
    assert f"`r5t7v9x` → `{second}`" in lines[1]
    assert f"`p7qr9qv` → `{first}`" in lines[2]


@pytest.mark.parametrize(("text", "count"), [("history 3", 3), ("history 50", 50), ("history 1", 1)])
def test_history_with_a_count_shows_that_many(harness: Harness, text: str, count: int) -> None:
    for minute in range(60):
        harness.bot.store.record(seeded(f"req{minute:02d}", minute))

    response, _ = harness.command(text)

    assert listed_jobs(response) == [f"new{minute:04d}" for minute in range(59, 59 - count, -1)]
    assert_only_the_requester_saw_it(harness, response)


@pytest.mark.parametrize("text", ["history 51", "history 0", "history 999"])
def test_history_counts_out_of_range_get_an_ephemeral_error(harness: Harness, text: str) -> None:
    harness.bot.store.record(seeded("req00", 0))

    response, _ = harness.command(text)

    ack = ack_text(response)
    assert "1 to 50" in ack
    assert "new0000" not in ack
    assert_only_the_requester_saw_it(harness, response)


def test_history_of_a_job_lists_attempts_where_it_was_the_source_or_the_new_job(harness: Harness) -> None:
    store = harness.bot.store
    store.record(seeded("from-it", 1, source_job_id="p7qr9qv", new_job_id="new0001"))
    store.record(seeded("made-it", 2, source_job_id="a1b2c3d", new_job_id="p7qr9qv"))
    store.record(seeded("failed-on-it", 3, outcome=Outcome.FAILED, new_job_id=None, error="Rejected: archived"))
    store.record(seeded("unrelated", 4, source_job_id="zz9yy8x", new_job_id="new0004"))

    response, _ = harness.command("history p7qr9qv")

    body = ack_body(response)
    assert "Recreations involving p7qr9qv" in body["blocks"][0]["text"]["text"]
    lines = "\n".join(history_sections(response)).splitlines()
    assert len(lines) == 3
    assert "failed" in lines[0]
    assert "Rejected: archived" in lines[0]
    assert "`a1b2c3d` → `p7qr9qv`" in lines[1]
    assert "`p7qr9qv` → `new0001`" in lines[2]
    assert "zz9yy8x" not in json.dumps(body)
    assert_only_the_requester_saw_it(harness, response)


def test_history_of_a_job_given_as_a_link_finds_it(harness: Harness) -> None:
    harness.bot.store.record(seeded("from-it", 1, source_job_id="p7qr9qv", new_job_id="new0001"))

    response, _ = harness.command("history <https://app.baseten.co/training/n4q95w5/logs/p7qr9qv|link>")

    assert listed_jobs(response) == ["new0001"]


def test_history_of_a_job_with_no_records_says_so(harness: Harness) -> None:
    harness.bot.store.record(seeded("other", 1))

    response, _ = harness.command("history k2m4n6p")

    ack = ack_text(response)
    assert "No recreation involving `k2m4n6p` is on record." in ack
    assert "new0001" not in ack
    assert_only_the_requester_saw_it(harness, response)


def test_history_on_an_empty_trail_says_so(harness: Harness) -> None:
    response, _ = harness.command("history")

    assert "No recreation is on record yet." in ack_text(response)
    assert_only_the_requester_saw_it(harness, response)


@pytest.mark.parametrize("text", ["history", "history p7qr9qv"])
def test_a_refused_user_cannot_read_history(harness_factory: HarnessFactory, text: str) -> None:
    harness, store = recording_harness(harness_factory)
    store.record(seeded("secret", 1))

    response, _ = harness.command(text, user_id=OTHER_USER)

    ack = json.dumps(ack_body(response))
    assert "You are not allowed to use this bot, so you cannot read its history" in ack
    assert "recreate" not in ack, "it was no attempt to recreate anything"
    assert "Baseten" not in ack
    assert "new0001" not in ack
    assert "Recent recreations" not in ack
    assert_only_the_requester_saw_it(harness, response)
    refused = [record for record in store.final() if record.outcome is Outcome.REFUSED]
    assert len(refused) == 1
    assert refused[0].command_text == text
    assert refused[0].user_id == OTHER_USER


@pytest.mark.parametrize("outcome", [outcome for outcome in Outcome if outcome is not Outcome.CREATED])
def test_history_says_what_became_of_each_attempt_in_words(harness: Harness, outcome: Outcome) -> None:
    harness.bot.store.record(seeded("req01", 1, outcome=outcome, new_job_id=None))

    response, _ = harness.command("history")

    (line,) = "\n".join(history_sections(response)).splitlines()
    assert re.search(r"`p7qr9qv` → _[a-z ]+_$", line), line
    if "_" in outcome.value:
        assert outcome.value not in line  # not the raw stored value


def test_an_error_that_repeats_the_outcome_is_not_shown_twice(harness: Harness) -> None:
    harness.bot.store.record(seeded("req01", 1, outcome=Outcome.NOT_FOUND, new_job_id=None, error="job not found"))
    harness.bot.store.record(seeded("req02", 2, outcome=Outcome.FAILED, new_job_id=None, error="quota exceeded"))

    response, _ = harness.command("history")

    lines = "\n".join(history_sections(response)).splitlines()
    assert lines[1].endswith("`p7qr9qv` → _job not found_"), lines
    assert lines[0].endswith("`p7qr9qv` → _failed_: quota exceeded"), lines


def test_a_refused_history_lookup_is_not_listed_as_a_refused_recreation_of_that_job(harness: Harness) -> None:
    harness.command("history p7qr9qv", user_id=OTHER_USER)
    harness.command("p7qr9qv")
    harness.slack.wait_for_count("chat.postMessage")

    response, _ = harness.command("history p7qr9qv")

    lines = "\n".join(history_sections(response)).splitlines()
    by_other = [line for line in lines if f"<@{OTHER_USER}>" in line]
    # Either left out of a list of recreations, or shown as what it was: a look at the history.
    assert all("history" in line for line in by_other), by_other


def test_history_of_fifty_long_records_stays_within_block_kit_limits(harness: Harness) -> None:
    hostile = "<!channel> & <https://evil.example|x> "
    for minute in range(50):
        harness.bot.store.record(
            seeded(
                f"req{minute:02d}",
                minute,
                instance_type="H100 " + "x" * 500,
                gpus=hostile * 20,
                new_job_status="TRAINING_JOB_SOMETHING_NEW_" + "Z" * 500,
            )
        )
        harness.bot.store.record(
            seeded(
                f"bad{minute:02d}",
                minute,
                outcome=Outcome.FAILED,
                new_job_id=None,
                user_id="U" + "9" * 40,
                error=hostile * 300,
            )
        )

    response, _ = harness.command("history 50")

    body = ack_body(response)
    blocks = body["blocks"]
    assert len(blocks) <= 50
    assert len(body["text"]) <= 3000
    for block in blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
    shown_text = json.dumps(body)
    assert "<!channel>" not in shown_text
    assert "<https://evil" not in shown_text
    lines = "\n".join(history_sections(response)).splitlines()
    assert len(lines) == 50  # every one of the 50 newest is shown, none dropped to fit


def test_history_when_the_trail_cannot_be_read_says_so(harness_factory: HarnessFactory) -> None:
    store = BrokenStore(reads_fail=True)
    harness = harness_factory(
        Collaborators(sleep=lambda _s: None, baseten_timeout=httpx.Timeout(2.0, read=1.0), store=store)
    )

    for text in ("history", "history p7qr9qv"):
        response, _ = harness.command(text)
        assert "could not read the audit trail" in ack_text(response)
    assert_only_the_requester_saw_it(harness, response)


def test_a_slow_audit_channel_never_delays_the_ack(harness_factory: HarnessFactory) -> None:
    """Even when the runner refuses work (restarting), the audit-channel post is not made on the way to the ack."""
    harness = harness_factory(audit_channel_id="CAUDIT0001")
    harness.bot.runner.drain(1)
    harness.slack.rate_limit("chat.postMessage", retry_after=3, times=5)

    started = time.monotonic()
    restarting, _ = harness.command("p7qr9qv")
    refused, _ = harness.command("p7qr9qv", user_id="UNOTALLOW1")
    typo, _ = harness.command("../etc")
    took = time.monotonic() - started

    assert "restarting" in ack_text(restarting)
    assert "not allowed" in ack_text(refused)
    assert "not a Baseten job ID" in ack_text(typo)
    assert took < 1.0, f"three acks took {took:.1f} s"


def test_confirm_active_promises_no_preview_in_its_first_answer(harness_factory: HarnessFactory) -> None:
    harness = harness_factory(confirm="active")

    response, _ = harness.command("p7qr9qv")

    assert "Looking up `p7qr9qv`" in ack_text(response)
    assert "before anything starts" not in ack_text(response)
