"""Acks first: background work holds back while Slack requests are being answered, and a request that waited too
long for a thread is answered "busy" rather than starting anything."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

# Python runs one thread at a time, so in a burst the work of acked commands would slow the acks still due.
# Queued work starts once no Slack request has been answered for QUIET_SECONDS, or after ACK_PRIORITY_SECONDS.
QUIET_SECONDS = 0.005
# A request answered this long after the one before it had its quiet gap already: its work starts at once.
LONE_AFTER_SECONDS = QUIET_SECONDS
ACK_PRIORITY_SECONDS = 0.25
# A Slack request that waited this long for a thread (a flood) is answered "busy" and starts nothing: Slack gives
# up 3 s after sending it, and its clock also counts the network and the wait before the server accepted it.
BUSY_AFTER_SECONDS = 1.0


class AckGate:
    """Counts the Slack requests being answered and says when background work may start."""

    def __init__(self, *, quiet: float = QUIET_SECONDS, busy_after: float = BUSY_AFTER_SECONDS) -> None:
        self._quiet = threading.Condition()
        self._answering = 0
        self._last_answered = 0.0
        self._lone = True
        self._quiet_for = quiet
        self._busy_after = busy_after
        self._request = threading.local()

    @contextmanager
    def answering(self, received_at: float | None = None) -> Iterator[None]:
        """Mark a Slack request being answered; queued work holds back until requests stop arriving.
        `received_at` (time.monotonic()) is when the request arrived, for `overdue()`."""
        self._request.received_at = received_at
        with self._quiet:
            self._answering += 1
        try:
            yield
        finally:
            self._request.received_at = None
            with self._quiet:
                self._answering -= 1
                now = time.monotonic()
                # Two requests answered close together may be the start of a burst: then wait for a gap.
                self._lone = not self._answering and now - self._last_answered >= LONE_AFTER_SECONDS
                self._last_answered = now
                self._quiet.notify_all()

    def overdue(self) -> bool:
        """True when the Slack request this thread is answering arrived over `busy_after` s ago: its ack is due
        now, so the answer is "busy" and nothing starts. Work started that late would slow every ack behind it."""
        received_at: float | None = getattr(self._request, "received_at", None)
        return received_at is not None and time.monotonic() - received_at > self._busy_after

    def wait_for_quiet(self) -> None:
        """Return once no request has been answered for the quiet gap (at once after a lone one), or after
        ACK_PRIORITY_SECONDS whatever is arriving."""
        deadline = time.monotonic() + ACK_PRIORITY_SECONDS
        with self._quiet:
            while True:
                now = time.monotonic()
                if now >= deadline:
                    return
                if not self._answering:
                    quiet_for = now - self._last_answered
                    if quiet_for >= self._quiet_for or self._lone:
                        return
                    self._quiet.wait(min(self._quiet_for - quiet_for, deadline - now))
                else:
                    self._quiet.wait(deadline - now)
