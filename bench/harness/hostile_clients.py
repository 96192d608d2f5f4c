"""Clients that misbehave over raw sockets: stalled requests, endless uploads, HTTP broken one way at a time."""

from __future__ import annotations

import selectors
import socket
import threading
import time

from bench.harness.process import HOST
from bench.harness.stats import MB

TRICKLE_EVERY_S = 1.0
HALF_HEADERS = b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Type: application/x-www-form-urlencoded\r\n"
HALF_BODY = HALF_HEADERS + b"Content-Length: 4000\r\n\r\ncommand=%2Frecreate-job&text="
BIG = 64 * MB

# (name, raw bytes): each breaks HTTP, or Slack's rules, in one way.
MALFORMED: list[tuple[str, bytes]] = [
    ("not HTTP at all", b"HELLO THERE\r\n\r\n"),
    ("request line without a path", b"GET\r\n\r\n"),
    ("unknown HTTP version", b"GET / HTTP/9.9\r\nHost: bot\r\n\r\n"),
    ("header without a colon", b"POST /slack/events HTTP/1.1\r\nHost bot\r\n\r\n"),
    ("negative Content-Length", b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Length: -5\r\n\r\n"),
    ("Content-Length not a number", b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Length: lots\r\n\r\n"),
    (
        "two different Content-Lengths",
        b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Length: 3\r\nContent-Length: 9\r\n\r\nabc",
    ),
    (
        "Content-Length and chunked together",
        b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    ),
    ("bad chunk size", b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n"),
    ("unknown transfer coding", b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nTransfer-Encoding: gzip\r\n\r\n"),
    ("64 KiB of headers", b"GET / HTTP/1.1\r\nHost: bot\r\nX-Pad: " + b"a" * 65536 + b"\r\n\r\n"),
    ("NUL in a header", b"GET / HTTP/1.1\r\nHost: b\x00ot\r\n\r\n"),
    ("a TLS ClientHello", bytes.fromhex("16030100a5010000a10303") + b"\x00" * 64),
    ("HTTP/2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
    ("40 KiB path", b"GET /" + b"a" * 40960 + b" HTTP/1.1\r\nHost: bot\r\n\r\n"),
    ("unsigned Slack command", HALF_HEADERS + b"Content-Length: 9\r\n\r\ncommand=x"),
]


# Well-formed but unsupported: RFC 9112 says 501 for a transfer coding the server does not know.
NOT_MALFORMED = {"unknown transfer coding": 501}


class Stalls:
    """Connections that send part of a request and stop; replaced as the bot closes them, more added each second."""

    def __init__(self, port: int, target: int, arrivals: float) -> None:
        self.port = port
        self.target = target
        self.arrivals = arrivals
        self.selector = selectors.DefaultSelector()
        self.opened_at: dict[socket.socket, float] = {}
        self.trickling: set[socket.socket] = set()
        self.extra: set[socket.socket] = set()
        """The ones opened on top of `target`: not replaced when the bot closes them."""
        self.lifetimes: list[float] = []
        self.opened = self.open_max = self.connect_errors = self.old_at_end = self.extra_opened = 0

    def open_one(self, replace: bool) -> None:
        try:
            sock = socket.create_connection((HOST, self.port), timeout=2.0)
            # A third stop after half the headers, a third after half the body, a third trickle a byte a second.
            kind = self.opened % 3
            sock.sendall(HALF_BODY if kind == 1 else HALF_HEADERS)
        except OSError:
            self.connect_errors += 1
            return
        sock.setblocking(False)
        self.selector.register(sock, selectors.EVENT_READ)
        self.opened_at[sock] = time.monotonic()
        if kind == 2:
            self.trickling.add(sock)
        self.opened += 1
        if not replace:
            self.extra.add(sock)
            self.extra_opened += 1
        self.open_max = max(self.open_max, len(self.opened_at))

    def hold(self, stop: threading.Event) -> None:
        started = last_trickle = time.monotonic()
        while not stop.is_set():
            now = time.monotonic()
            while len(self.opened_at) - len(self.extra) < self.target and not stop.is_set():
                self.open_one(replace=True)
            while self.extra_opened < self.arrivals * (now - started) and not stop.is_set():
                self.open_one(replace=False)
            for key, _ in self.selector.select(timeout=0.05):
                self._closed_by_bot(key.fileobj)  # type: ignore[arg-type]
            if now - last_trickle >= TRICKLE_EVERY_S:
                last_trickle = now
                for sock in list(self.trickling):
                    try:
                        sock.send(b"X")
                    except OSError:
                        self._closed_by_bot(sock)

    def _closed_by_bot(self, sock: socket.socket) -> None:
        try:
            if sock.recv(4096):
                return  # an answer (a 408, say) before the close: wait for the close itself
        except BlockingIOError:
            return
        except OSError:
            pass
        self.lifetimes.append(time.monotonic() - self.opened_at.pop(sock))
        self.trickling.discard(sock)
        self.extra.discard(sock)
        self.selector.unregister(sock)
        sock.close()

    def close_all(self) -> None:
        now = time.monotonic()
        self.old_at_end = sum(1 for at in self.opened_at.values() if now - at > 10.0)
        for sock in list(self.opened_at):
            self.selector.unregister(sock)
            sock.close()
        self.opened_at.clear()
        self.selector.close()


def upload_big(port: int, *, chunked: bool) -> tuple[int, float | None, int]:
    """Start a 64 MiB upload and push its body until the bot answers or hangs up: (status, ms to answer, bytes)."""
    head = b"Transfer-Encoding: chunked\r\n" if chunked else f"Content-Length: {BIG}\r\n".encode()
    chunk = b"a" * 65536
    piece = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" if chunked else chunk
    sent = 0
    began = time.monotonic()
    with socket.create_connection((HOST, port), timeout=10.0) as sock:
        sock.sendall(HALF_HEADERS + head + b"\r\n")
        sock.setblocking(False)
        answer = b""
        while sent < BIG + len(piece) and time.monotonic() - began < 20.0:
            try:
                answer += sock.recv(4096)
                if answer:
                    break
            except BlockingIOError:
                pass
            except OSError:
                break
            try:
                sent += sock.send(piece)
            except BlockingIOError:
                time.sleep(0.001)
            except OSError:
                break
    elapsed = (time.monotonic() - began) * 1000
    return status_of(answer), (elapsed if answer else None), sent


def raw_exchange(port: int, raw: bytes) -> tuple[int, float | None]:
    """Send `raw` and read the answer's first bytes within 3 s: (status, ms); status 0 when nothing came back."""
    began = time.monotonic()
    with socket.create_connection((HOST, port), timeout=3.0) as sock:
        try:
            sock.sendall(raw)
            answer = sock.recv(65536)
        except OSError:
            answer = b""
    return status_of(answer), ((time.monotonic() - began) * 1000 if answer else None)


def status_of(answer: bytes) -> int:
    parts = answer.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[0].startswith(b"HTTP/") and parts[1].isdigit() else 0
