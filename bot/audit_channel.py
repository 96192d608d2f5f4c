"""The audit channel's own bounded queue, with one poster thread, and refusals combined per person and window.

Lines about refused people must never take capacity from allowed users, so they do not share the runner or the
background lane. Slack accepts about one message a second in a channel: a person refused again within a window
gets no line of their own; the count is posted once per window instead ("refused 599 more times in the last
minute"). The store and the JSON log keep every attempt; the channel is the place people watch.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.delivery import Delivery
from bot.messages import Message
from bot.messages.audit import audit_entry, refusals_combined
from bot.records import AttemptRecord, Outcome

# Under bot.audit: a line that could not be posted belongs with the rest of the trail's troubles.
log = logging.getLogger("bot.audit")

WINDOW_SECONDS = 60.0
MAX_QUEUED = 100
# Beyond this many people refused in one window, the rest are named only in the log: a channel line per
# person would be a flood of its own.
MAX_COMBINED_LINES = 20


@dataclass
class _Tally:
    last: AttemptRecord
    more: int = 0
    announced: bool = True
    """Whether the person's first refusal in the window had a line of its own."""


class AuditChannel:
    def __init__(
        self,
        delivery: Delivery,
        channel_id: str,
        *,
        window: float = WINDOW_SECONDS,
        max_queued: int = MAX_QUEUED,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._delivery = delivery
        self.channel_id = channel_id
        self._window = window
        self._clock = clock
        self._max_queued = max_queued
        self._queue: queue.Queue[tuple[Message, str] | None] = queue.Queue(max_queued)
        self._lock = threading.Lock()
        self._announced: set[str] = set()
        """People with a refusal line of their own in this window."""
        self._tallies: dict[str, _Tally] = {}
        self._thread = threading.Thread(target=self._run, name="audit-channel", daemon=True)
        self._thread.start()

    def post(self, record: AttemptRecord) -> None:
        """Queue the line for `record`; never waits for Slack."""
        refused = record.outcome is Outcome.REFUSED
        if refused:
            with self._lock:
                if record.user_id in self._announced or record.user_id in self._tallies:
                    self._count(record)
                    return
                self._announced.add(record.user_id)
        try:
            # Half the queue is kept for allowed people's lines: many refused people at once are counted instead.
            if refused and self._queue.qsize() >= self._max_queued // 2:
                raise queue.Full
            self._queue.put_nowait((audit_entry(record), f"request {record.request_id}"))
        except queue.Full:
            if refused:
                with self._lock:
                    self._announced.discard(record.user_id)
                    self._count(record, announced=False)
            else:
                log.error("audit channel line for request %s dropped: too many queued", record.request_id)

    def wait_idle(self) -> None:
        """Block until every queued line was posted (tests and shutdown)."""
        self._queue.join()

    def stop(self) -> None:
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(None)

    def _count(self, record: AttemptRecord, *, announced: bool = True) -> None:
        tally = self._tallies.setdefault(record.user_id, _Tally(record, announced=announced))
        tally.last = record
        tally.more += 1

    def _run(self) -> None:
        tick = self._clock() + self._window
        while True:
            try:
                item = self._queue.get(timeout=max(0.0, tick - self._clock()))
            except queue.Empty:  # the window ended with nothing queued
                self._flush()
                tick = self._clock() + self._window
                continue
            try:
                if item is None:
                    self._flush()
                    return
                self._send(*item)
            finally:
                self._queue.task_done()
            if self._clock() >= tick:
                self._flush()
                tick = self._clock() + self._window

    def _flush(self) -> None:
        """The window is over: one line per person refused more than once in it; everyone starts afresh."""
        with self._lock:
            tallies = list(self._tallies.values())
            self._tallies.clear()
            self._announced.clear()
        tallies.sort(key=lambda tally: tally.more, reverse=True)
        for tally in tallies[:MAX_COMBINED_LINES]:
            self._send(
                refusals_combined(tally.last, tally.more, self._window, announced=tally.announced),
                f"refusals of {tally.last.user_id}",
            )
        for tally in tallies[MAX_COMBINED_LINES:]:
            log.warning("audit channel: %s was refused %d times more (not posted)", tally.last.user_id, tally.more)

    def _send(self, message: Message, what: str) -> None:
        try:
            if self._delivery.post(self.channel_id, message) is None:
                log.error("could not post %s to the audit channel %s", what, self.channel_id)
        except Exception:
            log.exception("posting %s to the audit channel failed", what)
