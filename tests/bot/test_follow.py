"""Following a new job: a Follower driven tick by tick with a hand-moved clock, against the fake Baseten and Slack."""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient

from bot.baseten import BasetenClient, TrainingJob
from bot.baseten.links import DashboardLinks
from bot.baseten.models import JobStatus
from bot.delivery import Delivery, retry_handlers
from bot.follow import Follower, FollowRules
from bot.requester import Requester
from bot.stop.record import STALE_AFTER, StopClaim
from bot.store import AuditStore, SqliteAuditStore, open_store
from tests.fakes.baseten import API_KEY, FakeBaseten
from tests.fakes.slack import BOT_TOKEN, Call, FakeSlack

PROJECT = "n4q95w5"
JOB = "newjob01"
SOURCE = "p7qr9qv"
REQUESTER = "UREQUEST01"
CHANNEL = "CCHANNEL01"
CARD_TS = "1700000000.000100"
INTERVAL = 30.0
MAX_INTERVAL = 600.0
JITTER = 0.1
BACKOFF = 1.5

POSTED = "chat.postMessage"
UPDATED = "chat.update"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class World:
    """One store file, the fakes, and Followers built on them the way bot.app builds its own."""

    def __init__(self, tmp_path: Path, slack: FakeSlack, database_url: str | None = None) -> None:
        self.database_url = database_url
        """A PostgreSQL database shared by the followers instead of the SQLite file."""
        self.clock = Clock()
        self.baseten = FakeBaseten()
        self.slack = slack
        self.path = tmp_path / "audit.db"
        self.started = self.clock()
        self._closing: list[Callable[[], None]] = []
        self.polls: list[tuple[datetime, str]] = []
        """(when, job ID) of every GET of a job, on the hand-moved clock."""

    def store(self) -> AuditStore:
        store = open_store(self.database_url) if self.database_url else SqliteAuditStore(self.path)
        self._closing.append(store.close)
        return store

    def transport(self, before: Callable[[], None] | None = None) -> httpx.MockTransport:
        inner = self.baseten.transport()

        def handle(request: httpx.Request) -> httpx.Response:
            # Status polls only: a failure's log lines are read once, beside its last poll.
            if request.method == "GET" and not request.url.path.endswith("/logs"):
                self.polls.append((self.clock(), request.url.path.rsplit("/", 1)[-1]))
            if before is not None:
                before()
            return inner.handle_request(request)

        return httpx.MockTransport(handle)

    def follower(
        self,
        rules: FollowRules | None = None,
        *,
        store: AuditStore | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> Follower:
        baseten = BasetenClient(
            API_KEY,
            "https://api.baseten.test",
            transport=transport or self.transport(),
            attempts=1,
            max_rate_limit_wait=0,
            sleep=lambda _s: None,
        )
        self._closing.append(baseten.close)
        web_client = WebClient(
            token=BOT_TOKEN, base_url=self.slack.api_url, timeout=5, retry_handlers=list(retry_handlers())
        )
        follower = Follower(
            baseten,
            store or self.store(),
            Delivery(web_client),
            DashboardLinks(),
            rules or FollowRules(interval=INTERVAL, max_interval=MAX_INTERVAL, backoff=BACKOFF, jitter=JITTER),
            clock=self.clock,
            rng=random.Random(0),
        )
        self._closing.append(lambda: follower.stop(timeout=5))
        return follower

    def add_job(self, job_id: str = JOB, status: str = JobStatus.CREATED, **extra: Any) -> TrainingJob:
        self.baseten.add_job(PROJECT, job_id, status=status, **extra)
        return TrainingJob.model_validate(self.baseten.jobs[job_id])

    def set_status(self, status: str, job_id: str = JOB, **extra: Any) -> None:
        self.baseten.jobs[job_id]["current_status"] = status
        self.baseten.jobs[job_id].update(extra)

    def follow(
        self,
        follower: Follower,
        job_id: str = JOB,
        status: str = JobStatus.CREATED,
        *,
        card_ts: str | None = CARD_TS,
        response_url: str | None = None,
        **extra: Any,
    ) -> None:
        job = self.add_job(job_id, status, **extra)
        follower.follow(
            job,
            request_id=f"req{job_id}",
            requester=Requester(REQUESTER, CHANNEL, None, response_url),
            source_job_id=SOURCE,
            card_channel_id=CHANNEL if card_ts else None,
            card_ts=card_ts,
        )

    def gets(self, job_id: str | None = None) -> int:
        return sum(1 for _, polled in self.polls if job_id in (None, polled))

    def replies(self) -> list[Call]:
        return self.slack.of(POSTED)

    def updates(self) -> list[Call]:
        return self.slack.of(UPDATED)

    def close(self) -> None:
        for close in reversed(self._closing):
            close()


@pytest.fixture
def world(tmp_path: Path, slack: FakeSlack) -> Iterator[World]:
    made = World(tmp_path, slack)
    yield made
    made.close()


@pytest.fixture(params=["sqlite", "postgres"])
def shared_world(request: pytest.FixtureRequest, tmp_path: Path, slack: FakeSlack) -> Iterator[World]:
    """A world whose followers share a SQLite file (one host) or a PostgreSQL database (replicas on several)."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    made = World(tmp_path, slack, database_url=url)
    yield made
    made.close()


def card_status(call: Call) -> str:
    """The Status field of a card as chat.update sent it."""
    for block in call.params.get("blocks") or []:
        for field in block.get("fields") or []:
            label, _, value = str(field.get("text", "")).partition("\n")
            if label == "*Status*":
                return value
    raise AssertionError(f"no Status field in {json.dumps(call.params)}")


def shown(call: Call) -> str:
    return json.dumps(call.params, ensure_ascii=False)


def rules(**changes: Any) -> FollowRules:
    values: dict[str, Any] = {
        "interval": INTERVAL,
        "max_interval": MAX_INTERVAL,
        "backoff": BACKOFF,
        "jitter": JITTER,
    }
    values.update(changes)
    return FollowRules(**values)


def run_for(world: World, follower: Follower, seconds: int, step: int = 1) -> None:
    """Tick every `step` seconds of simulated time."""
    for _ in range(0, seconds, step):
        world.clock.advance(step)
        follower.tick()


# --- status changes --------------------------------------------------------------------------------------------


def test_each_status_change_is_one_thread_reply_and_one_card_update_until_it_completes(world: World) -> None:
    follower = world.follower()
    world.follow(follower)

    # Nothing is polled before the first interval is up, and the thread is told to sleep until then.
    pause = follower.tick()
    assert world.gets() == 0
    assert INTERVAL - 1 <= pause <= INTERVAL

    steps = [
        (JobStatus.PENDING, "Waiting for GPU capacity", "Pending (waiting for GPU capacity)"),
        (JobStatus.DEPLOYING, "deploying", "Deploying"),
        (JobStatus.RUNNING, "Running", "Running"),
        (JobStatus.COMPLETED, "Completed", "Completed"),
    ]
    for number, (status, said, label) in enumerate(steps, start=1):
        world.set_status(status)
        world.clock.advance(INTERVAL * (1 + JITTER) + 1)
        follower.tick()

        replies, updates = world.replies(), world.updates()
        assert len(replies) == number, [c.params["text"] for c in replies]
        assert len(updates) == number
        reply, update = replies[-1], updates[-1]
        assert reply.params["channel"] == CHANNEL
        assert reply.params["thread_ts"] == CARD_TS
        assert JOB in reply.params["text"] and said in reply.params["text"]
        assert f"<@{REQUESTER}>" not in reply.params["text"]
        assert update.params["channel"] == CHANNEL
        assert update.params["ts"] == CARD_TS
        assert card_status(update) == label
        assert label in update.params["text"]

    followed = world.store().followed(JOB)
    assert followed is not None and followed.done and followed.status == JobStatus.COMPLETED

    # Completed: following is over. A day later nothing more was asked of Baseten or said in Slack.
    polled = world.gets()
    run_for(world, follower, 86400, step=60)
    assert world.gets() == polled
    assert len(world.replies()) == len(steps)
    assert len(world.updates()) == len(steps)


@pytest.mark.parametrize(
    ("status", "label"), [(JobStatus.FAILED, "failed"), (JobStatus.DEPLOY_FAILED, "deploy failed")]
)
def test_a_failure_is_told_with_its_escaped_error_and_pings_the_requester(
    world: World, status: JobStatus, label: str
) -> None:
    follower = world.follower()
    world.follow(follower, status=JobStatus.RUNNING)
    world.set_status(status, error_message="CUDA OOM <!channel> & <https://evil.example|click here>")
    world.clock.advance(INTERVAL + 1)

    follower.tick()

    [reply] = world.replies()
    text = reply.params["text"]
    assert reply.params["thread_ts"] == CARD_TS
    assert f"{label}:" in text
    assert "CUDA OOM &lt;!channel&gt; &amp; &lt;https://evil.example|click here&gt;" in text
    assert "<!channel>" not in shown(reply) and "<https://evil" not in shown(reply)
    assert f"<@{REQUESTER}>" in text
    [update] = world.updates()
    assert card_status(update).lower() == label
    run_for(world, follower, 3600, step=60)
    assert world.gets() == 1


def test_a_failure_without_an_error_message_still_pings_the_requester(world: World) -> None:
    follower = world.follower()
    world.follow(follower, status=JobStatus.RUNNING)
    world.set_status(JobStatus.FAILED)
    world.clock.advance(INTERVAL + 1)

    follower.tick()

    [reply] = world.replies()
    assert "failed." in reply.params["text"]
    assert "None" not in reply.params["text"]
    assert f"<@{REQUESTER}>" in reply.params["text"]


def test_a_failure_reply_carries_the_last_log_lines_with_secrets_masked(world: World) -> None:
    follower = world.follower()
    world.follow(follower, status=JobStatus.RUNNING)
    world.set_status(JobStatus.FAILED, error_message="exit code 1")
    updated_at = datetime.fromisoformat(world.baseten.jobs[JOB]["updated_at"])
    world.baseten.add_logs(
        JOB,
        ["epoch 3 step 900", "Traceback (most recent call last):", "auth failed for Bearer abcdefgh12345678", "OOM"],
        end=updated_at,
    )
    world.clock.advance(INTERVAL + 1)

    follower.tick()

    [reply] = world.replies()
    blocks = json.dumps(reply.params["blocks"])
    assert "Last 4 log lines" in blocks
    assert blocks.index("epoch 3 step 900") < blocks.index("OOM")
    assert "Bearer [masked]" in blocks and "abcdefgh12345678" not in blocks
    assert reply.params["thread_ts"] == CARD_TS


def test_a_failure_whose_logs_cannot_be_read_is_still_told(world: World) -> None:
    follower = world.follower()
    world.follow(follower, status=JobStatus.RUNNING)
    world.set_status(JobStatus.FAILED, error_message="exit code 1")
    world.baseten.fail("logs", 500, {"message": "down"}, times=5)
    world.clock.advance(INTERVAL + 1)

    follower.tick()

    [reply] = world.replies()
    assert "exit code 1" in reply.params["text"]
    assert "logs could not be read" in json.dumps(reply.params["blocks"])


def test_a_stopped_job_is_told_without_pinging_anyone(world: World) -> None:
    follower = world.follower()
    world.follow(follower, status=JobStatus.RUNNING)
    world.set_status(JobStatus.STOPPED)
    world.clock.advance(INTERVAL + 1)

    follower.tick()

    [reply] = world.replies()
    assert "Stopped" in reply.params["text"]
    assert "<@" not in shown(reply) and "<!" not in shown(reply)
    [update] = world.updates()
    assert card_status(update) == "Stopped"
    run_for(world, follower, 3600, step=60)
    assert world.gets() == 1


def test_a_stop_left_unconfirmed_by_a_process_that_ended_does_not_silence_the_stopped_reply(world: World) -> None:
    store = world.store()
    follower = world.follower(store=store)
    world.follow(follower, status=JobStatus.RUNNING)
    # A Stop tap claimed the job, then its process ended before Baseten's answer was confirmed.
    assert store.claim_stop(StopClaim(JOB, PROJECT, "reqstop", "USTOPPER1", world.clock()), STALE_AFTER) is None
    world.set_status(JobStatus.STOPPED)
    world.clock.advance(INTERVAL + 1)

    follower.tick()
    assert world.replies() == []  # the stop may still be under way: its own reply may yet come

    run_for(world, follower, int(STALE_AFTER) + 3600, step=30)
    [reply] = world.replies()
    assert "Stopped" in reply.params["text"] and JOB in reply.params["text"]
    [update] = world.updates()
    assert card_status(update) == "Stopped"


def test_a_confirmed_stop_tells_the_thread_itself_so_following_only_redraws_the_card(world: World) -> None:
    store = world.store()
    follower = world.follower(store=store)
    world.follow(follower, status=JobStatus.RUNNING)
    assert store.claim_stop(StopClaim(JOB, PROJECT, "reqstop", "USTOPPER1", world.clock()), STALE_AFTER) is None
    store.confirm_stop(JOB, "reqstop")
    world.set_status(JobStatus.STOPPED)

    run_for(world, follower, 3600, step=30)

    assert world.replies() == []
    [update] = world.updates()
    assert card_status(update) == "Stopped" and "USTOPPER1" in shown(update)
    assert world.gets() == 1


def test_a_job_already_finished_when_followed_is_never_polled(world: World) -> None:
    follower = world.follower()
    world.follow(follower, status=JobStatus.COMPLETED)

    run_for(world, follower, 3600, step=10)

    assert world.gets() == 0
    assert world.replies() == [] and world.updates() == []


# --- polling gently ---------------------------------------------------------------------------------------------


def test_a_job_that_stays_pending_is_polled_less_and_less_often_and_told_once(world: World) -> None:
    follower = world.follower()
    world.follow(follower)
    world.set_status(JobStatus.PENDING)

    run_for(world, follower, 3600)

    # One reply, for created -> pending; nothing more while it waits.
    [reply] = world.replies()
    assert "Waiting for GPU capacity" in reply.params["text"]
    assert len(world.updates()) == 1

    times = [at for at, _ in world.polls]
    gaps = [(later - earlier).total_seconds() for earlier, later in pairwise(times)]
    # The first poll comes one interval after following; the change there resets the interval to the base one.
    assert (times[0] - world.started).total_seconds() == pytest.approx(INTERVAL, abs=1)
    interval = INTERVAL
    for gap in gaps:
        # Ticks are a second apart, so a poll can be up to a second late.
        assert gap >= INTERVAL, gaps
        assert max(INTERVAL, interval * (1 - JITTER)) <= gap <= interval * (1 + JITTER) + 1, (interval, gaps)
        interval = min(interval * BACKOFF, MAX_INTERVAL)
    assert gaps[-1] >= MAX_INTERVAL * (1 - JITTER), gaps
    followed = world.store().followed(JOB)
    assert followed is not None and followed.interval <= MAX_INTERVAL
    # 30, 30, 45, 67.5, 101, 152, 228, 342, 513, 600, 600... seconds apart: about a dozen GETs in the hour,
    # against 120 at a fixed 30 s.
    assert 9 <= world.gets() <= 13, gaps


def test_jitter_spreads_jobs_followed_together(world: World) -> None:
    follower = world.follower()
    for number in range(10):
        world.follow(follower, f"spread{number:02d}", status=JobStatus.PENDING)

    run_for(world, follower, 1800)

    # Followed at the same instant, they drift apart instead of hitting Baseten in one burst every round.
    latest = {job_id: at for at, job_id in world.polls}
    assert len(set(latest.values())) >= 5, latest
    assert world.replies() == []


# --- Baseten trouble --------------------------------------------------------------------------------------------


def test_baseten_errors_give_one_notice_and_one_all_clear(world: World) -> None:
    follower = world.follower()
    world.follow(follower, status=JobStatus.DEPLOYING)
    world.baseten.fail("get", 503, {"message": "upstream unavailable"}, times=5)

    for _ in range(5):
        world.clock.advance(MAX_INTERVAL * (1 + JITTER) + 1)
        follower.tick()

    assert world.gets() == 5
    [notice] = world.replies()
    assert "not answering" in notice.params["text"] and JOB in notice.params["text"]
    assert notice.params["thread_ts"] == CARD_TS
    assert world.updates() == []

    # It came back, and the job started running meanwhile: one all-clear, one status reply, one card update.
    world.set_status(JobStatus.RUNNING)
    world.clock.advance(MAX_INTERVAL * (1 + JITTER) + 1)
    follower.tick()

    texts = [c.params["text"] for c in world.replies()]
    assert len(texts) == 3, texts
    assert "answers again" in texts[1] and "Running" in texts[1]
    assert "Running" in texts[2] and "answers again" not in texts[2]
    [update] = world.updates()
    assert card_status(update) == "Running"

    # Back to normal: no more notices while nothing changes.
    run_for(world, follower, 1800, step=10)
    assert len(world.replies()) == 3


def test_baseten_errors_back_off_the_polls(world: World) -> None:
    follower = world.follower()
    world.follow(follower, status=JobStatus.RUNNING)
    world.baseten.fail("get", 500, {"message": "boom"}, times=100)

    run_for(world, follower, 3600)

    # A failing Baseten is not hammered: polls slow down as they do for an unchanged job.
    assert world.gets() <= 13
    assert len(world.replies()) == 1


def test_a_rate_limit_pushes_the_next_poll_out_by_retry_after(world: World) -> None:
    follower = world.follower()
    world.follow(follower, status=JobStatus.RUNNING)
    world.baseten.fail("get", 429, {"message": "slow down"}, headers={"Retry-After": "300"})

    world.clock.advance(INTERVAL)
    follower.tick()
    assert world.gets() == 1
    run_for(world, follower, 299)
    assert world.gets() == 1
    world.clock.advance(1)
    follower.tick()
    assert world.gets() == 2
    # Being told to slow down is not news for the channel.
    assert world.replies() == []


def test_a_job_baseten_no_longer_knows_is_dropped_with_one_reply(world: World) -> None:
    follower = world.follower()
    world.follow(follower, status=JobStatus.RUNNING)
    del world.baseten.jobs[JOB]

    run_for(world, follower, 3600, step=10)

    assert world.gets() == 1
    [reply] = world.replies()
    assert "no longer knows" in reply.params["text"] and JOB in reply.params["text"]
    assert reply.params["thread_ts"] == CARD_TS
    assert world.updates() == []


# --- deadline ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("follow_for", "said"), [(60, "after 1 minute;"), (3600, "after 1 hour;"), (86400, "after 24 hours;")]
)
def test_following_stops_at_the_deadline_with_one_reply(world: World, follow_for: int, said: str) -> None:
    follower = world.follower(rules(follow_for=follow_for))
    world.follow(follower, status=JobStatus.RUNNING)

    run_for(world, follower, follow_for + 3600, step=1 if follow_for < 86400 else 10)

    [reply] = world.replies()
    text = reply.params["text"]
    assert "stopped following" in text and JOB in text
    assert said in text
    assert "Running" in text
    assert reply.params["thread_ts"] == CARD_TS
    last_poll = world.polls[-1][0]
    assert follow_for <= (last_poll - world.started).total_seconds() <= follow_for + MAX_INTERVAL * (1 + JITTER) + 10
    followed = world.store().followed(JOB)
    assert followed is not None and followed.done


def test_following_stops_at_the_deadline_even_while_baseten_keeps_failing(world: World) -> None:
    # A revoked key (or a long outage) must not keep a job followed, and holding one of the slots, for ever.
    follower = world.follower(rules(follow_for=3600, cap=1))
    world.follow(follower, status=JobStatus.RUNNING)
    world.baseten.api_key = "bt-rotated-key-000000"

    run_for(world, follower, 3 * 3600)

    texts = [c.params["text"] for c in world.replies()]
    assert len(texts) == 2, texts
    assert "not answering" in texts[0]
    assert "stopped following" in texts[1]
    assert (world.polls[-1][0] - world.started).total_seconds() <= 3600 + MAX_INTERVAL * (1 + JITTER) + 1

    # The slot is free again: the next job is followed.
    world.baseten.api_key = API_KEY
    world.follow(follower, "nextjob1", status=JobStatus.RUNNING)
    world.set_status(JobStatus.COMPLETED, "nextjob1")
    run_for(world, follower, 60)
    assert world.gets("nextjob1") == 1
    assert "Completed" in world.replies()[-1].params["text"]


# --- restarts and other processes -------------------------------------------------------------------------------


def test_a_restarted_follower_carries_on_without_repeating_itself(shared_world: World) -> None:
    world = shared_world
    first = world.follower()
    world.follow(first)
    world.set_status(JobStatus.PENDING)
    run_for(world, first, 400)
    assert [c.params["text"] for c in world.replies()] == [f"`{JOB}`: :hourglass: Waiting for GPU capacity."]
    first.stop()
    scheduled = world.store().followed(JOB)
    assert scheduled is not None
    polled = world.gets()

    # A new process on the same file: it waits for the poll the old one scheduled and says nothing twice.
    second = world.follower()
    second.tick()
    assert world.gets() == polled
    run_for(world, second, 1200)
    times = [at for at, _ in world.polls[polled:]]
    assert times, "the restarted follower never polled"
    assert scheduled.next_poll_at <= times[0] <= scheduled.next_poll_at + timedelta(seconds=1)
    # ... and keeps backing off rather than starting again at the base interval.
    assert (times[0] - world.polls[polled - 1][0]).total_seconds() > INTERVAL * BACKOFF
    assert len(world.replies()) == 1

    world.set_status(JobStatus.DEPLOYING)
    run_for(world, second, 700)
    texts = [c.params["text"] for c in world.replies()]
    assert len(texts) == 2, texts
    assert "deploying" in texts[1]
    assert len(world.updates()) == 2
    assert card_status(world.updates()[-1]) == "Deploying"


def test_two_followers_ticking_at_once_ask_baseten_once_per_due_job_and_reply_once(shared_world: World) -> None:
    world = shared_world
    one = world.follower()
    other = world.follower()
    jobs = ["newjob01", "newjob02", "newjob03"]
    for job_id in jobs:
        world.follow(one, job_id)
    errors: list[BaseException] = []

    def round_together(status: str) -> None:
        for job_id in jobs:
            world.set_status(status, job_id)
        world.clock.advance(INTERVAL * (1 + JITTER) + 1)
        barrier = threading.Barrier(2, timeout=5)

        def tick(follower: Follower) -> None:
            try:
                barrier.wait()
                follower.tick()
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=tick, args=(f,)) for f in (one, other)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)

    round_together(JobStatus.RUNNING)
    assert errors == []
    assert [world.gets(job_id) for job_id in jobs] == [1, 1, 1]
    texts = [c.params["text"] for c in world.replies()]
    assert sorted(t for t in texts if "running" in t.lower()) == sorted(t for t in texts)
    assert [sum(job_id in t for t in texts) for job_id in jobs] == [1, 1, 1]
    assert len(world.updates()) == 3

    # Saving a poll's result let each job go: the next round polls every one once more, again from one follower.
    round_together(JobStatus.DEPLOYING)
    assert errors == []
    assert [world.gets(job_id) for job_id in jobs] == [2, 2, 2]
    texts = [c.params["text"] for c in world.replies()]
    assert [sum(job_id in t and "deploying" in t for t in texts) for job_id in jobs] == [1, 1, 1]
    assert len(texts) == 6
    assert len(world.updates()) == 6


# --- Slack trouble ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [200, 500])
def test_a_card_that_cannot_be_updated_still_gets_its_thread_reply(world: World, status: int) -> None:
    follower = world.follower()
    world.follow(follower)
    world.slack.fail(UPDATED, "message_not_found", status=status)
    world.set_status(JobStatus.RUNNING)
    world.clock.advance(INTERVAL + 1)

    follower.tick()

    [reply] = world.replies()
    assert reply.params["thread_ts"] == CARD_TS and "Running" in reply.params["text"]
    assert len(world.updates()) == 1

    # Following goes on; the next change updates the card.
    world.set_status(JobStatus.COMPLETED)
    world.clock.advance(INTERVAL * (1 + JITTER) + 1)
    follower.tick()
    assert len(world.replies()) == 2
    assert card_status(world.updates()[-1]) == "Completed"


def test_a_thread_that_refuses_the_reply_gets_it_in_the_channel(world: World) -> None:
    follower = world.follower()
    world.follow(follower)
    world.slack.fail(POSTED, "thread_not_found")
    world.set_status(JobStatus.RUNNING)
    world.clock.advance(INTERVAL + 1)

    follower.tick()

    threaded, top_level = world.replies()
    assert threaded.params["thread_ts"] == CARD_TS
    assert top_level.params["channel"] == CHANNEL and "thread_ts" not in top_level.params
    assert "Running" in top_level.params["text"]


def test_a_card_sent_through_response_url_gets_its_updates_in_the_channel(world: World) -> None:
    follower = world.follower()
    world.follow(follower, card_ts=None, response_url=world.slack.response_url("cmd1"))
    world.set_status(JobStatus.RUNNING)
    world.clock.advance(INTERVAL + 1)

    follower.tick()

    [reply] = world.replies()
    assert reply.params["channel"] == CHANNEL
    assert "thread_ts" not in reply.params
    assert "Running" in reply.params["text"]
    assert world.updates() == []
    assert world.slack.of("response_url") == []


def test_where_the_bot_cannot_post_the_update_goes_through_response_url(world: World) -> None:
    follower = world.follower()
    world.follow(follower, card_ts=None, response_url=world.slack.response_url("cmd1"))
    world.slack.fail(POSTED, "not_in_channel")
    world.set_status(JobStatus.COMPLETED)
    world.clock.advance(INTERVAL + 1)

    follower.tick()

    [sent] = world.slack.of("response_url")
    assert sent.params["response_type"] == "in_channel"
    assert "Completed" in sent.params["text"]
    assert world.updates() == []


def test_when_the_channel_and_response_url_both_refuse_the_requester_is_told_directly(world: World) -> None:
    """A failure after the response_url has expired still reaches the person who asked."""
    follower = world.follower()
    world.follow(follower, card_ts=None, response_url=world.slack.response_url("cmd1"))
    world.slack.fail(POSTED, "not_in_channel")
    world.slack.fail("response_url", "expired_url", status=404)
    world.set_status(JobStatus.FAILED, error_message="OOM")
    world.clock.advance(INTERVAL + 1)

    follower.tick()

    direct = [call for call in world.slack.of(POSTED) if call.params["channel"] == REQUESTER]
    assert len(direct) == 1
    assert "OOM" in direct[0].params["text"]


# --- many jobs ------------------------------------------------------------------------------------------------


def test_at_most_cap_jobs_are_followed_at_once_and_the_rest_wait_their_turn(world: World) -> None:
    follower = world.follower(rules(cap=3))
    jobs = [f"capjob{number}" for number in range(5)]
    for job_id in jobs:
        world.follow(follower, job_id, status=JobStatus.RUNNING)
        world.clock.advance(1)

    world.clock.advance(INTERVAL + 1)
    follower.tick()
    assert Counter(job for _, job in world.polls) == {"capjob0": 1, "capjob1": 1, "capjob2": 1}
    # Ticking again at the same instant polls nobody a second time.
    follower.tick()
    follower.tick()
    assert world.gets() == 3

    # The waiting jobs stay queued while the first three run.
    run_for(world, follower, 1800)
    assert world.gets("capjob3") == world.gets("capjob4") == 0

    world.set_status(JobStatus.COMPLETED, "capjob0")
    run_for(world, follower, int(MAX_INTERVAL * (1 + JITTER)) + 2)
    assert any("Completed" in c.params["text"] for c in world.replies())
    assert world.gets("capjob3") >= 1
    assert world.gets("capjob4") == 0

    # Nothing is ever polled faster than the interval.
    last: dict[str, datetime] = {}
    for at, job_id in world.polls:
        if job_id in last:
            assert (at - last[job_id]).total_seconds() >= INTERVAL, (job_id, at)
        last[job_id] = at
    # Nothing was said about the jobs that did not change.
    assert len(world.replies()) == 1


def test_a_round_slower_than_the_interval_polls_no_job_again_early(world: World) -> None:
    # Baseten takes 2 s to answer: a round of 30 due jobs lasts a minute, twice the interval.
    follower = world.follower(transport=world.transport(before=lambda: world.clock.advance(2)))
    for number in range(30):
        world.follow(follower, f"slowjob{number:02d}", status=JobStatus.RUNNING)

    run_for(world, follower, 900)

    last: dict[str, datetime] = {}
    for at, job_id in world.polls:
        if job_id in last:
            assert (at - last[job_id]).total_seconds() >= INTERVAL, (job_id, last[job_id], at)
        last[job_id] = at
    assert len(last) == 30
    assert world.replies() == []


def test_the_follower_thread_follows_on_its_own_and_stops_promptly(world: World) -> None:
    follower = world.follower()
    world.follow(follower)
    world.set_status(JobStatus.RUNNING)
    world.clock.advance(INTERVAL + 1)

    follower.start()
    try:
        [update] = world.slack.wait_for_count(UPDATED, 1)
        [reply] = world.slack.wait_for_count(POSTED, 1)
        time.sleep(0.3)  # the thread is now asleep until the next poll, about 30 s away
    finally:
        began = time.monotonic()
        follower.stop(timeout=5)
        stopping = time.monotonic() - began

    assert card_status(update) == "Running"
    assert reply.params["thread_ts"] == CARD_TS
    # The thread sleeps up to an interval between rounds; stop() wakes it rather than waiting that out.
    assert stopping < 2
    polled = world.gets()
    world.set_status(JobStatus.COMPLETED)
    world.clock.advance(3600)
    time.sleep(0.3)
    assert world.gets() == polled
    assert len(world.replies()) == 1


class _CountingRounds(SqliteAuditStore):
    """The real store, counting the follower's rounds (each round takes the due jobs once)."""

    rounds = 0

    def take_due(self, owner: str, now: datetime, cap: int, hold: timedelta) -> list[Any]:
        self.rounds += 1
        return super().take_due(owner, now, cap, hold)


def test_following_new_jobs_does_not_start_a_round_for_each(world: World, tmp_path: Path) -> None:
    """Each recreate follows its job; a round of store reads per recreate would be CPU taken from the next ack.
    The thread never sleeps past the interval, so the new jobs are still polled on time (checked above)."""
    store = _CountingRounds(tmp_path / "counted.db")
    follower = world.follower(store=store)
    follower.start()
    try:
        time.sleep(0.2)  # the first round, then asleep until the interval is up
        before = store.rounds
        for number in range(5):
            world.follow(follower, f"newjob{number:02d}")
        time.sleep(0.3)
        after = store.rounds
    finally:
        follower.stop(timeout=5)
        store.close()

    assert before == 1
    assert after == before
