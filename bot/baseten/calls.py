"""The retry policy of every Baseten call: what is re-sent, what waits out a 429, and what becomes which error.

Reads are retried on any transport failure or 5xx; a recreate or a stop is re-sent only when Baseten surely did
not act (the connection never opened, or a 429). Anything else after the request may have left is OutcomeUnknown.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import httpx

from bot.baseten.errors import (
    NoAnswer,
    OutcomeUnknown,
    RateLimited,
    ServerError,
    Unreachable,
)
from bot.baseten.failures import client_error, retry_after_seconds, unknown_reason

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
                    reason = unknown_reason(error)
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
                retry_after = retry_after_seconds(response)
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
                raise client_error(response)
            return response
