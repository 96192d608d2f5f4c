"""Slack's Web API and response_url on a loopback server: the core the console's stand-in and the tests' fake share.

It numbers the messages it is sent, answers each method as Slack does and records every call; the console adds
printing, the tests' fake adds failures and delays."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.console.loopback import LoopbackServer, Request, Response


@dataclass
class Call:
    """One request the bot made: a Web API method or a response_url post."""

    kind: str
    """The Web API method name (`chat.postMessage`), or `response_url`."""

    params: dict[str, Any]
    path: str
    at: float


class LoopbackSlack:
    """Serves `/api/<method>` and `/response/<id>` on 127.0.0.1; read `calls`, or wait for them."""

    def __init__(self, *, team_id: str, bot_user_id: str) -> None:
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self.calls: list[Call] = []
        self.usergroups: dict[str, list[str]] = {}
        self.conversations: dict[str, dict[str, Any]] = {}
        """What conversations.info answers for each channel ID; any other is channel_not_found."""
        self.auth: dict[str, Any] = {"ok": True, "team_id": team_id, "user_id": bot_user_id}
        self.scopes: list[str] | None = None
        """When set, auth.test answers with them in an `x-oauth-scopes` header, as Slack does."""
        self.socket_url = "wss://wss-primary.slack.test/link/?ticket=fake"
        """What apps.connections.open answers with."""
        self._ts = itertools.count(1)
        self._server = LoopbackServer(self._route)

    @property
    def url(self) -> str:
        return self._server.url

    @property
    def api_url(self) -> str:
        return f"{self._server.url}/api/"

    def response_url(self, name: str = "cmd") -> str:
        return f"{self._server.url}/response/{name}"

    def start(self) -> LoopbackSlack:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

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

    def _scripted(self, kind: str) -> tuple[Response | None, float]:
        """A scripted failure for this call of `kind` (or None), and a delay; called with the lock held, so calls
        take their scripts in the order they were recorded."""
        return None, 0.0

    def _route(self, request: Request) -> Response:
        if request.path.startswith("/response/"):
            kind = "response_url"
            params = request.json() or {}
        elif request.path.startswith("/api/"):
            kind = request.path.removeprefix("/api/")
            params = request.params()
        else:
            return Response(404, {"ok": False, "error": "unknown_path"})
        call = Call(kind=kind, params=params, path=request.path, at=time.monotonic())
        with self._changed:
            self.calls.append(call)
            failure, delay = self._scripted(kind)
            self._changed.notify_all()
        if failure is not None:
            return failure
        reply = self._reply(call)
        reply.delay = delay
        return reply

    def _reply(self, call: Call) -> Response:
        if call.kind == "response_url":
            return Response(200, "ok")
        if call.kind == "auth.test" and self.scopes is not None:
            return Response(200, dict(self.auth), headers={"x-oauth-scopes": ",".join(self.scopes)})
        return Response(200, self._answer(call.kind, call.params))

    def _answer(self, kind: str, params: dict[str, Any]) -> dict[str, Any]:
        if kind == "auth.test":
            return dict(self.auth)
        if kind == "chat.postMessage":
            channel = str(params.get("channel"))
            if channel.startswith("U"):  # a message to a user lands in their direct-message channel
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
        if kind == "conversations.info":
            known = self.conversations.get(str(params.get("channel")))
            return {"ok": True, "channel": known} if known is not None else {"ok": False, "error": "channel_not_found"}
        if kind == "views.publish":
            view = params.get("view")
            shown = dict(view) if isinstance(view, dict) else {}
            return {"ok": True, "view": {**shown, "id": f"V{next(self._ts):08d}"}}
        if kind == "apps.connections.open":
            return {"ok": True, "url": self.socket_url}
        return {"ok": True}
