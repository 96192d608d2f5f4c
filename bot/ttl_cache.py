"""A small cache of answers that age out: each key is loaded at most once per `ttl`, however many ask at once."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from bot.clock import Clock, utcnow

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _Entry(Generic[V]):
    def __init__(self) -> None:
        self.ready = threading.Event()
        self.value: V | None = None
        self.loaded_at: datetime | None = None


class TtlCache(Generic[K, V]):
    """Bounded (the oldest key goes first); a second caller of a key being loaded waits for that load."""

    def __init__(self, *, ttl: float, max_size: int = 500, clock: Clock = utcnow) -> None:
        self._ttl = timedelta(seconds=ttl)
        self._max_size = max_size
        self._clock = clock
        self._entries: OrderedDict[K, _Entry[V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K, load: Callable[[], V], *, wait: float = 30.0) -> V:
        """The cached answer while younger than `ttl`, else `load()`'s. A load that raises caches nothing."""
        with self._lock:
            entry = self._entries.get(key)
            fresh = entry is not None and (entry.loaded_at is None or self._clock() - entry.loaded_at < self._ttl)
            if entry is None or not fresh:
                entry = _Entry()
                self._entries[key] = entry
                self._entries.move_to_end(key)
                while len(self._entries) > self._max_size:
                    self._entries.popitem(last=False)
                mine = True
            else:
                mine = False
        if not mine:
            if entry.ready.wait(wait) and entry.loaded_at is not None:
                return entry.value  # type: ignore[return-value]  # set together with loaded_at
            return load()
        try:
            value = load()
        except BaseException:
            with self._lock:
                if self._entries.get(key) is entry:
                    del self._entries[key]
            entry.ready.set()
            raise
        entry.value, entry.loaded_at = value, self._clock()
        entry.ready.set()
        return value
