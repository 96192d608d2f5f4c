"""The simulated Baseten behind `console --demo`, through the bot's real Baseten client and a hand-moved clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.baseten import BasetenClient
from bot.baseten.errors import NotFound, OutcomeUnknown, RateLimited
from bot.baseten.ids import is_hash_id
from bot.console.demo import DemoBaseten
from bot.console.demo_samples import PROJECTS, SAMPLES

START = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(clock: Clock, sleeps: list[float]) -> Iterator[BasetenClient]:
    baseten = BasetenClient(
        "demo", "https://demo.invalid", transport=DemoBaseten(clock).transport(), sleep=sleeps.append
    )
    yield baseten
    baseten.close()


def test_a_recreated_job_moves_through_its_statuses_as_time_passes(client: BasetenClient, clock: Clock) -> None:
    new = client.recreate("n4q95w5", "p7qr9qv")
    assert new.current_status == "TRAINING_JOB_CREATED"
    assert new.training_project_id == "n4q95w5"
    assert new.instance_type.id == "H100x8"

    seen = []
    for seconds in (2.9, 0.1, 5, 7, 30, 600):
        clock.advance(seconds)
        seen.append(client.get_job("n4q95w5", new.id).current_status.removeprefix("TRAINING_JOB_"))

    assert seen == ["CREATED", "PENDING", "DEPLOYING", "RUNNING", "COMPLETED", "COMPLETED"]


def test_the_sample_jobs_keep_their_status(client: BasetenClient, clock: Clock) -> None:
    clock.advance(3600)

    for sample in SAMPLES:
        assert client.get_job(sample.project_id, sample.job_id).current_status == sample.status


def test_new_jobs_get_distinct_ids_the_bot_accepts(client: BasetenClient) -> None:
    ids = [client.recreate("c7v3n9q", "e5cpu01").id for _ in range(3)]

    assert len(set(ids)) == 3
    assert all(is_hash_id(job_id) for job_id in ids)
    listed = {job.id for job in client.list_jobs("c7v3n9q").jobs}
    assert set(ids) <= listed
    assert [job.id for job in client.search_jobs(ids[0])] == [ids[0]]


def test_copies_of_the_failing_sample_fail_once_they_would_run(client: BasetenClient, clock: Clock) -> None:
    copy = client.recreate("k2m8x4p", "w8fa1l5")

    clock.advance(8)
    deploying = client.get_job("k2m8x4p", copy.id)
    assert (deploying.current_status, deploying.error_message) == ("TRAINING_JOB_DEPLOYING", None)

    clock.advance(7)
    failed = client.get_job("k2m8x4p", copy.id)
    assert failed.current_status == "TRAINING_JOB_FAILED"
    assert failed.error_message == "CUDA out of memory at step 1200"

    copy_of_copy = client.recreate("k2m8x4p", copy.id)
    clock.advance(60)
    assert client.get_job("k2m8x4p", copy_of_copy.id).current_status == "TRAINING_JOB_FAILED"


def test_the_slow_sample_is_rate_limited_once_then_recreated(client: BasetenClient, sleeps: list[float]) -> None:
    first = client.recreate("n4q95w5", "s1ow0ne")

    assert sleeps == [6.0]
    assert first.current_status == "TRAINING_JOB_CREATED"
    second = client.recreate("n4q95w5", "s1ow0ne")
    assert sleeps == [6.0], "only the first recreate is rate limited"
    assert second.id != first.id


def test_the_slow_sample_reports_its_retry_after_to_a_client_that_will_not_wait(clock: Clock) -> None:
    impatient = BasetenClient(
        "demo", "https://demo.invalid", transport=DemoBaseten(clock).transport(), max_rate_limit_wait=0
    )
    try:
        with pytest.raises(RateLimited) as raised:
            impatient.recreate("n4q95w5", "s1ow0ne")
    finally:
        impatient.close()

    assert raised.value.retry_after == 6.0


def test_the_broken_sample_answers_500_and_creates_nothing(client: BasetenClient) -> None:
    before = {job.id for job in client.list_jobs("k2m8x4p").jobs}

    with pytest.raises(OutcomeUnknown) as raised:
        client.recreate("k2m8x4p", "b0rked1")

    assert raised.value.status == 500
    assert {job.id for job in client.list_jobs("k2m8x4p").jobs} == before


def test_unknown_jobs_and_projects_are_not_found(client: BasetenClient) -> None:
    assert client.search_jobs("zz9zz9z") == []
    with pytest.raises(NotFound):
        client.get_job("n4q95w5", "zz9zz9z")
    with pytest.raises(NotFound):
        client.get_job("k2m8x4p", "p7qr9qv")  # a real job, in another project
    with pytest.raises(NotFound):
        client.recreate("n4q95w5", "zz9zz9z")
    with pytest.raises(NotFound):
        client.list_jobs("zz9zz9z")


def test_a_sample_is_found_by_its_id_alone(client: BasetenClient) -> None:
    [found] = client.search_jobs("p7qr9qv")

    assert (found.training_project_id, found.training_project.name, found.name) == (
        "n4q95w5",
        "llama-finetune",
        "llama-8b-sft",
    )


def test_list_projects_returns_the_sample_projects(client: BasetenClient) -> None:
    projects = client.list_projects()

    assert {project.id: project.name for project in projects} == PROJECTS


def test_a_failed_demo_job_has_a_traceback_to_show(client: BasetenClient, clock: Clock) -> None:
    copy = client.recreate("k2m8x4p", "w8fa1l5")
    assert client.job_logs("k2m8x4p", copy.id) == []

    clock.advance(15)
    lines = client.job_logs("k2m8x4p", copy.id)
    assert lines[0].message.startswith("torch.OutOfMemoryError")
    assert lines[-1].message.startswith("epoch 2 step 1180")
