"""What the audit trail emits through the real app: one JSON log line per attempt, audit-channel posts, and
refusing to recreate when nothing can be recorded."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from bot.app import Collaborators
from bot.store import Outcome
from tests.bot.test_server import serving
from tests.conftest import ALLOWED_USER, Harness, ack_text
from tests.fakes.baseten import API_KEY
from tests.fakes.slack import BOT_TOKEN, Call
from tests.fakes.store import BrokenStore, RecordingStore
from tests.signing import SIGNING_SECRET

HarnessFactory = Callable[..., Harness]

AUDIT_LOGGER = "recreate_job.audit"
AUDIT_CHANNEL = "CAUDIT0001"
OTHER_USER = "UOTHER0001"
SECRETS = (BOT_TOKEN, SIGNING_SECRET, API_KEY)


class AuditLines:
    """The JSON lines written on the audit logger, as caplog saw them."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self._caplog = caplog

    def raw(self) -> list[str]:
        return [record.getMessage() for record in self._caplog.records if record.name == AUDIT_LOGGER]

    def parsed(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.raw()]


@pytest.fixture
def audit_lines(caplog: pytest.LogCaptureFixture) -> Iterator[AuditLines]:
    """caplog on the audit logger. bot.logs.configure() (run by main) stops it propagating; tests do not call it,
    but in case another test did, propagation is switched on for this test and restored after."""
    logger = logging.getLogger(AUDIT_LOGGER)
    propagated = logger.propagate
    logger.propagate = True
    caplog.set_level(logging.INFO, logger=AUDIT_LOGGER)
    try:
        yield AuditLines(caplog)
    finally:
        logger.propagate = propagated


def recording(harness_factory: HarnessFactory, **settings: Any) -> tuple[Harness, RecordingStore]:
    store = RecordingStore()
    harness = harness_factory(
        Collaborators(sleep=lambda _s: None, baseten_timeout=httpx.Timeout(2.0, read=1.0), store=store), **settings
    )
    return harness, store


def audit_posts(harness: Harness) -> list[Call]:
    return [call for call in harness.slack.of("chat.postMessage") if call.params.get("channel") == AUDIT_CHANNEL]


def wait_for_audit_posts(harness: Harness, count: int) -> list[Call]:
    harness.slack.wait_for(
        lambda calls: (
            sum(c.kind == "chat.postMessage" and c.params.get("channel") == AUDIT_CHANNEL for c in calls) >= count
        )
    )
    return audit_posts(harness)


def everything(call: Call) -> str:
    return json.dumps(call.params, ensure_ascii=False)


# --- one JSON line per attempt -----------------------------------------------------------------------------------


def test_a_recreate_writes_exactly_one_json_line_matching_its_record(
    harness_factory: HarnessFactory, audit_lines: AuditLines
) -> None:
    harness, store = recording(harness_factory)

    harness.command("p7qr9qv")
    harness.slack.wait_for_count("chat.postMessage")
    harness.drain()

    (line,) = audit_lines.parsed()
    record = store.final()[0]
    assert line == record.to_log()
    assert line["event"] == "recreate_attempt"
    assert line["outcome"] == "created"
    assert line["decision"] == "allowed"
    assert line["new_job_id"] == harness.baseten.created()[0]["id"]
    assert line["source_job_id"] == "p7qr9qv"
    assert line["user_id"] == ALLOWED_USER
    assert line["card_route"] == "channel"
    assert isinstance(line["baseten_ms"], float)
    assert line["created_at"].endswith("+00:00")


@pytest.mark.parametrize(
    ("text", "fields", "outcome", "decision"),
    [
        pytest.param("p7qr9qv", {"user_id": OTHER_USER}, "refused", "refused", id="refused"),
        pytest.param("n4q95w5 p7qr9qv extra", {}, "bad_input", "bad_input", id="bad-input"),
        pytest.param("zz9yy8x", {}, "not_found", "allowed", id="not-found"),
    ],
)
def test_every_other_end_writes_exactly_one_json_line(
    harness_factory: HarnessFactory,
    audit_lines: AuditLines,
    text: str,
    fields: dict[str, Any],
    outcome: str,
    decision: str,
) -> None:
    harness, store = recording(harness_factory)

    harness.command(text, **fields)
    harness.drain()

    (line,) = audit_lines.parsed()
    (record,) = store.final()
    assert line == record.to_log()
    assert (line["outcome"], line["decision"]) == (outcome, decision)
    assert line["command_text"] == text


def test_a_baseten_failure_writes_one_line_with_the_error(
    harness_factory: HarnessFactory, audit_lines: AuditLines
) -> None:
    harness, _store = recording(harness_factory)
    harness.baseten.fail("recreate", 403, {"message": "API key has no access to this project"})

    harness.command("n4q95w5 p7qr9qv")
    harness.drain()

    (line,) = audit_lines.parsed()
    assert line["outcome"] == "failed"
    assert "API key has no access to this project" in line["error"]


def test_history_and_help_write_no_audit_line(harness_factory: HarnessFactory, audit_lines: AuditLines) -> None:
    harness, _store = recording(harness_factory)

    harness.command("help")
    harness.command("history")
    harness.command("history p7qr9qv")
    harness.drain()

    assert audit_lines.raw() == []


def test_three_attempts_give_three_lines_one_per_request(
    harness_factory: HarnessFactory, audit_lines: AuditLines
) -> None:
    harness, store = recording(harness_factory)

    harness.command("p7qr9qv")
    harness.slack.wait_for_count("chat.postMessage")
    harness.command("p7qr9qv", user_id=OTHER_USER)
    harness.command("not a job id at all")
    harness.drain()

    lines = audit_lines.parsed()
    assert len(lines) == 3
    assert sorted(line["request_id"] for line in lines) == sorted(store.request_ids())
    assert sorted(line["outcome"] for line in lines) == ["bad_input", "created", "refused"]


def test_audit_lines_are_single_line_json_and_carry_no_secrets(
    harness_factory: HarnessFactory, audit_lines: AuditLines
) -> None:
    harness, _store = recording(harness_factory)
    harness.baseten.fail("recreate", 403, {"message": "API key has no access to this project"})

    _, failed_url = harness.command("n4q95w5 p7qr9qv")
    harness.slack.wait_for_count("response_url")
    _, typo_url = harness.command("p7qr9qv\nsecond line")  # bad input with a newline in it
    _, refused_url = harness.command("p7qr9qv", user_id=OTHER_USER)
    harness.drain()

    raw = audit_lines.raw()
    assert len(raw) == 3
    typo = next(json.loads(line) for line in raw if json.loads(line)["outcome"] == "bad_input")
    assert typo["command_text"] == "p7qr9qv\nsecond line"
    for line in raw:
        assert "\n" not in line
        for secret in SECRETS:
            assert secret not in line
        # A response_url lets anyone post into the conversation for half an hour; it is not logged either.
        for url in (failed_url, typo_url, refused_url):
            assert url not in line


# --- the audit channel -------------------------------------------------------------------------------------------


def test_a_recreate_is_announced_in_the_audit_channel(harness_factory: HarnessFactory) -> None:
    harness, store = recording(harness_factory, audit_channel_id=AUDIT_CHANNEL)

    harness.command("p7qr9qv")

    (post,) = wait_for_audit_posts(harness, 1)
    harness.drain()
    new_job = harness.baseten.created()[0]
    record = store.final()[0]
    text = everything(post)
    assert f"<@{ALLOWED_USER}>" in text
    assert "<#CCHANNEL01>" in text
    assert "`p7qr9qv`" in text
    assert f"`{new_job['id']}`" in text
    assert f"request `{record.request_id}`" in text
    # The card still went to the conversation it was asked in.
    assert [call.params["channel"] for call in harness.slack.of("chat.postMessage")].count("CCHANNEL01") == 1


def test_a_refusal_is_announced_in_the_audit_channel_with_the_typed_text_escaped(
    harness_factory: HarnessFactory,
) -> None:
    harness, store = recording(harness_factory, audit_channel_id=AUDIT_CHANNEL)

    response, _ = harness.command("p7qr9qv <!channel>", user_id=OTHER_USER)

    assert "not allowed" in ack_text(response)
    (post,) = wait_for_audit_posts(harness, 1)
    harness.drain()
    text = everything(post)
    assert f"<@{OTHER_USER}>" in text
    assert "refused" in text
    assert "user_not_allowed" in text
    assert "&lt;!channel&gt;" in text
    assert "<!channel>" not in text  # typed by a stranger: shown, never a live @channel
    (record,) = store.final()
    assert f"request `{record.request_id}`" in text
    assert harness.baseten.seen == []


def test_a_refused_history_request_is_announced_too(harness_factory: HarnessFactory) -> None:
    harness, _store = recording(harness_factory, audit_channel_id=AUDIT_CHANNEL)

    harness.command("history", user_id=OTHER_USER)

    (post,) = wait_for_audit_posts(harness, 1)
    assert f"<@{OTHER_USER}>" in everything(post)
    assert "`history`" in everything(post)


def test_bad_input_is_not_announced_in_the_audit_channel(harness_factory: HarnessFactory) -> None:
    harness, store = recording(harness_factory, audit_channel_id=AUDIT_CHANNEL)

    harness.command("n4q95w5 p7qr9qv extra <!channel>")
    harness.drain()

    assert harness.slack.of("chat.postMessage") == []
    (record,) = store.final()
    assert record.outcome is Outcome.BAD_INPUT  # still on record, just not announced


def test_without_an_audit_channel_nothing_extra_is_posted(harness_factory: HarnessFactory) -> None:
    harness, _store = recording(harness_factory)

    harness.command("p7qr9qv", user_id=OTHER_USER)
    harness.command("p7qr9qv")
    harness.slack.wait_for_count("chat.postMessage")
    harness.drain()

    assert [call.params["channel"] for call in harness.slack.of("chat.postMessage")] == ["CCHANNEL01"]


def test_when_the_audit_channel_refuses_the_post_the_attempt_is_still_answered_and_recorded(
    harness_factory: HarnessFactory, caplog: pytest.LogCaptureFixture
) -> None:
    harness, store = recording(harness_factory, audit_channel_id=AUDIT_CHANNEL)
    harness.slack.fail("chat.postMessage", "not_in_channel")

    with caplog.at_level(logging.ERROR, logger="bot.audit"):
        response, _ = harness.command("p7qr9qv", user_id=OTHER_USER)
        harness.drain()

    assert "not allowed" in ack_text(response)
    assert len(audit_posts(harness)) == 1  # tried once
    (record,) = store.final()
    assert record.outcome is Outcome.REFUSED
    assert any(
        record.request_id in r.getMessage() and AUDIT_CHANNEL in r.getMessage()
        for r in caplog.records
        if r.name == "bot.audit"
    )


# --- no record, no recreate --------------------------------------------------------------------------------------


def test_when_the_trail_cannot_be_written_the_recreate_is_refused_and_nothing_reaches_baseten(
    harness_factory: HarnessFactory,
) -> None:
    store = BrokenStore()
    harness = harness_factory(
        Collaborators(sleep=lambda _s: None, baseten_timeout=httpx.Timeout(2.0, read=1.0), store=store),
        audit_channel_id=AUDIT_CHANNEL,
    )

    response, _ = harness.command("p7qr9qv")

    assert response.status == 200
    ack = ack_text(response)
    assert "cannot write to the audit trail" in ack
    assert "nothing was sent to Baseten" in ack
    assert "Recreating" not in ack
    harness.drain()
    assert store.write_attempts >= 1
    assert harness.baseten.seen == []
    assert harness.baseten.created() == []
    assert harness.slack.of("chat.postMessage") == []


def test_a_store_that_was_closed_under_the_bot_refuses_the_recreate(
    harness_factory: HarnessFactory, tmp_path: Any
) -> None:
    harness = harness_factory(database_url=f"sqlite:///{tmp_path}/audit.db")
    harness.bot.store.close()

    response, _ = harness.command("p7qr9qv")

    assert "cannot write to the audit trail" in ack_text(response)
    harness.drain()
    assert harness.baseten.seen == []


def test_refusals_and_typos_are_still_answered_when_the_trail_cannot_be_written(
    harness_factory: HarnessFactory, caplog: pytest.LogCaptureFixture
) -> None:
    store = BrokenStore()
    harness = harness_factory(
        Collaborators(sleep=lambda _s: None, baseten_timeout=httpx.Timeout(2.0, read=1.0), store=store)
    )

    with caplog.at_level(logging.ERROR, logger="bot.audit"):
        refused, _ = harness.command("p7qr9qv", user_id=OTHER_USER)
        typo, _ = harness.command("n4q95w5 p7qr9qv extra")
        harness.drain()

    assert "not allowed" in ack_text(refused)
    assert "3 words" in ack_text(typo)
    assert store.write_attempts == 2
    failures = [record for record in caplog.records if record.name == "bot.audit" and record.levelno >= logging.ERROR]
    assert len(failures) == 2
    # The record that could not be stored is in the error log, so it is not lost.
    assert all("user_not_allowed" in r.getMessage() or "3 words" in r.getMessage() for r in failures)
    assert harness.baseten.seen == []


def test_a_flood_of_refusals_over_http_with_a_slow_audit_channel_is_combined_and_blocks_no_allowed_user(
    harness_factory: HarnessFactory,
) -> None:
    store = RecordingStore()
    parts = Collaborators(
        sleep=lambda _s: None, baseten_timeout=httpx.Timeout(2.0, read=1.0), store=store, audit_window=2.0
    )
    harness = harness_factory(parts, audit_channel_id=AUDIT_CHANNEL)
    # Every post to Slack takes a while: the audit channel is slow to accept lines.
    harness.slack.slow("chat.postMessage", seconds=0.2, times=2000)
    with serving(harness) as served:
        assert "not allowed" in served.command("p7qr9qv", user_id=OTHER_USER).json()["text"]
        before = threading.active_count()

        for _ in range(FLOOD - 1):
            assert "not allowed" in served.command("p7qr9qv", user_id=OTHER_USER).json()["text"]
        during = threading.active_count()
        sent = time.monotonic()
        response = served.command("p7qr9qv")
        acked_after = time.monotonic() - sent

        assert "Recreating `p7qr9qv`" in response.json()["text"]
        assert acked_after < 1.0
        # Its card and its own audit line are not stuck behind 600 lines about someone else.
        harness.slack.wait_for(
            lambda calls: any(
                ALLOWED_USER in everything(c) and c.params.get("channel") == AUDIT_CHANNEL for c in calls
            ),
            timeout=5,
        )
        assert during - before < 5, f"{before} threads before the flood, {during} after"

        # The refusals end up in a few combined lines: one as it happens, then one per window for the rest.
        def refusals_counted(calls: list[Call]) -> int:
            return sum(refusals_in(c) for c in audit_lines_in(calls))

        harness.slack.wait_for(lambda calls: refusals_counted(calls) >= FLOOD, timeout=10)
    harness.drain()
    lines = [call for call in audit_posts(harness) if OTHER_USER in everything(call)]
    assert sum(refusals_in(call) for call in lines) == FLOOD
    assert len(lines) <= 10
    assert any(re.search(r"refused \d+ more times in the last 2 seconds", everything(call)) for call in lines)
    assert len(store.final()) == FLOOD + 1  # every refusal is still in the store, one record each
    assert len(harness.baseten.created()) == 1


FLOOD = 600


def audit_lines_in(calls: list[Call]) -> list[Call]:
    return [c for c in calls if c.kind == "chat.postMessage" and c.params.get("channel") == AUDIT_CHANNEL]


def refusals_in(call: Call) -> int:
    """How many refusals an audit-channel line stands for: one, or the count a combined line gives."""
    text = everything(call)
    if (combined := re.search(r"refused (\d+)( more)? times?", text)) is not None:
        return int(combined.group(1))
    return 1 if "was refused in" in text else 0


def test_many_refused_people_at_once_never_crowd_an_allowed_line_out_of_the_audit_channel(
    harness_factory: HarnessFactory,
) -> None:
    store = RecordingStore()
    parts = Collaborators(sleep=lambda _s: None, store=store, audit_window=60.0)
    harness = harness_factory(parts, audit_channel_id=AUDIT_CHANNEL)
    # The channel takes its first line slowly, so every refusal below arrives while the queue cannot drain.
    harness.slack.slow("chat.postMessage", seconds=5, times=1)
    outsiders = [f"U0OUT{n:04d}" for n in range(150)]
    with serving(harness) as served:
        for outsider in outsiders:
            assert "not allowed" in served.command("p7qr9qv", user_id=outsider).json()["text"]
        assert "Recreating `p7qr9qv`" in served.command("p7qr9qv").json()["text"]
        # 150 people refused once each would fill the queue; half of it is kept for allowed people's lines.
        harness.slack.wait_for(
            lambda calls: any(ALLOWED_USER in everything(c) for c in audit_lines_in(calls)),
            timeout=10,
        )
    harness.drain()
    assert len(store.final()) == len(outsiders) + 1  # every refusal is still in the store
