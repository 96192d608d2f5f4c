"""The two reads the failure watch makes: searching for failed jobs, and a failed job's last log lines."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from bot.baseten import BasetenClient, NotFound, RateLimited, UnexpectedAnswer
from tests.fakes.baseten import API_KEY, FakeBaseten

PROJECT = "n4q95w5"
OTHER = "m3k2x9z"
FAILED = ("TRAINING_JOB_FAILED", "TRAINING_JOB_DEPLOY_FAILED")
END = datetime(2026, 11, 26, 11, 30, tzinfo=UTC)


@pytest.fixture
def fake() -> FakeBaseten:
    baseten = FakeBaseten()
    baseten.add_job(PROJECT, "p7qr9qv", status="TRAINING_JOB_FAILED", error_message="CUDA OOM")
    baseten.add_job(PROJECT, "q1w2e3r", status="TRAINING_JOB_COMPLETED")
    baseten.add_job(OTHER, "z9y8x7w", project_name="other", status="TRAINING_JOB_DEPLOY_FAILED")
    return baseten


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(fake: FakeBaseten, sleeps: list[float]) -> Iterator[BasetenClient]:
    made = BasetenClient(API_KEY, transport=fake.transport(), sleep=sleeps.append, max_rate_limit_wait=60)
    yield made
    made.close()


def test_search_by_status_in_one_project(fake: FakeBaseten, client: BasetenClient) -> None:
    found = client.search_jobs(project_id=PROJECT, statuses=FAILED)
    assert [job.id for job in found] == ["p7qr9qv"]
    assert found[0].error_message == "CUDA OOM"
    body = fake.calls("search")[0].body
    assert body["project_id"] == PROJECT
    assert sorted(body["statuses"]) == sorted(FAILED)
    assert "job_id" not in body


def test_search_by_status_in_every_project(fake: FakeBaseten, client: BasetenClient) -> None:
    found = client.search_jobs(statuses=FAILED)
    assert sorted(job.id for job in found) == ["p7qr9qv", "z9y8x7w"]
    assert "project_id" not in fake.calls("search")[0].body


def test_search_refuses_a_project_id_it_would_not_put_in_a_request(client: BasetenClient) -> None:
    with pytest.raises(ValueError, match="refusing"):
        client.search_jobs(project_id="../etc")


def test_a_429_on_search_is_waited_out_for_retry_after(
    fake: FakeBaseten, client: BasetenClient, sleeps: list[float]
) -> None:
    fake.fail("search", 429, {"error": "Rate limit exceeded.", "retry_after": 7})
    assert [job.id for job in client.search_jobs(project_id=PROJECT, statuses=FAILED)] == ["p7qr9qv"]
    assert sleeps == [7.0]


def test_a_429_longer_than_the_client_waits_says_when_to_come_back(fake: FakeBaseten, sleeps: list[float]) -> None:
    quick = BasetenClient(API_KEY, transport=fake.transport(), sleep=sleeps.append, max_rate_limit_wait=0)
    fake.fail("search", 429, {"error": "Rate limit exceeded.", "retry_after": 37})
    with pytest.raises(RateLimited) as caught:
        quick.search_jobs(statuses=FAILED)
    assert caught.value.retry_after == 37
    assert sleeps == []
    quick.close()


def test_logs_are_asked_newest_first_up_to_the_end_and_without_a_level(
    fake: FakeBaseten, client: BasetenClient
) -> None:
    fake.add_logs("p7qr9qv", [f"step {n}" for n in range(40)], end=END)
    end_ms = int(END.timestamp() * 1000) - 10_000
    lines = client.job_logs(PROJECT, "p7qr9qv", end_epoch_millis=end_ms, limit=5)
    assert [line.message for line in lines] == ["step 29", "step 28", "step 27", "step 26", "step 25"]
    assert lines[0].at == datetime(2026, 11, 26, 11, 29, 50, tzinfo=UTC)
    query = fake.calls("logs")[0].query or {}
    assert query == {"direction": "desc", "limit": "5", "end_epoch_millis": str(end_ms)}


def test_lines_without_a_level_come_back(fake: FakeBaseten, client: BasetenClient) -> None:
    fake.add_logs("p7qr9qv", ["Traceback (most recent call last):", "RuntimeError: boom"], end=END)
    lines = client.job_logs(PROJECT, "p7qr9qv", end_epoch_millis=int(END.timestamp() * 1000) + 1)
    assert [line.level for line in lines] == [None, None]
    assert lines[0].message == "RuntimeError: boom"


def test_logs_of_an_unknown_job_are_not_found(client: BasetenClient) -> None:
    with pytest.raises(NotFound):
        client.job_logs(PROJECT, "a1b2c3d")


def test_an_unreadable_logs_answer_is_an_unexpected_answer() -> None:
    odd = httpx.MockTransport(lambda request: httpx.Response(200, json={"logs": [{"message": "no time"}]}))
    reader = BasetenClient(API_KEY, transport=odd)
    with pytest.raises(UnexpectedAnswer):
        reader.job_logs(PROJECT, "p7qr9qv")
    reader.close()
