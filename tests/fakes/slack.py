"""A loopback fake of Slack's Web API and of response_url, recording what the bot sent."""

from __future__ import annotations

import itertools
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.fakes.http import LoopbackServer, Request, Response

BOT_TOKEN = "xoxb-test-bot-token-000000"
TEAM_ID = "T0TEAM0001"


@dataclass
class Call:
    """One request the bot made: a Web API method or a response_url post."""

    kind: str
    """The Web API method name (`chat.postMessage`), or `response_url`."""

    params: dict[str, Any]
    path: str
    at: float


class FakeSlack:
    """Serves `/api/<method>` and `/response/<id>`; queue failures with `fail()`, read `calls`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self.calls: list[Call] = []
        self._failures: dict[str, deque[Response]] = defaultdict(deque)
        self._slow: dict[str, deque[float]] = defaultdict(deque)
        self.usergroups: dict[str, list[str]] = {}
        self.auth = {"ok": True, "team_id": TEAM_ID, "user_id": "UBOT000001", "bot_id": "BBOT000001"}
        self.scopes: list[str] | None = None
        """When set, auth.test answers with them in an `x-oauth-scopes` header, as Slack does."""
        self.socket_url = "wss://wss-primary.slack.test/link/?ticket=fake"
        """What apps.connections.open answers with; point it at a FakeSocketMode's `url` to serve Socket Mode."""
        self._ts = itertools.count(1)
        self._server = LoopbackServer(self._route)

    # --- lifecycle -------------------------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        return f"{self._server.url}/api/"

    def response_url(self, name: str = "cmd") -> str:
        return f"{self._server.url}/response/{name}"

    def start(self) -> FakeSlack:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    # --- scripting ------------------------------------------------------------------------------------------

    def fail(self, kind: str, error: str = "not_in_channel", *, times: int = 1, status: int = 200) -> None:
        """The next `times` calls of `kind` fail: a Slack API error (`ok: false`), or an HTTP status."""
        body: Any = {"ok": False, "error": error} if kind != "response_url" else error
        for _ in range(times):
            self._failures[kind].append(Response(status=status, body=body))

    def slow(self, kind: str, *, seconds: float, times: int = 1) -> None:
        """The next `times` calls of `kind` succeed, but only after `seconds`."""
        for _ in range(times):
            self._slow[kind].append(seconds)

    def rate_limit(self, kind: str, *, retry_after: int = 1, times: int = 1) -> None:
        for _ in range(times):
            self._failures[kind].append(
                Response(
                    status=429, body={"ok": False, "error": "ratelimited"}, headers={"Retry-After": str(retry_after)}
                )
            )

    # --- reading --------------------------------------------------------------------------------------------

    def of(self, kind: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.kind == kind]

    def wait_for(self, predicate: Callable[[list[Call]], bool], timeout: float = 5.0) -> list[Call]:
        """Block until `predicate(calls)` holds; return the calls, or raise AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(self.calls):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out waiting; calls so far: {[c.kind for c in self.calls]}")
                self._changed.wait(remaining)
            return list(self.calls)

    def wait_for_count(self, kind: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        self.wait_for(lambda calls: sum(c.kind == kind for c in calls) >= count, timeout)
        return self.of(kind)

    # --- serving --------------------------------------------------------------------------------------------

    def _route(self, request: Request) -> Response:
        if request.path.startswith("/response/"):
            kind = "response_url"
            params = request.json() or {}
        elif request.path.startswith("/api/"):
            kind = request.path.removeprefix("/api/")
            params = request.params()
        else:
            return Response(404, {"ok": False, "error": "unknown_path"})
        with self._changed:
            self.calls.append(Call(kind=kind, params=params, path=request.path, at=time.monotonic()))
            failure = self._failures[kind].popleft() if self._failures[kind] else None
            delay = self._slow[kind].popleft() if self._slow[kind] else 0.0
            self._changed.notify_all()
        if failure is not None:
            return failure
        if kind == "response_url":
            return Response(200, "ok", delay=delay)
        if kind == "auth.test" and self.scopes is not None:
            return Response(200, self._answer(kind, params), headers={"x-oauth-scopes": ",".join(self.scopes)})
        return Response(200, self._answer(kind, params), delay=delay)

    def _answer(self, kind: str, params: dict[str, Any]) -> dict[str, Any]:
        if kind == "auth.test":
            return dict(self.auth)
        if kind == "chat.postMessage":
            channel = str(params.get("channel"))
            if channel.startswith("U"):
                channel = "D" + channel[1:]
            return {"ok": True, "channel": channel, "ts": f"{1700000000 + next(self._ts)}.000100"}
        if kind == "chat.update":
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
        if kind == "usergroups.users.list":
            group = str(params.get("usergroup"))
            if group not in self.usergroups:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": self.usergroups[group]}
        if kind == "usergroups.list":
            groups = [
                {"id": group, "handle": group.lower(), "name": f"Group {group}", "user_count": len(users)}
                for group, users in self.usergroups.items()
            ]
            return {"ok": True, "usergroups": groups}
        if kind == "apps.connections.open":
            return {"ok": True, "url": self.socket_url}
        return {"ok": True}
