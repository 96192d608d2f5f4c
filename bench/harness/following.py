"""Following jobs in this process, as bench.follow measures it: a Follower wired as the app wires it, on fakes."""

from __future__ import annotations

import socketserver
from datetime import UTC, datetime

from slack_sdk import WebClient

from bot.baseten import TrainingJob
from bot.delivery import retry_handlers
from bot.follow import Follower, FollowRules
from bot.requester import Requester
from tests.fakes.baseten import FakeBaseten
from tests.fakes.slack import BOT_TOKEN, FakeSlack

PROJECT = "n4q95w5"
CHANNEL = "CCHANNEL01"
REQUESTER = "UREQUEST01"
SOURCE = "p7qr9qv"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def rules_like_the_app(interval: float, cap: int) -> FollowRules:
    """FollowRules as bot.app builds them from FOLLOW_INTERVAL, FOLLOW_FOR (default) and FOLLOW_MAX."""
    return FollowRules(interval=interval, follow_for=86400, cap=cap, max_interval=max(600.0, interval))


def job_ids(count: int) -> list[str]:
    return [f"bench{number:04d}" for number in range(count)]


def follow_all(follower: Follower, baseten: FakeBaseten, ids: list[str], status: str) -> None:
    for number, job_id in enumerate(ids):
        baseten.add_job(PROJECT, job_id, status=status)
        follower.follow(
            TrainingJob.model_validate(baseten.jobs[job_id]),
            request_id=f"req{job_id}",
            requester=Requester(REQUESTER, CHANNEL, None, None),
            source_job_id=SOURCE,
            card_channel_id=CHANNEL,
            card_ts=f"{1700000000 + number}.000100",
        )


def web_client(slack: FakeSlack) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=slack.api_url, timeout=15, retry_handlers=list(retry_handlers()))


def fakes_without_nagle() -> None:
    """TCP_NODELAY on the loopback fakes' sockets, as the bot benchmarks have: they answer in two writes, and with Nagle
    on each Baseten answer waits ~40 ms for the client's delayed ACK, which real Baseten does not do."""
    socketserver.StreamRequestHandler.disable_nagle_algorithm = True
