"""Who may recreate jobs: allowlists, channel and workspace limits, and user groups read from Slack."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from bot.access import AccessPolicy, Decision, GroupDirectory
from tests.fakes.slack import BOT_TOKEN, TEAM_ID, FakeSlack

USER = "U0ALLOWED1"
OTHER = "U0STRANGER"
CHANNEL = "C0MLONCALL"
GROUP = "S0ONCALL1"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def directory(slack: FakeSlack, clock: Clock) -> GroupDirectory:
    return GroupDirectory(WebClient(token=BOT_TOKEN, base_url=slack.api_url), ttl=60, clock=clock)


def check(policy: AccessPolicy, user: str = USER, channel: str = CHANNEL, team: str | None = TEAM_ID) -> Decision:
    return policy.check(user_id=user, channel_id=channel, team_id=team)


def lookups(slack: FakeSlack) -> int:
    return len(slack.of("usergroups.users.list"))


def test_nobody_is_allowed_without_an_allowlist() -> None:
    decision = check(AccessPolicy())
    assert not decision.allowed
    assert decision.code == "no_allowlist"
    assert "ALLOWED_USER_IDS" in decision.reason
    assert "ALLOWED_USERGROUP_IDS" in decision.reason


def test_listed_user_is_allowed() -> None:
    assert check(AccessPolicy(user_ids=[USER])).allowed


def test_unlisted_user_is_refused_and_told_how_to_get_access() -> None:
    decision = check(AccessPolicy(user_ids=[USER]), user=OTHER)
    assert not decision.allowed
    assert decision.code == "user_not_allowed"
    assert "ALLOWED_USER_IDS" in decision.reason


def test_channel_limit_refuses_other_channels_and_names_the_allowed_ones() -> None:
    policy = AccessPolicy(user_ids=[USER], channel_ids=[CHANNEL, "C0SECOND1"])
    assert check(policy).allowed
    decision = check(policy, channel="C0RANDOM01")
    assert not decision.allowed
    assert decision.code == "channel_not_allowed"
    assert f"<#{CHANNEL}>" in decision.reason
    assert "<#C0SECOND1>" in decision.reason


def test_a_refused_history_reader_is_told_about_the_history_not_recreating() -> None:
    policy = AccessPolicy(user_ids=[USER], channel_ids=[CHANNEL])

    elsewhere = policy.check(user_id=USER, channel_id="C0RANDOM01", team_id=TEAM_ID, reading=True)
    stranger = policy.check(user_id=OTHER, channel_id=CHANNEL, team_id=TEAM_ID, reading=True)

    assert elsewhere.reason == f"The history can only be read in <#{CHANNEL}>."
    assert stranger.reason.startswith("You are not allowed to use this bot, so you cannot read its history.")
    assert "ALLOWED_USER_IDS" in stranger.reason


def test_workspace_limit_refuses_other_workspaces_even_for_listed_users() -> None:
    policy = AccessPolicy(user_ids=[USER], team_id=TEAM_ID)
    assert check(policy).allowed
    for team in ("T0ELSEWHERE", None):
        decision = check(policy, team=team)
        assert not decision.allowed
        assert decision.code == "wrong_workspace"


def test_groups_need_a_directory() -> None:
    with pytest.raises(ValueError, match="GroupDirectory"):
        AccessPolicy(group_ids=[GROUP])


def test_group_member_is_allowed(slack: FakeSlack, directory: GroupDirectory) -> None:
    slack.usergroups[GROUP] = [USER]
    policy = AccessPolicy(group_ids=[GROUP], groups=directory)
    assert check(policy).allowed
    assert slack.of("usergroups.users.list")[0].params["usergroup"] == GROUP


def test_non_member_is_refused_and_told_about_groups(slack: FakeSlack, directory: GroupDirectory) -> None:
    slack.usergroups[GROUP] = [USER]
    decision = check(AccessPolicy(group_ids=[GROUP], groups=directory), user=OTHER)
    assert not decision.allowed
    assert decision.code == "user_not_allowed"
    assert "user group" in decision.reason


def test_listed_user_needs_no_group_lookup(slack: FakeSlack, directory: GroupDirectory) -> None:
    policy = AccessPolicy(user_ids=[USER], group_ids=[GROUP], groups=directory)
    assert check(policy).allowed
    assert lookups(slack) == 0


def test_membership_is_cached_within_ttl(slack: FakeSlack, directory: GroupDirectory, clock: Clock) -> None:
    slack.usergroups[GROUP] = [USER]
    policy = AccessPolicy(group_ids=[GROUP], groups=directory)
    assert check(policy).allowed
    slack.usergroups[GROUP] = []  # removed in Slack, but the cache is still fresh
    clock.now += 59
    assert check(policy).allowed
    assert not check(policy, user=OTHER).allowed
    assert lookups(slack) == 1


def wait_for_lookups(slack: FakeSlack, count: int) -> None:
    deadline = time.monotonic() + 5
    while lookups(slack) < count and time.monotonic() < deadline:
        time.sleep(0.01)


def test_after_ttl_the_cached_list_answers_at_once_and_is_refreshed_behind(
    slack: FakeSlack, directory: GroupDirectory, clock: Clock
) -> None:
    slack.usergroups[GROUP] = [USER]
    policy = AccessPolicy(group_ids=[GROUP], groups=directory)
    assert not check(policy, user=OTHER).allowed
    slack.usergroups[GROUP] = [USER, OTHER]
    clock.now += 61

    assert not check(policy, user=OTHER).allowed  # no wait for Slack on the way to the ack
    wait_for_lookups(slack, 2)
    deadline = time.monotonic() + 5
    while not check(policy, user=OTHER).allowed and time.monotonic() < deadline:
        time.sleep(0.01)
    assert check(policy, user=OTHER).allowed
    assert lookups(slack) == 2


def test_slack_error_without_cache_refuses_as_membership_unknown(slack: FakeSlack, directory: GroupDirectory) -> None:
    slack.usergroups[GROUP] = [USER]
    slack.fail("usergroups.users.list", "ratelimited")
    decision = check(AccessPolicy(group_ids=[GROUP], groups=directory))
    assert not decision.allowed
    assert decision.code == "membership_unknown"
    assert "Try again" in decision.reason


def test_slack_http_error_without_cache_refuses(slack: FakeSlack, directory: GroupDirectory) -> None:
    slack.usergroups[GROUP] = [USER]
    slack.fail("usergroups.users.list", "internal_error", status=500)
    assert check(AccessPolicy(group_ids=[GROUP], groups=directory)).code == "membership_unknown"


def test_a_slightly_stale_list_is_used_while_slack_fails(
    slack: FakeSlack, directory: GroupDirectory, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    slack.usergroups[GROUP] = [USER]
    policy = AccessPolicy(group_ids=[GROUP], groups=directory)
    assert check(policy).allowed
    slack.fail("usergroups.users.list", "fatal_error", times=5)
    clock.now += 120
    with caplog.at_level(logging.WARNING, logger="bot.access"):
        assert check(policy).allowed
        wait_for_lookups(slack, 2)
        deadline = time.monotonic() + 5
        while not any("ages out" in r.getMessage() for r in caplog.records) and time.monotonic() < deadline:
            time.sleep(0.01)
    assert any("ages out" in record.getMessage() for record in caplog.records)


def test_a_list_too_old_to_trust_is_not_used_when_slack_fails(
    slack: FakeSlack, directory: GroupDirectory, clock: Clock
) -> None:
    """Someone removed from the on-call group is not let in for ever on a list Slack can no longer confirm."""
    slack.usergroups[GROUP] = [USER]
    policy = AccessPolicy(group_ids=[GROUP], groups=directory)
    assert check(policy).allowed
    clock.now += 3600
    slack.fail("usergroups.users.list", "fatal_error", times=2)

    decision = check(policy)

    assert not decision.allowed
    assert decision.code == "membership_unknown"


def test_unreadable_group_does_not_lock_out_members_of_another(slack: FakeSlack, directory: GroupDirectory) -> None:
    slack.usergroups["S0ONCALL2"] = [USER]  # S0ONCALL1 does not exist: Slack answers no_such_subteam
    policy = AccessPolicy(group_ids=[GROUP, "S0ONCALL2"], groups=directory)
    assert check(policy).allowed
    assert check(policy, user=OTHER).code == "membership_unknown"


def test_deleted_group_lets_nobody_through(directory: GroupDirectory) -> None:
    decision = check(AccessPolicy(group_ids=[GROUP], groups=directory))
    assert not decision.allowed
