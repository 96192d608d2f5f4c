"""A loopback TCP proxy in front of a real server that a test can cut and restore: a database outage made to
happen to the bot's real connections, without touching the server others share."""

from __future__ import annotations

import contextlib
import socket
import threading


class TcpProxy:
    """Listens on 127.0.0.1:<port> and forwards to `upstream`. `cut()` drops every open connection and turns new
    ones away (closed at once, as by a server that went down); `restore()` lets them through again."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._cut = False
        self._stopped = False
        self.accepted = 0
        """Connections let through to the upstream so far."""
        self._thread = threading.Thread(target=self._accept, name="tcp-proxy", daemon=True)

    def start(self) -> TcpProxy:
        self._thread.start()
        return self

    def cut(self) -> None:
        with self._lock:
            self._cut = True
            doomed, self._open = self._open, set()
        for sock in doomed:
            _close(sock)

    def restore(self) -> None:
        with self._lock:
            self._cut = False

    def stop(self) -> None:
        self._stopped = True
        self.cut()
        _close(self._listener)
        self._thread.join(5)

    def _accept(self) -> None:
        while not self._stopped:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                cut = self._cut
            if cut:
                _close(client)
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=3)
            except OSError:
                _close(client)
                continue
            server.settimeout(None)
            with self._lock:
                self.accepted += 1
                self._open.update((client, server))
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            _close(source)
            _close(sink)
            with self._lock:
                self._open.discard(source)
                self._open.discard(sink)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
