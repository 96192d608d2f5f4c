"""Signed slash commands through the real app, against loopback fakes of Slack and Baseten."""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from slack_bolt import BoltResponse
from slack_bolt.request import BoltRequest

from bot.app import Collaborators
from bot.runner import Runner
from bot.store import Outcome
from tests.conftest import ALLOWED_USER, Harness, ack_text
from tests.fakes.baseten import A10G, API_KEY
from tests.fakes.http import Response
from tests.fakes.slack import Call, FakeSlack
from tests.signing import command_body, signed_headers

HarnessFactory = Callable[..., Harness]

SOURCE_PROJECT = "n4q95w5"
SOURCE_JOB = "p7qr9qv"
RECREATE_PATH = f"/v1/training_projects/{SOURCE_PROJECT}/jobs/{SOURCE_JOB}/recreate"
RATE_LIMITED = {"error": "Rate limit exceeded. Please try again later.", "retry_after": 37}


# --- helpers ------------------------------------------------------------------------------------------------------


def ack_body(response: BoltResponse) -> dict[str, Any]:
    return json.loads(response.body) if response.body else {}


def assert_ephemeral_ack(response: BoltResponse) -> str:
    """The ack is a 200 only the requester sees; returns its text."""
    assert response.status == 200
    body = ack_body(response)
    assert body.get("response_type", "ephemeral") == "ephemeral"
    assert body.get("text")
    return str(body["text"])


def everything(call: Call) -> str:
    """All a Slack call carried (text, blocks, response_type), as one searchable string."""
    return json.dumps(call.params, ensure_ascii=False)


def assert_job_card(call: Call, new_job: dict[str, Any], *, source_job: str = SOURCE_JOB) -> None:
    """The channel card names the new job, its status and hardware, who asked, the source job and a link."""
    assert call.params["channel"] == "CCHANNEL01"
    assert new_job["id"] in call.params["text"]
    shown = everything(call)
    assert f"Training job recreated: {new_job['id']}" in shown
    assert "Created" in shown  # status of a fresh recreate (TRAINING_JOB_CREATED)
    assert "H100 x8" in shown  # instance
    assert "8 × H100 (80 GiB each)" in shown  # GPUs
    assert f"<@{ALLOWED_USER}>" in shown  # requester
    assert f"`{source_job}`" in shown  # source job
    assert f"https://app.baseten.co/training/{new_job['training_project_id']}/logs/{new_job['id']}" in shown


def reply_to_requester(harness: Harness) -> Call:
    """The latest message sent through a response_url, once there is one."""
    return harness.slack.wait_for_count("response_url")[-1]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def messages_sent(slack: FakeSlack) -> list[Call]:
    """What reached Slack besides the bot's own token check (auth.test): posts, replies, look-ups."""
    return [call for call in slack.calls if call.kind != "auth.test"]


def assert_nothing_reached_baseten(harness: Harness) -> None:
    harness.drain()
    assert harness.baseten.seen == []
    assert harness.slack.of("chat.postMessage") == []


# --- success, by each way people type the command ----------------------------------------------------------------


def test_job_id_alone_is_looked_up_recreated_and_posted_in_the_channel(harness: Harness) -> None:
    response, _ = harness.command("p7qr9qv")

    assert response.status == 200
    assert "Recreating `p7qr9qv`" in ack_text(response)
    posts = harness.slack.wait_for_count("chat.postMessage")
    card = posts[0].params
    assert card["channel"] == "CCHANNEL01"
    new_job = harness.baseten.created()[0]
    assert new_job["recreated_from"] == "p7qr9qv"
    assert new_job["id"] in card["text"]
    blocks = str(card["blocks"])
    assert f"<@{ALLOWED_USER}>" in blocks
    assert "8 × H100 (80 GiB each)" in blocks
    assert f"/training/n4q95w5/logs/{new_job['id']}" in blocks
    assert [seen.path for seen in harness.baseten.seen] == [
        "/v1/training_jobs/search",
        "/v1/training_projects/n4q95w5/jobs/p7qr9qv/recreate",
    ]


@pytest.mark.parametrize(
    ("text", "searched"),
    [
        pytest.param("p7qr9qv", True, id="job-id-alone"),
        pytest.param("n4q95w5 p7qr9qv", False, id="project-and-job"),
        pytest.param("<https://app.baseten.co/training/n4q95w5/logs/p7qr9qv|link>", False, id="dashboard-link"),
        pytest.param("https://app.baseten.co/training/jobs/p7qr9qv", True, id="old-link"),
        pytest.param("<https://app.baseten.co/training/jobs/p7qr9qv>", True, id="old-link-as-slack-sends-it"),
        pytest.param("\u00a0\u201cP7qr9qv.\u201d\u00a0", True, id="phone-smart-quotes-nbsp-period"),
        pytest.param("\u2018n4q95w5\u2019\u00a0P7qr9qv.", False, id="phone-project-and-job"),
    ],
)
def test_each_input_form_recreates_the_job_and_posts_the_card(harness: Harness, text: str, searched: bool) -> None:
    response, _ = harness.command(text)

    ack = assert_ephemeral_ack(response)
    assert "Recreating `p7qr9qv`" in ack
    card = harness.slack.wait_for_count("chat.postMessage")[0]
    created = harness.baseten.created()
    assert len(created) == 1
    assert created[0]["recreated_from"] == SOURCE_JOB
    assert_job_card(card, created[0])
    harness.drain()
    assert len(harness.baseten.calls("search")) == (1 if searched else 0)
    assert [seen.path for seen in harness.baseten.calls("recreate")] == [RECREATE_PATH]


def test_the_card_shows_a_cpu_only_multi_node_job_as_baseten_returns_it(harness: Harness) -> None:
    harness.baseten.add_job("k2m4n6p", "r5t7v9x", project_name="evals", name="eval-run", instance=A10G, node_count=4)

    harness.command("r5t7v9x")

    card = harness.slack.wait_for_count("chat.postMessage")[0]
    new_job = harness.baseten.created()[0]
    assert new_job["recreated_from"] == "r5t7v9x"
    shown = everything(card)
    assert "4 nodes × 1 × A10G = 4 GPUs" in shown
    assert f"https://app.baseten.co/training/k2m4n6p/logs/{new_job['id']}" in shown


# --- help and bad input ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["help", "", "   ", "--help"])
def test_help_or_empty_text_shows_usage_and_sends_nothing(harness: Harness, text: str) -> None:
    response, _ = harness.command(text)

    ack = assert_ephemeral_ack(response)
    assert "/recreate-job <job_id>" in ack
    assert "/recreate-job <project_id> <job_id>" in ack
    assert_nothing_reached_baseten(harness)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param("n4q95w5 p7qr9qv extra", "3 words", id="three-words"),
        pytest.param("../../etc", "is not a Baseten", id="path-traversal"),
        pytest.param("<https://evil.example/training/n4q95w5/logs/p7qr9qv|link>", "not a Baseten link", id="foreign"),
        pytest.param("https://app.baseten.co/models/abc1234", "does not point at a training job", id="not-a-job"),
        pytest.param(
            "https://app.baseten.co@evil.example/training/n4q95w5/logs/p7qr9qv", "not a Baseten link", id="userinfo"
        ),
        pytest.param("https://evilbaseten.co/training/n4q95w5/logs/p7qr9qv", "not a Baseten link", id="lookalike"),
    ],
)
def test_bad_input_gets_an_ephemeral_error_with_usage_and_sends_nothing(
    harness: Harness, text: str, problem: str
) -> None:
    response, _ = harness.command(text)

    ack = assert_ephemeral_ack(response)
    assert problem in ack
    assert "Use one of:" in ack
    assert "/recreate-job <job_id>" in ack
    assert "Recreating" not in ack
    assert_nothing_reached_baseten(harness)


def test_typed_text_echoed_in_an_error_cannot_ping_anyone(harness: Harness) -> None:
    # Slack sends a typed "<!here>" HTML-escaped; the error quoting it must not turn it back into a ping.
    response, _ = harness.command("&lt;!here&gt;")

    ack = assert_ephemeral_ack(response)
    shown = json.dumps(ack_body(response))
    assert "<!here>" not in shown
    assert "&lt;!here&gt;" in ack
    assert_nothing_reached_baseten(harness)


# --- who may recreate --------------------------------------------------------------------------------------------


def test_a_user_not_on_the_allowlist_is_refused_and_told_how_to_get_access(harness: Harness) -> None:
    response, _ = harness.command("p7qr9qv", user_id="UOTHER0001")

    ack = assert_ephemeral_ack(response)
    assert "not allowed" in ack
    assert "ALLOWED_USER_IDS" in ack
    assert "Nothing was sent to Baseten" in ack
    assert_nothing_reached_baseten(harness)


def test_without_any_allowlist_nobody_may_recreate(harness_factory: HarnessFactory) -> None:
    harness = harness_factory(allowed_user_ids="")

    response, _ = harness.command("p7qr9qv")

    ack = assert_ephemeral_ack(response)
    assert "no allowlist" in ack
    assert "ALLOWED_USER_IDS or ALLOWED_USERGROUP_IDS" in ack
    assert_nothing_reached_baseten(harness)


def test_a_channel_outside_allowed_channel_ids_is_refused_and_names_the_allowed_one(
    harness_factory: HarnessFactory,
) -> None:
    harness = harness_factory(allowed_channel_ids="CONCALL001")

    response, _ = harness.command("p7qr9qv", channel_id="CCHANNEL01")

    ack = assert_ephemeral_ack(response)
    assert "<#CONCALL001>" in ack
    assert "Nothing was sent to Baseten" in ack
    assert_nothing_reached_baseten(harness)


def test_the_allowed_channel_works(harness_factory: HarnessFactory) -> None:
    harness = harness_factory(allowed_channel_ids="CCHANNEL01")

    response, _ = harness.command("p7qr9qv")

    assert "Recreating" in assert_ephemeral_ack(response)
    harness.slack.wait_for_count("chat.postMessage")
    assert len(harness.baseten.created()) == 1


def test_a_command_from_another_workspace_is_refused(harness_factory: HarnessFactory) -> None:
    harness = harness_factory(slack_team_id="T0TEAM0001")

    response, _ = harness.command("p7qr9qv", team_id="T0OTHER001")

    ack = assert_ephemeral_ack(response)
    assert "workspace" in ack
    assert "Nothing was sent to Baseten" in ack
    assert_nothing_reached_baseten(harness)


def test_without_slack_team_id_the_bot_tokens_own_workspace_is_enforced(harness: Harness) -> None:
    """A user of another organization in a shared channel: their commands carry their own workspace's ID."""
    response, _ = harness.command("p7qr9qv", team_id="T0OTHER001")

    ack = assert_ephemeral_ack(response)
    assert "workspace" in ack
    assert_nothing_reached_baseten(harness)


def test_without_slack_team_id_the_bot_tokens_own_workspace_may_recreate(harness: Harness) -> None:
    response, _ = harness.command("p7qr9qv", team_id="T0TEAM0001")  # the workspace auth.test names

    assert "Recreating" in assert_ephemeral_ack(response)


def test_with_slack_enterprise_id_any_workspace_of_that_enterprise_is_accepted(
    harness_factory: HarnessFactory,
) -> None:
    harness = harness_factory(slack_enterprise_id="E0GRID0001")

    sister, _ = harness.command("p7qr9qv", team_id="T0SISTER01", enterprise_id="E0GRID0001")
    outsider, _ = harness.command("p7qr9qv", team_id="T0OTHER001", enterprise_id="E0OTHER001")
    alone, _ = harness.command("p7qr9qv", team_id="T0TEAM0001")

    assert "Recreating" in assert_ephemeral_ack(sister)
    assert "workspace" in assert_ephemeral_ack(outsider)
    assert "workspace" in assert_ephemeral_ack(alone)  # no enterprise in the payload: not one of its workspaces
    harness.drain()
    assert len(harness.baseten.created()) == 1


def test_a_member_of_an_allowed_user_group_may_recreate(harness_factory: HarnessFactory) -> None:
    harness = harness_factory(allowed_user_ids="", allowed_usergroup_ids="S0ONCALL1")
    harness.slack.usergroups["S0ONCALL1"] = ["USOMEONE01", ALLOWED_USER]

    response, _ = harness.command("p7qr9qv")

    assert "Recreating" in assert_ephemeral_ack(response)
    card = harness.slack.wait_for_count("chat.postMessage")[0]
    assert_job_card(card, harness.baseten.created()[0])
    assert harness.slack.of("usergroups.users.list")[0].params["usergroup"] == "S0ONCALL1"


def test_someone_outside_the_allowed_user_group_is_refused(harness_factory: HarnessFactory) -> None:
    harness = harness_factory(allowed_user_ids="", allowed_usergroup_ids="S0ONCALL1")
    harness.slack.usergroups["S0ONCALL1"] = ["USOMEONE01"]

    response, _ = harness.command("p7qr9qv")

    ack = assert_ephemeral_ack(response)
    assert "not allowed" in ack
    assert "allowed user groups" in ack
    assert_nothing_reached_baseten(harness)


def test_when_slack_cannot_list_the_user_group_the_user_is_refused(harness_factory: HarnessFactory) -> None:
    harness = harness_factory(allowed_user_ids="", allowed_usergroup_ids="S0ONCALL1")
    harness.slack.usergroups["S0ONCALL1"] = [ALLOWED_USER]
    harness.slack.fail("usergroups.users.list", "internal_error")

    response, _ = harness.command("p7qr9qv")

    ack = assert_ephemeral_ack(response)
    assert "could not check your user-group membership" in ack
    assert "Nothing was sent to Baseten" in ack
    assert_nothing_reached_baseten(harness)


def test_a_rate_limited_user_group_lookup_still_acks_within_slacks_three_seconds(
    harness_factory: HarnessFactory,
) -> None:
    harness = harness_factory(allowed_user_ids="", allowed_usergroup_ids="S0ONCALL1")
    harness.slack.usergroups["S0ONCALL1"] = [ALLOWED_USER]
    harness.slack.rate_limit("usergroups.users.list", retry_after=5)

    started = time.monotonic()
    response, _ = harness.command("p7qr9qv")
    seconds = time.monotonic() - started

    assert response.status == 200
    assert seconds < 3.0, f"acked after {seconds:.1f} s; Slack shows the user an error after 3 s"
    assert "try again" in ack_text(response).lower()
    assert harness.baseten.seen == []


# --- Baseten failures --------------------------------------------------------------------------------------------


def test_a_job_id_that_search_does_not_find_is_reported_and_nothing_created(harness: Harness) -> None:
    response, url = harness.command("zz9yy8x")

    assert "Recreating" in assert_ephemeral_ack(response)
    reply = reply_to_requester(harness)
    assert reply.path.endswith(url.rsplit("/", 1)[1])
    assert reply.params.get("response_type") == "ephemeral"
    assert "could not find training job `zz9yy8x`" in reply.params["text"]
    harness.drain()
    assert harness.baseten.calls("recreate") == []
    assert harness.baseten.created() == []
    assert harness.slack.of("chat.postMessage") == []


def test_a_job_missing_from_the_named_project_is_reported_as_not_found(harness: Harness) -> None:
    harness.command("n4q95w5 zz9yy8x")

    reply = reply_to_requester(harness)
    assert reply.params.get("response_type") == "ephemeral"
    assert "could not find training job `zz9yy8x` in project `n4q95w5`" in reply.params["text"]
    harness.drain()
    assert harness.baseten.created() == []
    assert harness.slack.of("chat.postMessage") == []


def test_a_404_on_the_recreate_itself_is_reported_as_not_found(harness: Harness) -> None:
    harness.baseten.fail("recreate", 404, {"message": "Training job p7qr9qv not found"})

    harness.command("p7qr9qv")

    reply = reply_to_requester(harness)
    assert reply.params.get("response_type") == "ephemeral"
    assert "could not find training job `p7qr9qv`" in reply.params["text"]
    assert "nothing was created" in reply.params["text"]
    harness.drain()
    assert len(harness.baseten.calls("recreate")) == 1
    assert harness.baseten.created() == []
    assert harness.slack.of("chat.postMessage") == []


def test_a_rejected_api_key_is_reported_as_such(harness_factory: HarnessFactory) -> None:
    harness = harness_factory(baseten_api_key="bt-wrong-key-000000")

    harness.command("p7qr9qv")

    reply = reply_to_requester(harness)
    text = reply.params["text"]
    assert "API key" in text
    assert "HTTP 401" in text
    assert "BASETEN_API_KEY" in text
    assert "bt-wrong-key-000000" not in text
    harness.drain()
    assert harness.baseten.calls("recreate") == []
    assert harness.slack.of("chat.postMessage") == []


def test_a_403_on_recreate_mentions_the_api_key(harness: Harness) -> None:
    harness.baseten.fail("recreate", 403, {"message": "API key has no access to this project"})

    harness.command("n4q95w5 p7qr9qv")

    text = reply_to_requester(harness).params["text"]
    assert "API key" in text
    assert "HTTP 403" in text
    assert "API key has no access to this project" in text
    harness.drain()
    assert harness.baseten.created() == []
    assert harness.slack.of("chat.postMessage") == []


def test_a_400_shows_basetens_own_message_escaped(harness: Harness) -> None:
    harness.baseten.fail("recreate", 400, {"message": "<!channel> job is archived & <https://evil.example|locked>"})

    harness.command("p7qr9qv")

    reply = reply_to_requester(harness)
    text = everything(reply)
    assert "&lt;!channel&gt; job is archived &amp; &lt;https://evil.example|locked&gt;" in reply.params["text"]
    assert "<!channel>" not in text
    assert "<https://evil" not in text
    assert "Nothing was created" in reply.params["text"]
    harness.drain()
    assert len(harness.baseten.calls("recreate")) == 1
    assert harness.slack.of("chat.postMessage") == []


def test_a_429_is_waited_out_then_the_recreate_succeeds(harness_factory: HarnessFactory) -> None:
    slept: list[float] = []
    harness = harness_factory(Collaborators(sleep=slept.append, baseten_timeout=httpx.Timeout(2.0, read=1.0)))
    harness.baseten.fail("recreate", 429, RATE_LIMITED)

    harness.command("p7qr9qv")

    card = harness.slack.wait_for_count("chat.postMessage")[0]
    created = harness.baseten.created()
    assert len(created) == 1
    assert_job_card(card, created[0])
    assert 37 in slept
    assert len(harness.baseten.calls("recreate")) == 2
    # A wait that long is explained to the requester, so they do not type the command again.
    waiting = harness.slack.of("response_url")
    assert len(waiting) == 1
    assert "rate limiting" in waiting[0].params["text"]
    assert "No need to run the command again" in waiting[0].params["text"]


def test_a_429_beyond_the_wait_bound_tells_the_user_about_rate_limiting(harness_factory: HarnessFactory) -> None:
    slept: list[float] = []
    harness = harness_factory(Collaborators(sleep=slept.append, baseten_timeout=httpx.Timeout(2.0, read=1.0)))
    harness.baseten.fail("recreate", 429, RATE_LIMITED, times=5)

    harness.command("p7qr9qv")

    harness.slack.wait_for(lambda calls: any("Nothing was created" in str(c.params.get("text")) for c in calls))
    harness.drain()
    final = harness.slack.of("response_url")[-1].params["text"]
    assert "rate limiting" in final
    assert "Nothing was created" in final
    assert "Try again in 37 seconds" in final
    assert sum(slept) <= 60  # the bound: never waits longer than a minute in total
    assert harness.baseten.created() == []
    assert harness.slack.of("chat.postMessage") == []


def test_a_500_on_search_is_reported_as_trouble_and_no_recreate_is_sent(harness: Harness) -> None:
    harness.baseten.fail("search", 500, {"message": "internal"}, times=3)

    harness.command("p7qr9qv")

    text = reply_to_requester(harness).params["text"]
    assert "Baseten is having trouble" in text
    assert "Nothing was created" in text
    harness.drain()
    assert len(harness.baseten.calls("search")) == 3  # reads are retried
    assert harness.baseten.calls("recreate") == []
    assert harness.slack.of("chat.postMessage") == []


def test_a_5xx_on_recreate_that_created_nothing_is_never_resent_and_the_requester_is_told(harness: Harness) -> None:
    harness.baseten.fail("recreate", 502, "Bad Gateway")

    harness.command("p7qr9qv")

    reply = reply_to_requester(harness)
    harness.drain()
    assert "HTTP 502" in reply.params["text"] or "HTTP 502" in everything(reply)
    assert "*nothing was created*" in everything(reply)
    assert reply.params.get("response_type") == "ephemeral"
    assert len(harness.baseten.calls("recreate")) == 1
    assert harness.baseten.created() == []
    assert harness.slack.of("chat.postMessage") == []


def test_a_5xx_on_recreate_that_cannot_be_checked_posts_an_outcome_unknown_card_and_never_resends(
    harness: Harness,
) -> None:
    harness.baseten.fail("recreate", 502, "Bad Gateway")
    harness.baseten.fail("list", 503, "Service Unavailable", times=50)

    harness.command("p7qr9qv")

    card = harness.slack.wait_for_count("chat.postMessage")[0]
    assert card.params["channel"] == "CCHANNEL01"
    shown = everything(card)
    assert "Recreate outcome unknown" in shown
    assert "Baseten answered with an error" in shown
    assert "after receiving the request" in shown
    assert "*may or may not*" in shown
    assert f"<@{ALLOWED_USER}>" in shown
    assert "https://app.baseten.co/training" in shown
    harness.drain()
    assert len(harness.baseten.calls("recreate")) == 1


def test_a_read_timeout_on_recreate_is_never_resent_and_the_job_it_made_is_found_and_posted(
    harness: Harness,
) -> None:
    harness.baseten.delays["recreate"] = 1.5  # the harness's read timeout is 1.0 s; the fake still makes the job

    response, _ = harness.command("p7qr9qv")

    assert "Recreating" in assert_ephemeral_ack(response)
    card = harness.slack.wait_for_count("chat.postMessage", timeout=10)[0]
    harness.drain()
    created = harness.baseten.created()
    assert len(created) == 1
    assert_job_card(card, created[0])
    assert "did not answer in time" in everything(card)
    assert len(harness.baseten.calls("recreate")) == 1
    assert len(harness.slack.of("chat.postMessage")) == 1


def test_a_read_timeout_that_cannot_be_checked_posts_an_outcome_unknown_card(harness: Harness) -> None:
    harness.baseten.delays["recreate"] = 1.5
    harness.baseten.fail("list", 503, "Service Unavailable", times=50)

    harness.command("p7qr9qv")

    card = harness.slack.wait_for_count("chat.postMessage", timeout=10)[0]
    shown = everything(card)
    assert "Recreate outcome unknown" in shown
    assert "did not answer in time" in shown
    assert "*may or may not*" in shown
    harness.drain()
    assert len(harness.baseten.calls("recreate")) == 1
    assert len(harness.slack.of("chat.postMessage")) == 1


def test_a_connection_dropped_after_the_job_was_created_is_reported_and_never_resent(harness: Harness) -> None:
    harness.baseten.fail_after_acting("recreate", Response(drop=True))

    harness.command("p7qr9qv")

    card = harness.slack.wait_for_count("chat.postMessage")[0]
    harness.drain()
    created = harness.baseten.created()
    assert len(created) == 1
    assert_job_card(card, created[0])
    assert "connection to Baseten dropped" in everything(card)
    assert len(harness.baseten.calls("recreate")) == 1
    assert len(harness.slack.of("chat.postMessage")) == 1


def test_when_baseten_refuses_connections_the_user_is_told(harness_factory: HarnessFactory) -> None:
    harness = harness_factory(baseten_api_url=f"http://127.0.0.1:{closed_port()}")

    response, _ = harness.command("p7qr9qv")

    assert "Recreating" in assert_ephemeral_ack(response)
    text = reply_to_requester(harness).params["text"]
    assert "could not reach Baseten" in text
    assert "Nothing was created" in text
    harness.drain()
    assert harness.slack.of("chat.postMessage") == []


# --- request security --------------------------------------------------------------------------------------------


def _dispatch_raw(harness: Harness, body: str, headers: dict[str, str]) -> BoltResponse:
    return harness.bot.app.dispatch(BoltRequest(body=body, headers=headers))


def test_a_bad_signature_is_rejected_and_nothing_is_sent(harness: Harness) -> None:
    body = command_body("p7qr9qv", response_url=harness.slack.response_url("forged"))

    response = _dispatch_raw(harness, body, signed_headers(body, secret="not-the-signing-secret"))

    assert response.status == 401
    harness.drain()
    assert harness.baseten.seen == []
    assert messages_sent(harness.slack) == []


def test_a_replayed_request_ten_minutes_old_is_rejected_and_nothing_is_sent(harness: Harness) -> None:
    body = command_body("p7qr9qv", response_url=harness.slack.response_url("replayed"))

    response = _dispatch_raw(harness, body, signed_headers(body, timestamp=int(time.time()) - 600))

    assert response.status == 401
    harness.drain()
    assert harness.baseten.seen == []
    assert messages_sent(harness.slack) == []


def test_a_body_changed_after_signing_is_rejected(harness: Harness) -> None:
    body = command_body("p7qr9qv", user_id="UOTHER0001")
    headers = signed_headers(body)

    response = _dispatch_raw(harness, body.replace("UOTHER0001", ALLOWED_USER), headers)

    assert response.status == 401
    harness.drain()
    assert harness.baseten.seen == []


# --- escaping ----------------------------------------------------------------------------------------------------


def test_a_hostile_job_name_cannot_ping_the_channel_or_disguise_a_link(harness: Harness) -> None:
    harness.baseten.add_job("n4q95w5", "h0st1le", name="<!channel> hi & <https://evil.example|docs>")

    harness.command("h0st1le")

    card = harness.slack.wait_for_count("chat.postMessage")[0]
    shown = everything(card)
    assert "<!channel>" not in shown
    assert "<https://evil" not in shown
    assert "&lt;!channel&gt; hi &amp; &lt;https://evil.example|docs&gt;" in shown
    assert harness.baseten.created()[0]["id"] in card.params["text"]


# --- getting the card to people ----------------------------------------------------------------------------------


def test_when_the_bot_is_not_in_the_channel_the_card_arrives_through_response_url_in_channel(
    harness: Harness,
) -> None:
    harness.slack.fail("chat.postMessage", "not_in_channel")

    harness.command("p7qr9qv")

    reply = reply_to_requester(harness)
    new_job = harness.baseten.created()[0]
    assert reply.params["response_type"] == "in_channel"
    assert new_job["id"] in reply.params["text"]
    assert f"Training job recreated: {new_job['id']}" in everything(reply)
    harness.drain()
    assert len(harness.slack.of("chat.postMessage")) == 1  # the channel attempt; no DM needed


def test_when_channel_and_response_url_both_fail_the_card_goes_to_the_requester_by_dm(harness: Harness) -> None:
    harness.slack.fail("chat.postMessage", "not_in_channel")
    harness.slack.fail("response_url", "expired_url", status=404)

    harness.command("p7qr9qv")

    posts = harness.slack.wait_for_count("chat.postMessage", 2)
    new_job = harness.baseten.created()[0]
    dm = posts[1]
    assert dm.params["channel"] == ALLOWED_USER
    assert new_job["id"] in dm.params["text"]
    shown = everything(dm)
    assert "could not post the job card in <#CCHANNEL01>" in shown
    assert f"Training job recreated: {new_job['id']}" in shown


def test_a_slack_rate_limit_on_the_card_is_waited_out_and_the_card_still_lands_in_the_channel(
    harness: Harness,
) -> None:
    harness.slack.rate_limit("chat.postMessage", retry_after=1)

    harness.command("p7qr9qv")

    posts = harness.slack.wait_for_count("chat.postMessage", 2)
    harness.drain()
    assert posts[1].params["channel"] == "CCHANNEL01"
    assert posts[1].at - posts[0].at >= 0.9  # Retry-After was honoured
    assert_job_card(posts[1], harness.baseten.created()[0])
    assert len(harness.slack.of("chat.postMessage")) == 2
    assert harness.slack.of("response_url") == []


def test_when_every_route_fails_the_new_job_id_is_still_logged_at_error(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    harness.slack.fail("chat.postMessage", "not_in_channel", times=10)
    harness.slack.fail("response_url", "expired_url", status=404, times=10)

    with caplog.at_level(logging.WARNING):
        harness.command("p7qr9qv")
        harness.drain()

    new_job_id = harness.baseten.created()[0]["id"]
    errors = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert any(new_job_id in message for message in errors), errors
    # Every route was tried before giving up: channel, response_url, DM, plain reply, plain DM.
    assert len(harness.slack.of("chat.postMessage")) == 3
    assert len(harness.slack.of("response_url")) == 2


# --- shutting down and load --------------------------------------------------------------------------------------


def test_after_the_runner_drains_a_new_command_is_told_the_bot_is_restarting(harness: Harness) -> None:
    assert harness.bot.runner.drain(1) == []

    response, _ = harness.command("p7qr9qv")

    ack = assert_ephemeral_ack(response)
    assert "restarting" in ack
    assert "Nothing was sent to Baseten" in ack
    assert_nothing_reached_baseten(harness)


def test_when_the_bot_is_at_capacity_a_new_command_is_told_to_wait_and_nothing_is_sent(
    harness_factory: HarnessFactory,
) -> None:
    harness = harness_factory(
        Collaborators(
            sleep=lambda _s: None,
            baseten_timeout=httpx.Timeout(2.0, read=5.0),
            runner=Runner(workers=1, max_queued=0),
        )
    )
    harness.baseten.add_job("n4q95w5", "b2c3d4e")
    harness.baseten.delays["recreate"] = 1.0
    first, _ = harness.command("p7qr9qv")
    assert "Recreating" in assert_ephemeral_ack(first)

    second, _ = harness.command("b2c3d4e")

    ack = assert_ephemeral_ack(second)
    assert "too many recreates at once" in ack
    assert "Nothing was sent to Baseten" in ack
    harness.slack.wait_for_count("chat.postMessage")
    harness.drain()
    assert all("b2c3d4e" not in seen.path and "b2c3d4e" not in json.dumps(seen.body) for seen in harness.baseten.seen)
    assert [job["recreated_from"] for job in harness.baseten.created()] == ["p7qr9qv"]
    [record] = harness.bot.store.involving("b2c3d4e", 5)  # the audit trail says why nothing happened
    assert record.outcome is Outcome.FAILED
    assert record.error == "not started: bot busy"


def test_twenty_commands_at_once_are_all_acked_quickly_and_all_cards_arrive(harness_factory: HarnessFactory) -> None:
    harness = harness_factory(recreate_limit_per_user="off")  # a burst from one person: load, not the limit
    harness.baseten.delays["recreate"] = 0.5
    sources = [f"load{i:03d}" for i in range(20)]  # one source job each: a job has one recreate in flight at a time
    for source in sources:
        harness.baseten.add_job("n4q95w5", source)
    bodies = [command_body(source, response_url=harness.slack.response_url(source)) for source in sources]

    def send(body: str) -> tuple[BoltResponse, float]:
        started = time.monotonic()
        response = harness.bot.app.dispatch(BoltRequest(body=body, headers=signed_headers(body)))
        return response, time.monotonic() - started

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(send, bodies))

    for response, seconds in results:
        assert "Recreating" in assert_ephemeral_ack(response)
        assert seconds < 1.0, f"an ack took {seconds:.2f} s"
    cards = harness.slack.wait_for_count("chat.postMessage", 20, timeout=15)
    created = harness.baseten.created()
    assert sorted(job["recreated_from"] for job in created) == sources
    card_texts = [card.params["text"] for card in cards]
    for job in created:
        assert sum(job["id"] in text and job["recreated_from"] in text for text in card_texts) == 1
    harness.drain()
    assert len(harness.slack.of("chat.postMessage")) == 20
    assert len(harness.baseten.calls("recreate")) == 20


def test_a_baseten_key_mounted_with_a_trailing_newline_works_and_is_sent_stripped(
    harness_factory: Callable[..., Harness],
) -> None:
    harness = harness_factory(baseten_api_key=f"{API_KEY}\n")

    response, _ = harness.command("p7qr9qv")
    harness.drain()

    assert "Recreating `p7qr9qv`" in ack_text(response)
    assert len(harness.baseten.created()) == 1
    assert {seen.authorization for seen in harness.baseten.seen} == {f"Api-Key {API_KEY}"}
