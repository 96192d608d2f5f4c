"""Job links unfurled through signed Events API requests to the real app, and the unfurl's Recreate button."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_bolt import BoltResponse
from slack_bolt.request import BoltRequest

from bot.app import Collaborators
from bot.runner import Runner
from bot.settings import ConfigError
from bot.store import Outcome
from tests.conftest import ALLOWED_USER, Harness, make_settings
from tests.fakes.baseten import FakeBaseten
from tests.fakes.slack import Call, FakeSlack
from tests.signing import link_shared_body, signed_headers

HarnessFactory = Callable[..., Harness]
LOGS_LINK = "https://app.baseten.co/training/n4q95w5/logs/p7qr9qv"
JOBS_LINK = "https://app.baseten.co/training/jobs/p7qr9qv"
OTHER_LINK = "https://app.baseten.co/models/abc1234/overview"
UNLISTED = "UOTHER0001"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def post_links(harness: Harness, links: list[str], **fields: Any) -> BoltResponse:
    body = link_shared_body(links, **fields)
    return harness.bot.app.dispatch(BoltRequest(body=body, headers=signed_headers(body)))


def unfurls_of(call: Call) -> dict[str, Any]:
    unfurls = call.params["unfurls"]
    return dict(json.loads(unfurls) if isinstance(unfurls, str) else unfurls)


def buttons(unfurl: dict[str, Any]) -> list[dict[str, Any]]:
    return [element for block in unfurl["blocks"] if block["type"] == "actions" for element in block["elements"]]


def settled(harness: Harness) -> None:
    """Unfurls run on the side lane, the recreates they lead to on the runner: both are done."""
    assert harness.bot.lane is not None
    harness.bot.lane.wait_idle()
    assert harness.bot.runner.wait_idle(10) == []


def test_an_allowed_posters_job_links_are_unfurled_in_both_forms_and_other_links_left_to_slack(
    harness: Harness, slack: FakeSlack
) -> None:
    response = post_links(harness, [LOGS_LINK, JOBS_LINK, OTHER_LINK])

    assert response.status == 200
    [call] = slack.wait_for_count("chat.unfurl")
    assert call.params["channel"] == "CCHANNEL01" and call.params["ts"] == "1700000000.000100"
    unfurls = unfurls_of(call)
    assert sorted(unfurls) == sorted([LOGS_LINK, JOBS_LINK])
    card = json.dumps(unfurls[LOGS_LINK], ensure_ascii=False)
    for shown in ("p7qr9qv", "gpt-oss-job", "llama-finetune", "n4q95w5", "Completed", "H100 x8", "8 × H100", "Created"):
        assert shown in card, shown
    recreate, open_link = buttons(unfurls[LOGS_LINK])
    assert (recreate["action_id"], recreate["value"]) == ("recreate_job_from_link", "n4q95w5/p7qr9qv")
    assert open_link["url"] == LOGS_LINK
    # The short form, found through Baseten's search, carries its project too.
    assert buttons(unfurls[JOBS_LINK])[0]["value"] == "n4q95w5/p7qr9qv"


def test_an_unlisted_posters_links_are_not_unfurled_and_baseten_is_not_asked(
    harness: Harness, slack: FakeSlack, baseten: FakeBaseten
) -> None:
    assert post_links(harness, [LOGS_LINK], user_id=UNLISTED).status == 200
    settled(harness)

    assert slack.of("chat.unfurl") == []
    assert baseten.seen == []


def test_links_in_a_conversation_outside_allowed_channel_ids_are_not_unfurled(
    harness_factory: HarnessFactory, slack: FakeSlack
) -> None:
    harness = harness_factory(allowed_channel_ids="CONLYHERE1")
    post_links(harness, [LOGS_LINK])
    settled(harness)
    assert slack.of("chat.unfurl") == []

    post_links(harness, [LOGS_LINK], channel_id="CONLYHERE1")
    slack.wait_for_count("chat.unfurl")


def test_links_in_a_slack_connect_channel_are_not_unfurled_unless_unfurl_shared_channels_is_set(
    harness_factory: HarnessFactory, slack: FakeSlack, baseten: FakeBaseten
) -> None:
    harness = harness_factory()
    post_links(harness, [LOGS_LINK], ext_shared=True)
    settled(harness)
    assert slack.of("chat.unfurl") == []
    assert baseten.seen == []

    opted_in = harness_factory(unfurl_shared_channels="true")
    post_links(opted_in, [LOGS_LINK], ext_shared=True)
    slack.wait_for_count("chat.unfurl")


def test_without_slacks_shared_flag_conversations_info_decides_and_an_unknown_channel_is_taken_as_shared(
    harness: Harness, slack: FakeSlack
) -> None:
    slack.conversations["CSHARED001"] = {"id": "CSHARED001", "is_ext_shared": True}
    slack.conversations["CCHANNEL01"] = {"id": "CCHANNEL01", "is_ext_shared": False}

    for channel in ("CSHARED001", "CUNKNOWN01"):
        post_links(harness, [LOGS_LINK], ext_shared=None, channel_id=channel)
    settled(harness)
    assert slack.of("chat.unfurl") == []

    post_links(harness, [LOGS_LINK], ext_shared=None)
    [call] = slack.wait_for_count("chat.unfurl")
    assert call.params["channel"] == "CCHANNEL01"
    asked = sorted(c.params["channel"] for c in slack.of("conversations.info"))
    assert asked == ["CCHANNEL01", "CSHARED001", "CUNKNOWN01"]


def test_two_messages_in_one_channel_ask_conversations_info_once_and_a_failed_answer_is_asked_again(
    harness: Harness, slack: FakeSlack
) -> None:
    slack.conversations["CCHANNEL01"] = {"id": "CCHANNEL01", "is_ext_shared": False}

    post_links(harness, [LOGS_LINK], ext_shared=None, message_ts="1700000000.000100")
    post_links(harness, [JOBS_LINK], ext_shared=None, message_ts="1700000001.000100")
    slack.wait_for_count("chat.unfurl", 2)
    for _ in range(2):
        post_links(harness, [LOGS_LINK], ext_shared=None, channel_id="CUNKNOWN01")
    settled(harness)

    asked = [c.params["channel"] for c in slack.of("conversations.info")]
    assert sorted(asked) == ["CCHANNEL01", "CUNKNOWN01", "CUNKNOWN01"]
    assert [c.params["channel"] for c in slack.of("chat.unfurl")] == ["CCHANNEL01", "CCHANNEL01"]


def test_unfurls_run_beside_the_runner_so_a_full_runner_still_unfurls(
    harness_factory: HarnessFactory, slack: FakeSlack
) -> None:
    full = Runner(workers=1, max_queued=0)
    harness = harness_factory(Collaborators(sleep=lambda _s: None, runner=full))
    release = threading.Event()
    assert full.submit(release.wait, "a recreate that holds the only place")
    try:
        post_links(harness, [LOGS_LINK])
        [call] = slack.wait_for_count("chat.unfurl")
        assert call.params["channel"] == "CCHANNEL01"
    finally:
        release.set()


def test_a_link_still_in_the_composer_is_not_unfurled(harness: Harness, slack: FakeSlack) -> None:
    post_links(harness, [LOGS_LINK], source="composer", channel_id="COMPOSER")
    settled(harness)
    assert slack.of("chat.unfurl") == []


def test_the_same_link_within_a_minute_is_unfurled_from_the_cache_and_read_again_after(
    harness_factory: HarnessFactory, slack: FakeSlack, baseten: FakeBaseten
) -> None:
    clock = Clock()
    harness = harness_factory(Collaborators(sleep=lambda _s: None, clock=clock))

    post_links(harness, [LOGS_LINK], message_ts="1700000000.000100")
    slack.wait_for_count("chat.unfurl", 1)
    clock.now += timedelta(seconds=59)
    post_links(harness, [LOGS_LINK], message_ts="1700000050.000100")
    slack.wait_for_count("chat.unfurl", 2)
    assert len(baseten.calls("get")) == 1

    clock.now += timedelta(seconds=2)
    post_links(harness, [LOGS_LINK], message_ts="1700000100.000100")
    slack.wait_for_count("chat.unfurl", 3)
    assert len(baseten.calls("get")) == 2


def test_a_link_to_a_job_baseten_does_not_know_is_left_to_slack(harness: Harness, slack: FakeSlack) -> None:
    post_links(harness, ["https://app.baseten.co/training/n4q95w5/logs/zzzz999"])
    settled(harness)
    assert slack.of("chat.unfurl") == []


def test_slacks_url_verification_challenge_is_answered_when_signed_and_refused_when_not(harness: Harness) -> None:
    challenge = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    body = json.dumps({"token": "legacy", "challenge": challenge, "type": "url_verification"})

    answered = harness.bot.app.dispatch(BoltRequest(body=body, headers=signed_headers(body)))
    forged = harness.bot.app.dispatch(BoltRequest(body=body, headers=signed_headers(body, secret="not-the-secret")))

    assert answered.status == 200
    assert json.loads(answered.body)["challenge"] == challenge
    assert forged.status == 401


def test_an_unsigned_link_shared_event_is_refused_and_nothing_is_unfurled(harness: Harness, slack: FakeSlack) -> None:
    body = link_shared_body([LOGS_LINK])
    response = harness.bot.app.dispatch(BoltRequest(body=body, headers=signed_headers(body, secret="wrong")))
    settled(harness)
    assert response.status == 401
    assert slack.of("chat.unfurl") == []


def test_the_unfurls_recreate_shows_the_tapper_alone_the_preview_and_one_more_tap_recreates(
    harness_factory: HarnessFactory, slack: FakeSlack, baseten: FakeBaseten
) -> None:
    harness = harness_factory(confirm="always")

    harness.click("recreate_job_from_link", "n4q95w5/p7qr9qv", response_url=slack.response_url("tap"))

    preview = wait_for_reply(slack, "recreate_job_confirm")
    assert preview.path == "/response/tap"
    assert preview.params.get("response_type", "ephemeral") == "ephemeral"
    assert baseten.calls("recreate") == []
    [looking] = [c for c in slack.of("response_url") if "Looking up" in json.dumps(c.params)]
    assert looking.at <= preview.at
    harness.click("recreate_job_confirm", confirm_value(preview))
    settled(harness)
    [created] = baseten.created()
    assert created["recreated_from"] == "p7qr9qv"
    [record] = harness.bot.store.visible(5, channel_id="CCHANNEL01", user_id=ALLOWED_USER)
    assert record.outcome is Outcome.CREATED
    assert record.command_text == "link unfurl: n4q95w5/p7qr9qv"


def test_the_unfurls_recreate_tapped_by_an_unlisted_user_is_refused_recorded_and_sends_nothing(
    harness: Harness, slack: FakeSlack, baseten: FakeBaseten
) -> None:
    harness.click("recreate_job_from_link", "n4q95w5/p7qr9qv", user_id=UNLISTED, response_url=slack.response_url("no"))

    refusal = wait_for_reply(slack, "not allowed")
    assert refusal.path == "/response/no"
    settled(harness)
    assert baseten.seen == []
    [record] = [r for r in harness.bot.store.involving("p7qr9qv", 5) if r.user_id == UNLISTED]
    assert record.outcome is Outcome.REFUSED and record.refusal == "user_not_allowed"
    assert record.source_job_id == "p7qr9qv"


def test_a_malformed_unfurl_shared_channels_stops_start_up_with_one_line_naming_it(
    slack: FakeSlack, baseten: FakeBaseten
) -> None:
    with pytest.raises(ConfigError) as caught:
        make_settings(slack, baseten, unfurl_shared_channels="sometimes")
    assert str(caught.value) == "Configuration error: UNFURL_SHARED_CHANNELS 'sometimes' is not true or false"


def wait_for_reply(slack: FakeSlack, containing: str) -> Call:
    def found(calls: list[Call]) -> bool:
        return any(c.kind == "response_url" and containing in json.dumps(c.params) for c in calls)

    slack.wait_for(found)
    return next(c for c in slack.of("response_url") if containing in json.dumps(c.params))


def confirm_value(call: Call) -> str:
    for block in call.params.get("blocks") or []:
        for element in block.get("elements", []):
            if element.get("action_id") == "recreate_job_confirm":
                return str(element["value"])
    raise AssertionError("no Recreate button in the preview")


def test_a_link_baseten_failed_to_read_is_read_again_the_next_time_not_left_blank_for_a_minute(
    harness_factory: HarnessFactory, slack: FakeSlack, baseten: FakeBaseten
) -> None:
    harness = harness_factory(Collaborators(sleep=lambda _s: None, clock=Clock()))
    baseten.fail("get", 503, times=2)  # the quick reader tries twice

    post_links(harness, [LOGS_LINK], message_ts="1700000000.000100")
    settled(harness)
    assert slack.of("chat.unfurl") == []

    post_links(harness, [LOGS_LINK], message_ts="1700000010.000100")
    slack.wait_for_count("chat.unfurl", 1)
    assert len(baseten.calls("get")) == 3


def test_a_tap_takes_one_place_on_the_runner_so_the_last_free_place_still_brings_the_preview(
    harness_factory: HarnessFactory, slack: FakeSlack, baseten: FakeBaseten
) -> None:
    one_place = Runner(workers=1, max_queued=0)
    harness = harness_factory(Collaborators(sleep=lambda _s: None, runner=one_place), confirm="always")

    harness.click("recreate_job_from_link", "n4q95w5/p7qr9qv", response_url=slack.response_url("tap"))

    preview = wait_for_reply(slack, "recreate_job_confirm")
    assert preview.path == "/response/tap"
    assert not any("too many recreates" in json.dumps(c.params) for c in slack.of("response_url"))
    settled(harness)
    [record] = harness.bot.store.visible(5, channel_id="CCHANNEL01", user_id=ALLOWED_USER)
    assert record.outcome is Outcome.AWAITING_CONFIRMATION
