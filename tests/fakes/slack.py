"""A loopback fake of Slack's Web API and of response_url, recording what the bot sent; failures can be queued."""

from __future__ import annotations

from collections import defaultdict, deque
from typing import Any

from bot.console.loopback import Response
from bot.console.webapi import Call, LoopbackSlack

BOT_TOKEN = "xoxb-test-bot-token-000000"
TEAM_ID = "T0TEAM0001"

__all__ = ["BOT_TOKEN", "TEAM_ID", "Call", "FakeSlack"]


class FakeSlack(LoopbackSlack):
    """Slack as the bot sees it; queue failures with `fail()`, `slow()` or `rate_limit()`, read `calls`."""

    def __init__(self) -> None:
        super().__init__(team_id=TEAM_ID, bot_user_id="UBOT000001")
        self.auth["bot_id"] = "BBOT000001"
        self._failures: dict[str, deque[Response]] = defaultdict(deque)
        self._slow: dict[str, deque[float]] = defaultdict(deque)

    def start(self) -> FakeSlack:
        super().start()
        return self

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

    def _scripted(self, kind: str) -> tuple[Response | None, float]:
        failure = self._failures[kind].popleft() if self._failures[kind] else None
        delay = self._slow[kind].popleft() if self._slow[kind] else 0.0
        return failure, delay
