"""The loopback server under the console and the test fakes: a client that gives up is not an error."""

from __future__ import annotations

import httpx
import pytest

from bot.console.loopback import LoopbackServer, Request, Response


def test_a_client_that_stops_waiting_leaves_no_traceback(capfd: pytest.CaptureFixture[str]) -> None:
    def route(request: Request) -> Response:
        return Response(200, {"ok": True}, delay=0.3 if request.path == "/slow" else 1.0)

    with LoopbackServer(route) as server:
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(f"{server.url}/slow", timeout=httpx.Timeout(2.0, read=0.05))
        # The first answer is written after its client has gone, while this one is still being answered.
        answered = httpx.get(f"{server.url}/next", timeout=5)
    assert answered.status_code == 200
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err
    assert "BrokenPipeError" not in captured.err


def test_an_error_in_the_route_still_shows_its_traceback(capfd: pytest.CaptureFixture[str]) -> None:
    def broken(_request: Request) -> Response:
        raise RuntimeError("the route has a bug")

    with LoopbackServer(broken) as server, pytest.raises(httpx.TransportError):
        httpx.get(f"{server.url}/bug", timeout=5)
    assert "RuntimeError: the route has a bug" in capfd.readouterr().err
