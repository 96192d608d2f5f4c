"""The writers of one followed job besides its poll (a stop's settle, a card posted again after a restart), on both
backends: each write is checked against the stored version, so a stale one loses and never undoes a newer one."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from slack_sdk import WebClient

from bot.baseten import TrainingJob
from bot.baseten.links import DashboardLinks
from bot.baseten.models import JobStatus
from bot.delivery import Delivery
from bot.records import Followed
from bot.stop.cards import StopCards
from bot.store import AuditStore
from tests.bot.store.contract import T0, open_backend, second, store
from tests.bot.store.test_contract import followed
from tests.fakes.baseten import FakeBaseten

__all__ = ["open_backend", "second", "store"]  # fixtures
HOLD = timedelta(minutes=2)
JOB = "new0001"


def stopped_job() -> TrainingJob:
    return TrainingJob.model_validate(FakeBaseten().add_job("n4q95w5", JOB, status=JobStatus.STOPPED))


class PollSavesBetween:
    """The store as a stop's settle sees it: another replica saves a poll's result between its read and its write."""

    def __init__(self, store: AuditStore, other: AuditStore) -> None:
        self._store = store
        self._other = other

    def followed(self, job_id: str) -> Followed | None:
        read = self._store.followed(job_id)
        [taken] = self._other.take_due("poller", T0, 10, HOLD)
        assert self._other.update_followed(replace(taken, status=JobStatus.FAILED, done=True))
        return read

    def update_followed(self, followed: Followed) -> bool:
        return self._store.update_followed(followed)


def test_a_stops_settle_read_before_a_poll_saved_loses_to_the_poll(store: AuditStore, second: AuditStore) -> None:
    store.follow(followed(JOB, status=JobStatus.RUNNING))
    cards = StopCards(PollSavesBetween(store, second), Delivery(WebClient(token="xoxb-unused")), DashboardLinks())  # type: ignore[arg-type]

    cards.settle_followed(stopped_job())

    kept = store.followed(JOB)
    assert kept is not None and (kept.status, kept.done, kept.version) == (JobStatus.FAILED, True, 1)


def test_a_stops_settle_saves_from_the_version_it_read(store: AuditStore) -> None:
    store.follow(followed(JOB, status=JobStatus.RUNNING))
    StopCards(store, Delivery(WebClient(token="xoxb-unused")), DashboardLinks()).settle_followed(stopped_job())
    settled = store.followed(JOB)
    assert settled is not None and (settled.status, settled.done, settled.version) == (JobStatus.STOPPED, True, 1)


def test_following_a_job_again_moves_its_version_on_so_a_poll_read_before_loses(
    store: AuditStore, second: AuditStore
) -> None:
    store.follow(followed(JOB))
    [taken] = store.take_due("one", T0, 10, HOLD)  # a poll under way on one replica, from version 0
    # Another replica posts the card again (the first process stopped before closing the record) and follows anew.
    again = followed(JOB, card_ts="1700000000.000200", next_poll_at=T0 + timedelta(seconds=30))
    second.follow(again)

    assert not store.update_followed(replace(taken, status=JobStatus.RUNNING))
    kept = store.followed(JOB)
    assert kept is not None and kept.card_ts == "1700000000.000200" and kept.status == again.status
    assert kept.version > taken.version
    # The row is free again, and the next save goes from the version now stored.
    assert [f.job_id for f in second.take_due("two", T0 + timedelta(seconds=30), 10, HOLD)] == [JOB]
    assert second.update_followed(replace(kept, status=JobStatus.RUNNING))
