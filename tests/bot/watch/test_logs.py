"""Reading the last lines before a failure from the fake Baseten."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from bot.baseten import BasetenClient, TrainingJob
from bot.watch.logs import diagnose
from tests.fakes.baseten import API_KEY, FakeBaseten

PROJECT = "n4q95w5"


@pytest.fixture
def fake() -> FakeBaseten:
    baseten = FakeBaseten()
    baseten.add_job(PROJECT, "p7qr9qv", status="TRAINING_JOB_FAILED")
    return baseten


@pytest.fixture
def client(fake: FakeBaseten) -> Iterator[BasetenClient]:
    made = BasetenClient(API_KEY, transport=fake.transport(), sleep=lambda _: None, attempts=1)
    yield made
    made.close()


def failed(client: BasetenClient) -> TrainingJob:
    return client.get_job(PROJECT, "p7qr9qv")


def test_the_last_lines_before_the_failure_oldest_first(fake: FakeBaseten, client: BasetenClient) -> None:
    job = failed(client)
    fake.add_logs("p7qr9qv", [f"step {n}" for n in range(60)], end=job.updated_at + timedelta(seconds=10))
    # Lines written long after the failure (a restart of the logger, say) are not part of it.
    fake.add_logs("p7qr9qv", ["much later"], end=job.updated_at + timedelta(hours=1))
    found = diagnose(client, job)
    assert [line.message for line in found.lines] == [f"step {n}" for n in range(35, 60)]
    assert found.unreadable is None
    assert fake.calls("logs")[0].query["direction"] == "desc"  # type: ignore[index]
    assert "min_level" not in (fake.calls("logs")[0].query or {})


def test_a_job_without_logs_has_an_empty_diagnosis(client: BasetenClient) -> None:
    found = diagnose(client, failed(client))
    assert found.lines == () and found.unreadable is None


def test_logs_that_cannot_be_read_are_said_so_not_raised(fake: FakeBaseten, client: BasetenClient) -> None:
    job = failed(client)
    fake.fail("logs", 503, {"message": "unavailable"})
    assert diagnose(client, job).unreadable == "Baseten answered 503"


def test_updated_at_is_used_for_the_window(fake: FakeBaseten, client: BasetenClient) -> None:
    job = failed(client)
    diagnose(client, job)
    end = int((fake.calls("logs")[0].query or {})["end_epoch_millis"])
    assert datetime.fromtimestamp(end / 1000, job.updated_at.tzinfo) == job.updated_at + timedelta(seconds=30)
