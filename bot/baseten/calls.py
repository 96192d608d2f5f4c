"""The retry policy of every Baseten call: what is re-sent, what waits out a 429, and what becomes which error.

Reads are retried on any transport failure or 5xx; a recreate or a stop is re-sent only when Baseten surely did
not act (the connection never opened, or a 429). Anything else after the request may have left is OutcomeUnknown.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from typing import Any

import httpx

from bot.baseten.errors import (
    BasetenError,
    KeyRejected,
    NoAnswer,
    NotFound,
    OutcomeUnknown,
    RateLimited,
    Rejected,
    ServerError,
    Unreachable,
)

log = logging.getLogger("bot.baseten.client")

# Errors raised before a single byte of the request left this process: Baseten cannot have acted.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class Calls:
    """Sends one call through `http`, retrying as the policy above says; returns a 2xx response or raises."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        attempts: int,
        backoff: float,
        max_rate_limit_wait: float,
        sleep: Callable[[float], None],
    ) -> None:
        self._http = http
        self._attempts = max(1, attempts)
        self._backoff = backoff
        self._max_rate_limit_wait = max_rate_limit_wait
        self._sleep = sleep

    def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        *,
        idempotent: bool,
        on_rate_limit_wait: Callable[[float], None] | None = None,
        params: dict[str, Any] | None = None,
    ) -> httpx.Response:
        waited_for_rate_limit = 0.0
        failures = 0
        while True:
            started = time.monotonic()
            try:
                response = self._http.request(method, path, json=body, params=params)
            except _NEVER_SENT as error:
                failures += 1
                if failures >= self._attempts:
                    raise Unreachable(f"Could not connect to Baseten ({type(error).__name__}).") from error
                self._sleep(self._backoff * 2 ** (failures - 1))
                continue
            except (httpx.HTTPError, RuntimeError) as error:
                # Any other failure once the request may have left (a dropped connection, an undecodable body,
                # httpx refusing a closed client) is, for a recreate, an unknown outcome: never a "nothing happened".
                if not idempotent:
                    reason = _unknown_reason(error)
                    raise OutcomeUnknown(f"Baseten did not answer ({type(error).__name__}).", reason=reason) from error
                failures += 1
                if failures >= self._attempts:
                    raise NoAnswer(f"Baseten did not answer ({type(error).__name__}).") from error
                self._sleep(self._backoff * 2 ** (failures - 1))
                continue
            log.debug(
                "baseten %s %s -> %s in %.0f ms",
                method,
                path,
                response.status_code,
                (time.monotonic() - started) * 1000,
            )
            if response.status_code == 429:
                retry_after = _retry_after(response)
                if waited_for_rate_limit + retry_after > self._max_rate_limit_wait:
                    raise RateLimited(
                        f"Baseten is rate limiting this API key; try again in {retry_after:.0f} s.",
                        retry_after=retry_after,
                    )
                waited_for_rate_limit += retry_after
                if on_rate_limit_wait is not None:
                    on_rate_limit_wait(retry_after)
                self._sleep(retry_after)
                continue
            if response.status_code >= 500:
                if not idempotent:
                    raise OutcomeUnknown(
                        f"Baseten answered {response.status_code} after receiving the request.",
                        reason="server_error",
                        status=response.status_code,
                        body=response.text[:500],
                    )
                failures += 1
                if failures >= self._attempts:
                    raise ServerError(
                        f"Baseten answered {response.status_code}.",
                        status=response.status_code,
                        body=response.text[:500],
                    )
                self._sleep(self._backoff * 2 ** (failures - 1))
                continue
            if response.status_code >= 400:
                raise _client_error(response)
            return response


def _unknown_reason(error: Exception) -> str:
    if isinstance(error, httpx.TimeoutException):
        return "timeout"
    if isinstance(error, httpx.DecodingError):
        # The status line arrived, so Baseten answered; only its body was unreadable.
        return "unreadable_response"
    return "connection_lost"


def _error_message(response: httpx.Response) -> str:
    """Baseten's own words: `message`, then `detail`, then `error`, then the raw text."""
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        data = None
    if isinstance(data, dict):
        for key in ("message", "detail", "error"):
            value = data.get(key)
            if isinstance(value, str):
                if value.strip():
                    return value.strip()
            elif value:
                return json.dumps(value)[:500]
    text = response.text.strip()
    return text[:500] if text else f"HTTP {response.status_code}"


def _retry_after(response: httpx.Response) -> float:
    candidates: list[Any] = []
    try:
        data = response.json()
        if isinstance(data, dict):
            candidates.append(data.get("retry_after"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        pass
    candidates.append(response.headers.get("Retry-After"))
    for value in candidates:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            continue
        if math.isfinite(seconds) and seconds >= 0:
            return seconds
    return 1.0


def _client_error(response: httpx.Response) -> BasetenError:
    status = response.status_code
    message = _error_message(response)
    body = response.text[:500]
    if status in (401, 403):
        return KeyRejected(message, status=status, body=body)
    if status == 404:
        return NotFound(message, status=status, body=body)
    return Rejected(message, status=status, body=body)
