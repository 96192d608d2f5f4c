"""The Slack Web API client: slack_sdk's WebClient, but its HTTPS connections are kept open and reused.

slack_sdk's sync client opens a new connection, with a new TLS handshake, for every call. A card, its follow-up
edits and replies are several calls in a row, so each paid a handshake to slack.com. Here idle connections wait in
a small pool and the next call takes one. Everything else (retry handlers, errors, rate limits, proxies) is the
SDK's own: only the step that moves bytes is replaced, and with a proxy configured the SDK's path is kept.
"""

from __future__ import annotations

import http.client
import io
import select
import ssl
import threading
import time
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request

from slack_sdk import WebClient
from slack_sdk.web import SlackResponse

# Load balancers commonly drop idle connections after 60 s; one idle for longer is closed, not reused.
IDLE_LIMIT_SECONDS = 30.0
MAX_IDLE_CONNECTIONS = 8
# Errors of sending on a reused connection that the server closed while it sat idle.
_STALE = (BrokenPipeError, ConnectionResetError)

_Key = tuple[str, str, int]
_Idle = tuple[http.client.HTTPConnection, float]


class SlackWebClient(WebClient):
    """A WebClient whose connections are reused; `remember_auth` lets Bolt reuse the start-up auth.test."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._idle: dict[_Key, list[_Idle]] = {}
        self._pool_lock = threading.Lock()
        self._tls: ssl.SSLContext | None = self.ssl
        self._auth: SlackResponse | None = None

    def remember_auth(self, response: SlackResponse) -> None:
        """The token was checked once at start-up; later auth.test calls for it get that answer."""
        self._auth = response

    def auth_test(self, **kwargs: Any) -> SlackResponse:
        if self._auth is not None and set(kwargs) <= {"token"} and kwargs.get("token") in (None, self.token):
            return self._auth
        return super().auth_test(**kwargs)

    def close_connections(self) -> None:
        with self._pool_lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection, _ in connections:
                connection.close()

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        parts = urlsplit(url)
        if self.proxy is not None or parts.scheme not in ("http", "https"):
            return dict(super()._perform_urllib_http_request_internal(url, req))
        key: _Key = (parts.scheme, parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {name: str(value) for name, value in req.header_items()}
        connection, reused = self._take(key)
        try:
            response, body = _exchange(connection, req.get_method(), target, req.data, headers)
        except Exception as error:
            connection.close()
            if not (reused and _stale(error)):
                raise
            # The server had closed this idle connection: the request never reached it. Once more, on a new one.
            connection = self._connect(key)
            try:
                response, body = _exchange(connection, req.get_method(), target, req.data, headers)
            except BaseException:
                connection.close()
                raise
        self._give_back(key, connection, response)
        if not 200 <= response.status < 300:
            # As urllib does, so the SDK's retry handlers and error reports see what they always saw.
            raise HTTPError(url, response.status, response.reason, response.msg, io.BytesIO(body))
        if response.msg.get_content_type() == "application/gzip":
            return {"status": response.status, "headers": response.msg, "body": body}
        charset = response.msg.get_content_charset() or "utf-8"
        return {"status": response.status, "headers": response.msg, "body": body.decode(charset)}

    def _take(self, key: _Key) -> tuple[http.client.HTTPConnection, bool]:
        now = time.monotonic()
        while True:
            with self._pool_lock:
                idle = self._idle.get(key)
                if not idle:
                    return self._connect(key), False
                connection, since = idle.pop()
            if now - since < IDLE_LIMIT_SECONDS and not _dropped(connection):
                return connection, True
            connection.close()

    def _give_back(self, key: _Key, connection: http.client.HTTPConnection, response: Any) -> None:
        if response.will_close:
            connection.close()
            return
        with self._pool_lock:
            idle = self._idle.setdefault(key, [])
            if len(idle) < MAX_IDLE_CONNECTIONS:
                idle.append((connection, time.monotonic()))
                return
        connection.close()

    def _connect(self, key: _Key) -> http.client.HTTPConnection:
        scheme, host, port = key
        if scheme == "http":
            return http.client.HTTPConnection(host, port, timeout=self.timeout)
        if self._tls is None:
            # Built once: loading the trust store again for every connection costs more than the handshake.
            self._tls = ssl.create_default_context()
        return http.client.HTTPSConnection(host, port, timeout=self.timeout, context=self._tls)


def _exchange(
    connection: http.client.HTTPConnection, method: str, target: str, data: Any, headers: dict[str, str]
) -> tuple[http.client.HTTPResponse, bytes]:
    try:
        connection.request(method, target, body=data, headers=headers)
    except OSError as error:
        # urllib reports a failure to connect or send as URLError; the SDK's connection retries expect that.
        raise URLError(error) from error
    response = connection.getresponse()
    return response, response.read()


def _stale(error: Exception) -> bool:
    """Sending on it failed: the server had closed it, so the request cannot have reached it. A failure after the
    request was sent is left to the SDK's retry handlers, as it always was."""
    return isinstance(error, URLError) and isinstance(error.reason, _STALE)


def _dropped(connection: http.client.HTTPConnection) -> bool:
    """True when the server closed an idle connection (it reads as ready: at end of file), as urllib3 checks."""
    sock = connection.sock
    if sock is None:
        return True
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))
