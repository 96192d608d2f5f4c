"""Reading what the bot sent the fake Slack: the cards in the command channel and the replies to each command."""

from __future__ import annotations

import contextlib
from collections import Counter

from bench.harness.process import CHANNEL_ID
from tests.fakes.slack import Call, FakeSlack

CARD = "chat.postMessage"
REPLY = "response_url"


def is_card(call: Call) -> bool:
    return call.kind == CARD and call.params.get("channel") == CHANNEL_ID


def is_reply(call: Call, name: str) -> bool:
    """A response_url post to `/response/<name>`, or to any `/response/<name>...` when `name` ends in `-`."""
    path = f"/response/{name}"
    return bool(call.kind == REPLY and (call.path.startswith(path) if name.endswith("-") else call.path == path))


def snapshot(slack: FakeSlack, base: int, name: str) -> tuple[list[Call], list[Call]]:
    """Since call index `base`: cards in the command channel, and replies to the response_url(s) `name`."""
    calls = slack.wait_for(lambda _: True, timeout=0)[base:]
    return [c for c in calls if is_card(c)], [c for c in calls if is_reply(c, name)]


def wait_answered(slack: FakeSlack, base: int, name: str, count: int, timeout: float) -> None:
    """Until cards plus commands replied to on their response_url(s) `name` reach `count`, or `timeout` s."""

    def answered(calls: list[Call]) -> bool:
        fresh = calls[base:]
        replied = {c.path for c in fresh if is_reply(c, name)}
        return sum(1 for c in fresh if is_card(c)) + len(replied) >= count

    with contextlib.suppress(AssertionError):  # FakeSlack's timeout: we report what arrived
        slack.wait_for(answered, timeout=timeout)


def reply_kinds(calls: list[Call], limit: int = 3) -> dict[str, int]:
    """response_url posts grouped by the start of their text, most common first."""
    kinds = Counter(str(call.params.get("text", ""))[:70] for call in calls)
    return dict(kinds.most_common(limit))
