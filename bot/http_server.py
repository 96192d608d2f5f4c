"""Waitress set up for a public endpoint: slow or stalled clients are cut off, oversized requests refused unread."""

from __future__ import annotations

import logging
import re
import resource
import time
from typing import TYPE_CHECKING, Any

from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import TcpWSGIServer
from waitress.task import WSGITask
from waitress.utilities import BadRequest

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

# Slack's largest payloads (an interactive payload carrying a 50-block message, URL-encoded) are some hundreds
# of KB; a slash command is a few KB. Anything at or above 1 MiB is refused with 413 from its Content-Length,
# before the body is read.
MAX_BODY_BYTES = 1024 * 1024
# Slack sends about 1 KB of headers; a proxy in front adds a few more. Above this: 431, nothing more is read.
MAX_HEADER_BYTES = 32 * 1024
# Slack sends each request whole and at once, so a request that is not complete within this many seconds of
# its first byte comes from someone else; its connection is closed, whether it stalled or trickles.
REQUEST_DEADLINE_SECONDS = 5.0
# An open connection with no request in it and no bytes moving is closed after this. Keep-alive clients
# reconnect; 5 s is also what Node's HTTP server (and so Bolt for JavaScript) uses.
IDLE_SECONDS = 5
# Open connections at once. Each costs one file descriptor and a few KB; stalled ones live at most
# REQUEST_DEADLINE_SECONDS, so an attacker must open this many every few seconds to reach it.
CONNECTION_LIMIT = 4000
# File descriptors the process needs besides the connections: the store, clients to Slack and Baseten, logs.
FD_RESERVE = 256
# Threads that answer requests. Python runs one at a time, and nothing on the way to an ack waits on the network
# unless a user-group list must be read (2 s at most), so more threads only take turns; 8 measured best.
THREADS = 8
# About what one turn of the loop costs per open connection; see Server.run.
TURN_PAUSE_PER_CONNECTION = 2e-6
MIN_TURN_PAUSE = 0.0002
MAX_TURN_PAUSE = 0.01
# Control bytes other than tab, CR and LF never appear in a request line or header.
_NOT_HTTP = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Set on each request's WSGI environment: time.monotonic() when its first byte arrived.
RECEIVED_AT = "recreate_job.received_at"


class _Parser(HTTPRequestParser):
    """Notes when a request's first byte arrived (waitress makes a parser then), and answers 400 at once to a
    head with bytes no HTTP request has (TLS sent to this plain port, binary junk) instead of waiting for more."""

    def __init__(self, adj: Adjustments) -> None:
        super().__init__(adj)
        self.started = time.monotonic()

    def received(self, data: bytes) -> int:
        if not self.headers_finished and not self.completed:
            head = (self.header_plus + data).split(b"\r\n\r\n", 1)[0]
            if _NOT_HTTP.search(head):
                self.parse_header(b"GET / HTTP/1.0\r\n")  # what waitress's own error answers need
                self.error = BadRequest("not an HTTP request")
                self.completed = True
                return len(data)
        return int(super().received(data))


class _Task(WSGITask):
    def get_environment(self) -> WSGIEnvironment:
        environ = super().get_environment()
        environ[RECEIVED_AT] = getattr(self.request, "started", time.monotonic())
        return environ


class _Channel(HTTPChannel):
    parser_class = _Parser
    task_class = _Task


class Server(TcpWSGIServer):
    """waitress's TCP server; its periodic clean-up also closes connections whose request is overdue."""

    channel_class = _Channel

    def __init__(self, app: WSGIApplication, adj: Adjustments) -> None:
        self.connections: dict[int, Any] = {}
        """The listening socket, waitress's wake-up pipe and one entry per open connection (waitress's map)."""
        super().__init__(app, map=self.connections, adj=adj)

    @property
    def port(self) -> int:
        return int(self.getsockname()[1])

    def run(self) -> None:
        """waitress's loop, with a pause after each turn that grows with the number of open connections.

        Each turn asks every connection whether it wants to read or write, and every finished request wakes the
        loop for another turn: with hundreds open, those turns alone took a core and starved the threads that
        answer. The pause lets wake-ups pile up, so one turn serves many; with few connections there is none."""
        try:
            while self.connections:
                wasyncore.poll2(self.adj.asyncore_loop_timeout, self.connections)
                pause = len(self.connections) * TURN_PAUSE_PER_CONNECTION
                if pause >= MIN_TURN_PAUSE:
                    time.sleep(min(pause, MAX_TURN_PAUSE))
        except (SystemExit, KeyboardInterrupt):
            self.task_dispatcher.shutdown()

    def maintenance(self, now: float) -> None:
        super().maintenance(now)  # type: ignore[arg-type]  # the idle ones; the stub says int, waitress passes a float
        overdue = time.monotonic() - REQUEST_DEADLINE_SECONDS
        for channel in list(self.active_channels.values()):  # type: ignore[attr-defined]
            started = getattr(channel.request, "started", None)
            if started is not None and started < overdue and not channel.requests:
                channel.will_close = True  # closed on the server's own thread, on its next turn


def raise_fd_limit(wanted: int) -> int:
    """Raise the soft open-files limit towards `wanted` (never past the hard limit); returns the soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError) as error:
            log.warning("could not raise the open-files limit from %d to %d: %s", soft, target, error)
            return soft
        return target
    return soft if soft != resource.RLIM_INFINITY else wanted


def connection_limit(wanted: int = CONNECTION_LIMIT) -> int:
    """The connection limit the open-files limit allows, after raising that limit as far as needed."""
    files = raise_fd_limit(wanted + FD_RESERVE)
    limit = min(wanted, files - FD_RESERVE)
    if limit < wanted:
        log.warning("open-files limit is %d: HTTP mode will hold at most %d connections at once", files, limit)
    return max(limit, 16)


def create(app: WSGIApplication, *, host: str, port: int, **overrides: Any) -> Server:
    """A waitress server for `app` on host:port with the limits above; `overrides` are waitress adjustments."""
    settings: dict[str, Any] = {
        "host": host,
        "port": port,
        "threads": THREADS,
        "ident": "recreate-job",
        "connection_limit": connection_limit(),
        "channel_timeout": IDLE_SECONDS,
        "cleanup_interval": 1,
        "max_request_body_size": MAX_BODY_BYTES,
        "max_request_header_size": MAX_HEADER_BYTES,
        # select() cannot watch file descriptors numbered 1024 or more; poll() can.
        "asyncore_use_poll": True,
        # Bolt logs its own errors; waitress's log of a client hanging up mid-request is noise under attack.
        "log_socket_errors": False,
    }
    settings.update(overrides)
    adj = Adjustments(**settings)
    if len(adj.listen) != 1:
        raise ValueError(f"{host}:{port} resolves to {len(adj.listen)} addresses; give one")
    return Server(app, adj=adj)
