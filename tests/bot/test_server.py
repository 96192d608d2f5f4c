"""The WSGI app under a real waitress server: health checks, Slack requests, and everything else."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from waitress import wasyncore

from bot import http_server
from bot.app import Collaborators
from bot.runner import Runner
from bot.server import wsgi_app
from bot.store import Outcome
from tests.conftest import Harness
from tests.fakes.slack import Call, FakeSlack
from tests.signing import command_body, signed_headers


def messages_sent(slack: FakeSlack) -> list[Call]:
    """What reached Slack besides the bot's own token check (auth.test): posts, replies, look-ups."""
    return [call for call in slack.calls if call.kind != "auth.test"]


class Served:
    def __init__(self, harness: Harness, url: str) -> None:
        self.harness = harness
        self.url = url
        self.http = httpx.Client(base_url=url, timeout=5)

    def command(self, text: str, *, secret: str | None = None, **fields: Any) -> httpx.Response:
        fields.setdefault("response_url", self.harness.slack.response_url("served"))
        body = command_body(text, **fields)
        headers = signed_headers(body) if secret is None else signed_headers(body, secret=secret)
        return self.http.post("/slack/events", content=body.encode(), headers=headers)


@contextlib.contextmanager
def serving(harness: Harness) -> Iterator[Served]:
    """The bot's WSGI app under the bot's own waitress server on a free loopback port, in a thread."""
    server = http_server.create(wsgi_app(harness.bot), host="127.0.0.1", port=0, threads=4)
    stop = threading.Event()

    def serve() -> None:
        # waitress's own run() has no thread-safe stop; loop in short turns and close everything on this thread.
        while not stop.is_set():
            wasyncore.loop(timeout=0.05, map=server.connections, count=1)
        for channel in list(server.connections.values()):
            channel.close()
        server.task_dispatcher.shutdown()

    thread = threading.Thread(target=serve, name="waitress-test", daemon=True)
    thread.start()
    client = Served(harness, f"http://127.0.0.1:{server.port}")
    try:
        yield client
    finally:
        client.http.close()
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()


@pytest.fixture
def served(harness: Harness) -> Iterator[Served]:
    with serving(harness) as client:
        yield client


def test_healthz_answers_ok_while_running(served: Served) -> None:
    response = served.http.get("/healthz")

    assert response.status_code == 200
    assert response.text.strip() == "ok"


def test_healthz_answers_503_once_the_runner_drains(served: Served) -> None:
    assert served.harness.bot.runner.drain(1) == []

    response = served.http.get("/healthz")

    assert response.status_code == 503
    assert "shutting down" in response.text


def test_a_signed_command_over_http_is_acked_and_its_card_posted(served: Served) -> None:
    response = served.command("p7qr9qv")

    assert response.status_code == 200
    body = response.json()
    assert "Recreating `p7qr9qv`" in body["text"]
    assert body.get("response_type", "ephemeral") == "ephemeral"
    card = served.harness.slack.wait_for_count("chat.postMessage")[0]
    new_job = served.harness.baseten.created()[0]
    assert card.params["channel"] == "CCHANNEL01"
    assert new_job["id"] in card.params["text"]


def test_a_badly_signed_command_over_http_is_refused_and_nothing_is_sent(served: Served) -> None:
    response = served.command("p7qr9qv", secret="someone-elses-secret")

    assert response.status_code == 401
    served.harness.drain()
    assert served.harness.baseten.seen == []
    assert messages_sent(served.harness.slack) == []


def test_a_command_while_draining_is_acked_with_restarting(served: Served) -> None:
    served.harness.bot.runner.drain(1)

    response = served.command("p7qr9qv")

    assert response.status_code == 200
    assert "restarting" in response.json()["text"]
    assert served.harness.baseten.seen == []


def test_slacks_certificate_check_is_answered(served: Served) -> None:
    response = served.http.post(
        "/slack/events",
        content=b"ssl_check=1&token=legacy-verification-token",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 200
    assert messages_sent(served.harness.slack) == []


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/"), ("GET", "/nope"), ("POST", "/slack/other"), ("GET", "/slack/events"), ("POST", "/healthz/x")],
)
def test_unknown_paths_are_404(served: Served, method: str, path: str) -> None:
    response = served.http.request(method, path)

    assert response.status_code == 404
    served.harness.drain()
    assert served.harness.baseten.seen == []


# --- told busy ------------------------------------------------------------------------------------------------


def read_response(sock: socket.socket) -> bytes:
    """One whole HTTP response: headers and body may arrive in separate reads."""
    data = b""
    while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < _content_length(data):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def _content_length(data: bytes) -> int:
    for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 0


def test_a_command_that_waited_too_long_for_a_thread_is_told_busy_and_nothing_is_sent(
    harness_factory: Callable[..., Harness],
) -> None:
    # In a flood a request can wait a long time for one of the server's threads. Past `busy_after` its ack is
    # due at once: it says "busy, nothing was sent", and the recreate never starts.
    harness = harness_factory(Collaborators(runner=Runner(busy_after=0.3)))
    with serving(harness) as served:
        body = command_body("p7qr9qv", response_url=harness.slack.response_url("late")).encode()
        headers = "".join(f"{key}: {value}\r\n" for key, value in signed_headers(body.decode()).items())
        port = int(served.url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            # The server counts from the request's first byte; the rest follows well within its 5 s deadline.
            sock.sendall(f"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Length: {len(body)}\r\n".encode())
            time.sleep(0.6)
            sock.sendall(headers.encode() + b"\r\n" + body)
            status_line, _, rest = read_response(sock).partition(b"\r\n")
        harness.drain()

    assert status_line.startswith(b"HTTP/1.1 200")
    text = json.loads(rest.split(b"\r\n\r\n", 1)[1])["text"]
    assert "too many recreates" in text
    assert "Nothing was sent to Baseten" in text
    assert harness.baseten.seen == []
    assert harness.slack.of("chat.postMessage") == []
    [record] = harness.bot.store.involving("p7qr9qv", 5)
    assert record.outcome is Outcome.FAILED
    assert record.error == "not started: bot busy"


def test_a_command_sent_without_delay_is_not_told_busy(harness_factory: Callable[..., Harness]) -> None:
    harness = harness_factory(Collaborators(runner=Runner(busy_after=0.3)))
    with serving(harness) as served:
        response = served.command("p7qr9qv")
        harness.slack.wait_for_count("chat.postMessage")

    assert "Recreating `p7qr9qv`" in response.json()["text"]
    assert len(harness.baseten.created()) == 1
