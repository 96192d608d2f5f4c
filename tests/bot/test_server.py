"""The WSGI app under a real waitress server: health checks, Slack requests, and everything else."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from waitress import wasyncore
from waitress.server import create_server

from bot.server import wsgi_app
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


@pytest.fixture
def served(harness: Harness) -> Iterator[Served]:
    server = create_server(wsgi_app(harness.bot), host="127.0.0.1", port=0, threads=4, ident="recreate-job")
    port = int(server.effective_port)  # type: ignore[union-attr]
    stop = threading.Event()

    def serve() -> None:
        # waitress's own run() has no thread-safe stop; loop in short turns and close everything on this thread.
        while not stop.is_set():
            wasyncore.loop(timeout=0.05, map=server._map, count=1)  # type: ignore[union-attr]
        for channel in list(server._map.values()):  # type: ignore[union-attr]
            channel.close()
        server.task_dispatcher.shutdown()  # type: ignore[union-attr]

    thread = threading.Thread(target=serve, name="waitress-test", daemon=True)
    thread.start()
    client = Served(harness, f"http://127.0.0.1:{port}")
    yield client
    client.http.close()
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()


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
