"""Reading Baseten's failures: Baseten's own words, how long a 429 asks to wait, which error a 4xx is, and why
an answer went missing."""

from __future__ import annotations

import json
import math
from typing import Any

import httpx

from bot.baseten.errors import BasetenError, KeyRejected, NotFound, Rejected


def unknown_reason(error: Exception) -> str:
    if isinstance(error, httpx.TimeoutException):
        return "timeout"
    if isinstance(error, httpx.DecodingError):
        # The status line arrived, so Baseten answered; only its body was unreadable.
        return "unreadable_response"
    return "connection_lost"


def error_message(response: httpx.Response) -> str:
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


def retry_after_seconds(response: httpx.Response) -> float:
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


def client_error(response: httpx.Response) -> BasetenError:
    status = response.status_code
    message = error_message(response)
    body = response.text[:500]
    if status in (401, 403):
        return KeyRejected(message, status=status, body=body)
    if status == 404:
        return NotFound(message, status=status, body=body)
    return Rejected(message, status=status, body=body)
