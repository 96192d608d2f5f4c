"""A loopback HTTP server that hands each request to a Python callable: the console's Slack, and test fakes."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    query: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def params(self) -> dict[str, Any]:
        """Form, JSON or query parameters, whichever the client sent."""
        content_type = self.headers.get("content-type", "")
        params: dict[str, Any] = dict(self.query)
        if "json" in content_type and self.body:
            params.update(self.json())
        elif self.body:
            params.update(parse_qsl(self.body.decode()))
        return params


@dataclass
class Response:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False
    """Close the connection without answering."""


Route = Callable[[Request], Response]


class _Server(ThreadingHTTPServer):
    # socketserver's backlog of 5 drops connections in a burst, each costing a 1 s SYN retransmit.
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up waiting (its read timed out) closed the socket before the answer was written.
        # That is the client's business, not a fault here: no traceback on the console or in a test's output.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 with a random port; `route` answers every request."""

    def __init__(self, route: Route) -> None:
        self._route = route
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out as two writes; with Nagle the body waits ~40 ms for the client's ACK.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = Request(
                    method=self.command,
                    path=parts.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                    query=dict(parse_qsl(parts.query)),
                )
                response = outer._route(request)
                if response.delay:
                    outer._stopping.wait(response.delay)
                if response.drop:
                    self.close_connection = True
                    self.connection.close()
                    return
                if isinstance(response.body, bytes):
                    payload, content_type = response.body, "application/octet-stream"
                elif isinstance(response.body, str):
                    payload, content_type = response.body.encode(), "text/plain; charset=utf-8"
                else:
                    payload, content_type = json.dumps(response.body).encode(), "application/json"
                self.send_response(response.status)
                self.send_header("Content-Type", response.headers.get("Content-Type", content_type))
                for key, value in response.headers.items():
                    if key != "Content-Type":
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = _handle  # noqa: N815

        self._stopping = threading.Event()
        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        # A short poll interval so stop() returns in ~50 ms instead of serve_forever's default 500 ms.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
