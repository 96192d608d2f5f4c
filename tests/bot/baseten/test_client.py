"""The Baseten client against the fake Baseten: auth, error mapping, rate limits, and never recreating twice."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from bot.baseten import (
    BasetenClient,
    CallFailed,
    KeyRejected,
    NoAnswer,
    NotFound,
    OutcomeUnknown,
    RateLimited,
    Rejected,
    ServerError,
    UnexpectedAnswer,
    Unreachable,
)
from tests.fakes.baseten import API_KEY, FakeBaseten
from tests.fakes.http import Response

PROJECT = "n4q95w5"
JOB = "p7qr9qv"
RATE_LIMIT_BODY = {"error": "Rate limit exceeded. Please try again later.", "retry_after": 37}

ErrorFactory = Callable[[httpx.Request], Exception]


class Interrupting:
    """Sits in front of the fake's transport and raises queued httpx errors, before or after Baseten acted."""

    def __init__(self, fake: FakeBaseten) -> None:
        self._inner = fake.transport()
        self.before: deque[ErrorFactory] = deque()
        self.after: deque[ErrorFactory] = deque()
        self.requests = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.before:
            raise self.before.popleft()(request)
        response = self._inner.handle_request(request)
        if self.after:
            raise self.after.popleft()(request)
        return response

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)


def connect_error(request: httpx.Request) -> Exception:
    return httpx.ConnectError("connection refused", request=request)


def read_timeout(request: httpx.Request) -> Exception:
    return httpx.ReadTimeout("timed out", request=request)


def read_error(request: httpx.Request) -> Exception:
    return httpx.ReadError("connection reset", request=request)


def protocol_error(request: httpx.Request) -> Exception:
    return httpx.RemoteProtocolError("server disconnected", request=request)


@pytest.fixture
def fake() -> FakeBaseten:
    baseten = FakeBaseten()
    baseten.add_job(PROJECT, JOB)
    return baseten


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_client(fake: FakeBaseten, sleeps: list[float]) -> Iterator[Callable[..., BasetenClient]]:
    made: list[BasetenClient] = []

    def make(transport: httpx.BaseTransport | None = None, **options: Any) -> BasetenClient:
        options.setdefault("api_key", API_KEY)
        client = BasetenClient(
            base_url="https://api.baseten.co",
            transport=transport or fake.transport(),
            sleep=sleeps.append,
            **options,
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def answering(response: httpx.Response) -> httpx.MockTransport:
    """A transport that gives every request this same response."""
    return httpx.MockTransport(lambda request: response)


# --- the happy paths -------------------------------------------------------------------------------------------


def test_requests_carry_the_api_key(fake: FakeBaseten, make_client: Callable[..., BasetenClient]) -> None:
    make_client().get_job(PROJECT, JOB)
    assert fake.seen[0].authorization == f"Api-Key {API_KEY}"


def test_search_finds_the_job_and_its_project(fake: FakeBaseten, make_client: Callable[..., BasetenClient]) -> None:
    found = make_client().search_jobs(JOB)
    assert [(job.id, job.training_project_id) for job in found] == [(JOB, PROJECT)]
    assert fake.seen[0].path == "/v1/training_jobs/search"
    assert fake.seen[0].body["job_id"] == JOB
    assert fake.seen[0].body["order_by"] == [{"field": "created_at", "order": "desc"}]


def test_search_for_an_unknown_job_is_empty(make_client: Callable[..., BasetenClient]) -> None:
    assert make_client().search_jobs("zzzz999") == []


def test_list_jobs_returns_the_projects_jobs(fake: FakeBaseten, make_client: Callable[..., BasetenClient]) -> None:
    fake.add_job(PROJECT, "abcd123")
    fake.add_job("other01", "efgh456")
    assert sorted(job.id for job in make_client().list_jobs(PROJECT).jobs) == ["abcd123", JOB]


def test_one_job_this_bot_cannot_read_is_counted_and_does_not_hide_the_others(
    fake: FakeBaseten, make_client: Callable[..., BasetenClient]
) -> None:
    fake.add_job(PROJECT, "abcd123")
    fake.add_job(PROJECT, "Odd-ID-1")
    listing = make_client().list_jobs(PROJECT)
    assert sorted(job.id for job in listing.jobs) == ["abcd123", JOB]
    assert listing.unreadable == 1


def test_a_search_answer_with_an_id_of_another_shape_is_an_unexpected_answer(
    fake: FakeBaseten, make_client: Callable[..., BasetenClient]
) -> None:
    fake.add_job("Proj_With-Dash", JOB)
    with pytest.raises(UnexpectedAnswer, match=r"something unexpected.*training_project_id"):
        make_client().search_jobs(JOB)


def test_recreate_returns_the_new_job(fake: FakeBaseten, make_client: Callable[..., BasetenClient]) -> None:
    new = make_client().recreate(PROJECT, JOB)
    assert new.id != JOB
    assert new.training_project_id == PROJECT
    assert [job["id"] for job in fake.created()] == [new.id]
    assert fake.seen[0].path == f"/v1/training_projects/{PROJECT}/jobs/{JOB}/recreate"


# --- error mapping ---------------------------------------------------------------------------------------------


def test_wrong_api_key_is_key_rejected(make_client: Callable[..., BasetenClient]) -> None:
    with pytest.raises(KeyRejected) as caught:
        make_client(api_key="wrong-key").get_job(PROJECT, JOB)
    assert caught.value.status == 401
    assert caught.value.message == "Invalid API key"


def test_forbidden_is_key_rejected(fake: FakeBaseten, make_client: Callable[..., BasetenClient]) -> None:
    fake.fail("recreate", 403, {"message": "API key cannot access this project"})
    with pytest.raises(KeyRejected, match="cannot access this project") as caught:
        make_client().recreate(PROJECT, JOB)
    assert caught.value.status == 403
    assert fake.created() == []


def test_unknown_job_is_not_found(make_client: Callable[..., BasetenClient]) -> None:
    with pytest.raises(NotFound, match="Training job zzzz999 not found"):
        make_client().get_job(PROJECT, "zzzz999")


def test_unknown_project_is_not_found(make_client: Callable[..., BasetenClient]) -> None:
    with pytest.raises(NotFound):
        make_client().list_jobs("zzzz999")


def test_bad_request_carries_basetens_message(fake: FakeBaseten, make_client: Callable[..., BasetenClient]) -> None:
    fake.fail("recreate", 400, {"message": "Job config is no longer valid", "detail": "ignored"})
    with pytest.raises(Rejected) as caught:
        make_client().recreate(PROJECT, JOB)
    assert caught.value.message == "Job config is no longer valid"
    assert caught.value.status == 400
    assert isinstance(caught.value, CallFailed)  # nothing was created, so it is safe to try again


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(400, json={"message": "from message", "detail": "d", "error": "e"}), "from message"),
        (httpx.Response(400, json={"message": "  ", "detail": "from detail", "error": "e"}), "from detail"),
        (httpx.Response(422, json={"error": "from error"}), "from error"),
        (httpx.Response(400, text="plain words from a proxy"), "plain words from a proxy"),
        (httpx.Response(400, content=b""), "HTTP 400"),
        (httpx.Response(400, content=b"\xff\xfe broken"), "broken"),
    ],
)
def test_rejection_message_precedence(
    response: httpx.Response, message: str, make_client: Callable[..., BasetenClient]
) -> None:
    with pytest.raises(Rejected) as caught:
        make_client(answering(response)).get_job(PROJECT, JOB)
    assert message in caught.value.message


def test_structured_detail_is_kept_readable(make_client: Callable[..., BasetenClient]) -> None:
    detail = [{"loc": ["body", "job_id"], "msg": "must be a valid hash id"}]
    with pytest.raises(Rejected, match="must be a valid hash id"):
        make_client(answering(httpx.Response(422, json={"detail": detail}))).get_job(PROJECT, JOB)


# --- rate limits -----------------------------------------------------------------------------------------------


def test_rate_limited_recreate_waits_retry_after_then_succeeds(
    fake: FakeBaseten, make_client: Callable[..., BasetenClient], sleeps: list[float]
) -> None:
    fake.fail("recreate", 429, RATE_LIMIT_BODY)
    waits: list[float] = []
    new = make_client().recreate(PROJECT, JOB, on_rate_limit_wait=waits.append)
    assert sleeps == [37.0]
    assert waits == [37.0]
    assert len(fake.calls("recreate")) == 2
    assert [job["id"] for job in fake.created()] == [new.id]


def test_retry_after_header_is_honoured(
    fake: FakeBaseten, make_client: Callable[..., BasetenClient], sleeps: list[float]
) -> None:
    fake.fail("get", 429, {"error": "Rate limit exceeded."}, headers={"Retry-After": "2"})
    assert make_client().get_job(PROJECT, JOB).id == JOB
    assert sleeps == [2.0]


@pytest.mark.parametrize("body", [{"retry_after": "soon"}, {"retry_after": -5}, {"retry_after": "inf"}, "busy"])
def test_unusable_retry_after_waits_one_second(
    body: Any, fake: FakeBaseten, make_client: Callable[..., BasetenClient], sleeps: list[float]
) -> None:
    fake.fail("search", 429, body)
    make_client().search_jobs(JOB)
    assert sleeps == [1.0]


def test_rate_limit_longer_than_the_bound_gives_up_at_once(
    fake: FakeBaseten, make_client: Callable[..., BasetenClient], sleeps: list[float]
) -> None:
    fake.fail("recreate", 429, RATE_LIMIT_BODY)
    with pytest.raises(RateLimited) as caught:
        make_client(max_rate_limit_wait=30).recreate(PROJECT, JOB)
    assert caught.value.retry_after == 37
    assert isinstance(caught.value, CallFailed)
    assert sleeps == []
    assert fake.created() == []


def test_rate_limit_waits_add_up_to_the_bound(
    fake: FakeBaseten, make_client: Callable[..., BasetenClient], sleeps: list[float]
) -> None:
    fake.fail("get", 429, {"retry_after": 20}, times=5)
    with pytest.raises(RateLimited):
        make_client(max_rate_limit_wait=50).get_job(PROJECT, JOB)
    assert sleeps == [20.0, 20.0]
    assert len(fake.calls("get")) == 3


# --- recreate is never sent twice ------------------------------------------------------------------------------


def test_recreate_retries_when_the_connection_never_opened(
    fake: FakeBaseten, make_client: Callable[..., BasetenClient], sleeps: list[float]
) -> None:
    interrupting = Interrupting(fake)
    interrupting.before.extend([connect_error, connect_error])
    new = make_client(interrupting.transport()).recreate(PROJECT, JOB)
    assert interrupting.requests == 3
    assert len(fake.calls("recreate")) == 1
    assert [job["id"] for job in fake.created()] == [new.id]
    assert sleeps == [0.5, 1.0]


def test_recreate_that_never_connects_is_unreachable(
    fake: FakeBaseten, make_client: Callable[..., BasetenClient]
) -> None:
    interrupting = Interrupting(fake)
    interrupting.before.extend([connect_error] * 5)
    with pytest.raises(Unreachable):
        make_client(interrupting.transport(), attempts=3).recreate(PROJECT, JOB)
    assert interrupting.requests == 3
    assert fake.created() == []


@pytest.mark.parametrize(
    ("error", "reason"),
    [(read_timeout, "timeout"), (read_error, "connection_lost"), (protocol_error, "connection_lost")],
)
def test_recreate_interrupted_after_sending_is_outcome_unknown_and_sent_once(
    error: ErrorFactory, reason: str, fake: FakeBaseten, make_client: Callable[..., BasetenClient]
) -> None:
    interrupting = Interrupting(fake)
    interrupting.after.append(error)
    with pytest.raises(OutcomeUnknown) as caught:
        make_client(interrupting.transport()).recreate(PROJECT, JOB)
    assert caught.value.reason == reason
    assert interrupting.requests == 1
    assert len(fake.calls("recreate")) == 1
    assert len(fake.created()) == 1  # the job exists: exactly why the bot must not send it again


def test_dropped_connection_after_baseten_acted_is_outcome_unknown(
    fake: FakeBaseten, make_client: Callable[..., BasetenClient]
) -> None:
    fake.fail_after_acting("recreate", Response(drop=True))
    with pytest.raises(OutcomeUnknown) as caught:
        make_client().recreate(PROJECT, JOB)
    assert caught.value.reason == "connection_lost"
    assert len(fake.calls("recreate")) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_recreate_server_error_is_outcome_unknown_and_sent_once(
    status: int, fake: FakeBaseten, make_client: Callable[..., BasetenClient], sleeps: list[float]
) -> None:
    fake.fail_after_acting("recreate", Response(status, {"message": "upstream failed"}))
    with pytest.raises(OutcomeUnknown) as caught:
        make_client().recreate(PROJECT, JOB)
    assert caught.value.reason == "server_error"
    assert caught.value.status == status
    assert len(fake.calls("recreate")) == 1
    assert sleeps == []


@pytest.mark.parametrize("body", [{"unexpected": True}, {"training_job": {"id": "x"}}, "<html>oops</html>"])
def test_recreate_200_with_unreadable_body_is_outcome_unknown(
    body: Any, fake: FakeBaseten, make_client: Callable[..., BasetenClient]
) -> None:
    fake.fail_after_acting("recreate", Response(200, body))
    with pytest.raises(OutcomeUnknown) as caught:
        make_client().recreate(PROJECT, JOB)
    assert caught.value.reason == "unreadable_response"
    assert caught.value.status == 200
    assert len(fake.calls("recreate")) == 1


def test_recreate_non_json_200_is_outcome_unknown(make_client: Callable[..., BasetenClient]) -> None:
    transport = answering(httpx.Response(200, content=b"\x00\xff not json"))
    with pytest.raises(OutcomeUnknown) as caught:
        make_client(transport).recreate(PROJECT, JOB)
    assert caught.value.reason == "unreadable_response"


def test_real_read_timeout_on_recreate_over_loopback() -> None:
    """Over a real socket: Baseten creates the job but answers too late; the bot says so and sends nothing more."""
    fake = FakeBaseten().start()
    try:
        fake.add_job(PROJECT, JOB)
        fake.delays["recreate"] = 5.0
        client = BasetenClient(API_KEY, fake.url, timeout=httpx.Timeout(2.0, read=0.1), sleep=lambda _s: None)
        with pytest.raises(OutcomeUnknown) as caught:
            client.recreate(PROJECT, JOB)
        client.close()
        assert caught.value.reason == "timeout"
        assert len(fake.calls("recreate")) == 1
        assert len(fake.created()) == 1
    finally:
        fake.stop()


# --- reads are retried -----------------------------------------------------------------------------------------


def test_get_retries_server_errors_then_succeeds(
    fake: FakeBaseten, make_client: Callable[..., BasetenClient], sleeps: list[float]
) -> None:
    fake.fail("get", 503, {"message": "unavailable"}, times=2)
    assert make_client().get_job(PROJECT, JOB).id == JOB
    assert len(fake.calls("get")) == 3
    assert sleeps == [0.5, 1.0]


def test_get_gives_server_error_after_retries(fake: FakeBaseten, make_client: Callable[..., BasetenClient]) -> None:
    fake.fail("get", 502, {"message": "bad gateway"}, times=5)
    with pytest.raises(ServerError) as caught:
        make_client(attempts=3).get_job(PROJECT, JOB)
    assert caught.value.status == 502
    assert not isinstance(caught.value, CallFailed)
    assert len(fake.calls("get")) == 3


def test_search_retries_read_timeouts_then_succeeds(
    fake: FakeBaseten, make_client: Callable[..., BasetenClient]
) -> None:
    interrupting = Interrupting(fake)
    interrupting.after.append(read_timeout)
    assert [job.id for job in make_client(interrupting.transport()).search_jobs(JOB)] == [JOB]
    assert len(fake.calls("search")) == 2


def test_search_gives_no_answer_after_repeated_timeouts(
    fake: FakeBaseten, make_client: Callable[..., BasetenClient], sleeps: list[float]
) -> None:
    interrupting = Interrupting(fake)
    interrupting.after.extend([read_timeout] * 5)
    with pytest.raises(NoAnswer):
        make_client(interrupting.transport(), attempts=3).search_jobs(JOB)
    assert interrupting.requests == 3
    assert sleeps == [0.5, 1.0]


def test_search_retries_server_errors_then_gives_server_error(
    fake: FakeBaseten, make_client: Callable[..., BasetenClient]
) -> None:
    fake.fail("search", 500, {"message": "oops"}, times=3)
    with pytest.raises(ServerError):
        make_client(attempts=3).search_jobs(JOB)
    assert len(fake.calls("search")) == 3


# --- IDs never reach a URL unchecked ---------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["../etc", "P7QR9QV", "p7qr9qv/../x", "", "abc", "a" * 33, "p7qr9qv?x=1"])
@pytest.mark.parametrize("call", ["get_job", "list_jobs", "recreate", "search_jobs"])
def test_invalid_ids_are_refused_before_any_request(
    bad: str, call: str, fake: FakeBaseten, make_client: Callable[..., BasetenClient]
) -> None:
    client = make_client()
    with pytest.raises(ValueError, match="refusing"):
        if call == "get_job":
            client.get_job(PROJECT, bad)
        elif call == "recreate":
            client.recreate(bad, JOB)
        elif call == "list_jobs":
            client.list_jobs(bad)
        else:
            client.search_jobs(bad)
    assert fake.seen == []
