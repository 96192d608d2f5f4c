"""A loopback fake of Slack's Socket Mode: a stdlib-only WebSocket server (RFC 6455) that says hello, sends
envelopes and records the acks the bot sends back.

Only what a Socket Mode client uses: the upgrade handshake, unmasked text frames out, masked frames in
(continuations reassembled), ping/pong and close. One server, any number of connections; envelopes go to the
newest one, as Slack sends each envelope down one of the app's connections.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_TEXT, _CONTINUATION, _CLOSE, _PING, _PONG = 0x1, 0x0, 0x8, 0x9, 0xA
_CLOSE_GOING_AWAY, _CLOSE_PROTOCOL_ERROR = 1001, 1002
_MAX_FRAME = 1 << 20


@dataclass(frozen=True)
class Ack:
    """One frame the client sent back for an envelope: `{"envelope_id", "payload"?}`."""

    envelope_id: str
    payload: dict[str, Any] | None
    at: float
    """time.monotonic() when the frame was read."""


def accept_key(key: str) -> str:
    """The Sec-WebSocket-Accept answer to a Sec-WebSocket-Key (RFC 6455 section 4.2.2)."""
    return base64.b64encode(hashlib.sha1(key.encode() + _GUID).digest()).decode()  # noqa: S324 - the RFC's hash


def encode_frame(opcode: int, payload: bytes) -> bytes:
    """A final, unmasked server frame."""
    size = len(payload)
    if size < 126:
        head = struct.pack("!BB", 0x80 | opcode, size)
    elif size < 1 << 16:
        head = struct.pack("!BBH", 0x80 | opcode, 126, size)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 127, size)
    return head + payload


def _unmask(data: bytes, key: bytes) -> bytes:
    if not data:
        return data
    stream = (key * (len(data) // 4 + 1))[: len(data)]
    return (int.from_bytes(data, "big") ^ int.from_bytes(stream, "big")).to_bytes(len(data), "big")


class _ProtocolError(Exception):
    pass


def _read_exact(reader: BinaryIO, size: int) -> bytes:
    data = reader.read(size)
    if len(data) != size:
        raise EOFError
    return data


def read_client_frame(reader: BinaryIO) -> tuple[bool, int, bytes]:
    """(fin, opcode, unmasked payload) of the next frame; clients must mask every frame."""
    first, second = _read_exact(reader, 2)
    size = second & 0x7F
    if size == 126:
        (size,) = struct.unpack("!H", _read_exact(reader, 2))
    elif size == 127:
        (size,) = struct.unpack("!Q", _read_exact(reader, 8))
    if not second & 0x80:
        raise _ProtocolError("client frame not masked")
    if size > _MAX_FRAME:
        raise _ProtocolError(f"frame of {size} bytes")
    key = _read_exact(reader, 4)
    return bool(first & 0x80), first & 0x0F, _unmask(_read_exact(reader, size), key)


class _Connection:
    def __init__(self, sock: socket.socket, server: FakeSocketMode) -> None:
        self.sock = sock
        self._server = server
        self._reader = sock.makefile("rb")
        self._send_lock = threading.Lock()
        self.open = False
        self.thread = threading.Thread(target=self._serve, name="fake-socket-mode-conn", daemon=True)

    def send(self, data: bytes) -> None:
        with self._send_lock:
            self.sock.sendall(data)

    def close(self, code: int = _CLOSE_GOING_AWAY) -> None:
        """Send a close frame (best effort) and end the connection; its reader thread then returns."""
        if self.open:
            self.open = False
            with contextlib.suppress(OSError):
                self.send(encode_frame(_CLOSE, struct.pack("!H", code)))
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    def _handshake(self) -> bool:
        request_line = self._reader.readline(8192)
        headers: dict[str, str] = {}
        while True:
            line = self._reader.readline(8192)
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        key = headers.get("sec-websocket-key")
        if not request_line.startswith(b"GET ") or headers.get("upgrade", "").lower() != "websocket" or not key:
            self.send(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return False
        self.send(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept_key(key).encode() + b"\r\n\r\n"
        )
        return True

    def _serve(self) -> None:
        try:
            if not self._handshake():
                return
            self._server._greet(self)
            self._frames()
        except (EOFError, OSError, ValueError):
            pass  # the client went away, or stop() shut the socket
        except _ProtocolError:
            self.close(_CLOSE_PROTOCOL_ERROR)
        finally:
            self.open = False
            self._reader.close()
            self.sock.close()

    def _frames(self) -> None:
        message = b""
        while True:
            fin, opcode, payload = read_client_frame(self._reader)
            if opcode == _PING:
                self.send(encode_frame(_PONG, payload))
            elif opcode == _PONG:
                self._server._ponged()
            elif opcode == _CLOSE:
                if self.open:
                    self.open = False
                    self.send(encode_frame(_CLOSE, payload[:2]))
                return
            elif opcode in (_TEXT, _CONTINUATION):
                message += payload
                if fin:
                    self._server._received(message.decode())
                    message = b""
            else:
                raise _ProtocolError(f"unexpected opcode {opcode:#x}")


class FakeSocketMode:
    """Serves ws://127.0.0.1:<port>/link/; `send_slash_command()` sends an envelope, `wait_for_acks()` waits."""

    def __init__(self, app_id: str = "A0APP00001", *, ping_interval: float | None = None) -> None:
        """`ping_interval`: ping every open connection this often, as Slack does; None sends no pings."""
        self.app_id = app_id
        self.ping_interval = ping_interval
        self.pongs = 0
        self._changed = threading.Condition()
        self.acks: list[Ack] = []
        self.sent: dict[str, float] = {}
        """envelope_id -> time.monotonic() just before its frame was written."""
        self.other_messages: list[str] = []
        """Text frames from the client that were not acks."""
        self.connections_made = 0
        self._connections: list[_Connection] = []
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=16)
        self._port = int(self._listener.getsockname()[1])
        self._stopped = threading.Event()
        self._acceptor = threading.Thread(target=self._accept, name="fake-socket-mode", daemon=True)
        self._pinger = threading.Thread(target=self._ping, name="fake-socket-mode-ping", daemon=True)

    @property
    def url(self) -> str:
        """What apps.connections.open answers with (FakeSlack.socket_url)."""
        return f"ws://127.0.0.1:{self._port}/link/?ticket=fake-ticket&app_id={self.app_id}"

    def start(self) -> FakeSocketMode:
        self._acceptor.start()
        if self.ping_interval is not None:
            self._pinger.start()
        return self

    def stop(self) -> None:
        """Close every connection (with a close frame) and stop listening."""
        self._stopped.set()
        if self._pinger.is_alive():
            self._pinger.join(2)
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", self._port), timeout=1).close()  # wakes accept()
        self._acceptor.join(2)
        self._listener.close()
        with self._changed:
            connections = list(self._connections)
        for connection in connections:
            connection.close()
        for connection in connections:
            connection.thread.join(2)

    # --- Slack's side -----------------------------------------------------------------------------------------

    def send(self, message: Mapping[str, Any]) -> None:
        """Any JSON message (e.g. `{"type": "disconnect", "reason": "refresh_requested"}`) to the newest connection."""
        self._newest().send(encode_frame(_TEXT, json.dumps(message).encode()))

    def send_slash_command(self, fields: Mapping[str, str]) -> str:
        """A `slash_commands` envelope carrying the command's form fields; returns its envelope_id."""
        return self.send_slash_commands([fields])[0]

    def send_envelope(self, kind: str, payload: Mapping[str, Any]) -> str:
        """An `events_api` or `interactive` envelope carrying `payload`; returns its envelope_id."""
        envelope_id = str(uuid.uuid4())
        with self._changed:
            self.sent[envelope_id] = time.monotonic()
        message = {
            "envelope_id": envelope_id,
            "type": kind,
            "accepts_response_payload": False,
            "payload": dict(payload),
        }
        self._newest().send(encode_frame(_TEXT, json.dumps(message).encode()))
        return envelope_id

    def send_slash_commands(self, many: Sequence[Mapping[str, str]]) -> list[str]:
        """Several envelopes in one write, so they arrive together; returns their envelope_ids in order."""
        ids = [str(uuid.uuid4()) for _ in many]
        frames = b"".join(
            encode_frame(
                _TEXT,
                json.dumps(
                    {
                        "envelope_id": envelope_id,
                        "type": "slash_commands",
                        "accepts_response_payload": True,
                        "payload": dict(fields),
                    }
                ).encode(),
            )
            for envelope_id, fields in zip(ids, many, strict=True)
        )
        connection = self._newest()
        now = time.monotonic()
        with self._changed:
            self.sent.update(dict.fromkeys(ids, now))
        connection.send(frames)
        return ids

    # --- reading ----------------------------------------------------------------------------------------------

    def wait_until(self, done: Callable[[], bool], timeout: float = 5.0, what: str = "the condition") -> None:
        """Until `done()` (checked under the lock, whenever a connection, ack or pong arrives), or AssertionError."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not done():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out waiting for {what}; {len(self.acks)} ack(s) so far")
                self._changed.wait(remaining)

    def wait_connected(self, count: int = 1, timeout: float = 5.0) -> None:
        """Until `count` connections have been greeted with hello, or AssertionError."""
        self.wait_until(lambda: self.connections_made >= count, timeout, f"{count} connection(s)")

    def wait_for_acks(self, count: int, timeout: float = 5.0) -> list[Ack]:
        """Until `count` acks have arrived (returns them all, oldest first), or AssertionError."""
        self.wait_until(lambda: len(self.acks) >= count, timeout, f"{count} ack(s)")
        with self._changed:
            return list(self.acks)

    def ack_for(self, envelope_id: str) -> Ack | None:
        with self._changed:
            return next((ack for ack in self.acks if ack.envelope_id == envelope_id), None)

    @property
    def open_connections(self) -> int:
        with self._changed:
            return sum(connection.open for connection in self._connections)

    # --- internals --------------------------------------------------------------------------------------------

    def _newest(self) -> _Connection:
        with self._changed:
            for connection in reversed(self._connections):
                if connection.open:
                    return connection
        raise AssertionError("no open Socket Mode connection")

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            if self._stopped.is_set():
                sock.close()
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection = _Connection(sock, self)
            with self._changed:
                self._connections.append(connection)
            connection.thread.start()

    def _ping(self) -> None:
        assert self.ping_interval is not None
        while not self._stopped.wait(self.ping_interval):
            with self._changed:
                connections = [connection for connection in self._connections if connection.open]
            for connection in connections:
                with contextlib.suppress(OSError):
                    connection.send(encode_frame(_PING, str(time.time()).encode()))

    def _ponged(self) -> None:
        with self._changed:
            self.pongs += 1
            self._changed.notify_all()

    def _greet(self, connection: _Connection) -> None:
        """Hello, as Slack sends it first on every connection; envelopes go to a connection only after it."""
        hello = {
            "type": "hello",
            "num_connections": self.open_connections + 1,
            "debug_info": {"host": "applink-fake", "build_number": 1, "approximate_connection_time": 18060},
            "connection_info": {"app_id": self.app_id},
        }
        connection.send(encode_frame(_TEXT, json.dumps(hello).encode()))
        with self._changed:
            connection.open = True
            self.connections_made += 1
            self._changed.notify_all()

    def _received(self, text: str) -> None:
        at = time.monotonic()
        try:
            message = json.loads(text)
        except ValueError:
            message = None
        with self._changed:
            if isinstance(message, dict) and isinstance(message.get("envelope_id"), str):
                payload = message.get("payload")
                self.acks.append(Ack(message["envelope_id"], payload if isinstance(payload, dict) else None, at))
            else:
                self.other_messages.append(text)
            self._changed.notify_all()
