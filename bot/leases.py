"""Which process is working on each attempt in flight: leases it renews, and takes over from processes that died."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.store import AuditStore, Lease, StoreError, utcnow

log = logging.getLogger(__name__)


def new_owner() -> str:
    """Names this process in the store: the host and pid for people reading it, a random part for uniqueness."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Leases:
    """This process's leases. A lease lasts `ttl` seconds; `renew` (every ttl/4 by the keeper) keeps alive those of
    attempts this process is still working on. Work that ends without finishing its attempt (a bug, a store that
    failed) is forgotten: its lease then expires, and the attempt is taken over like that of a dead process."""

    def __init__(
        self,
        store: AuditStore,
        *,
        ttl: float = 20.0,
        owner: str | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._store = store
        self.ttl = ttl
        self.owner = owner or new_owner()
        self._clock = clock
        self._lock = threading.Lock()
        self._working: set[str] = set()

    def new(self, request_id: str, response_url: str | None) -> Lease:
        """A lease for an attempt this process starts; the store writes it with the attempt or the click."""
        with self._lock:
            self._working.add(request_id)
        return Lease(request_id, self.owner, self._expiry(), response_url)

    def release(self, request_id: str) -> None:
        """The attempt is finished (or waits for a click): nobody need take it over."""
        self.forget(request_id)
        try:
            self._store.release_lease(request_id, self.owner)
        except StoreError:
            # It expires; whoever takes it over finds the attempt finished and only drops the lease.
            log.exception("request %s: could not release its lease", request_id)

    def forget(self, request_id: str) -> None:
        """Stop renewing: this process no longer works on the attempt. An unreleased lease then expires."""
        with self._lock:
            self._working.discard(request_id)

    def renew(self) -> int:
        with self._lock:
            working = sorted(self._working)
        return self._store.renew_leases(self.owner, working, self._expiry()) if working else 0

    def take_expired(self, limit: int = 20) -> list[Lease]:
        """Take over attempts whose process stopped renewing them; each is taken by one process only."""
        now = self._clock()
        taken = []
        for lease in self._store.expired_leases(now, limit):
            mine = self._store.take_over(lease.request_id, self.owner, now, self._expiry())
            if mine is not None:
                with self._lock:
                    self._working.add(mine.request_id)
                log.warning(
                    "request %s: taking it over from %s, which stopped renewing it", lease.request_id, lease.owner
                )
                taken.append(mine)
        return taken

    def _expiry(self) -> datetime:
        return self._clock() + timedelta(seconds=self.ttl)


class LeaseKeeper:
    """One thread: every ttl/4 s it writes the audit backlog, renews this process's leases and hands attempts whose
    leases expired (their process died, or its work ended unfinished) to `recover`."""

    def __init__(
        self,
        leases: Leases,
        recover: Callable[[Lease], bool],
        *,
        retry: Callable[[], object] | None = None,
        also: Callable[[], object] | None = None,
    ) -> None:
        """`also` runs on every tick, the first at start (the store's pruning, which paces itself)."""
        self._leases = leases
        self._also = also
        self._recover = recover
        self._retry = retry
        """Writes the audit backlog: records that arrived while the store was down get in on the next tick."""
        # Renewing and sweeping are one indexed statement each, so both run every tick: a lease left by a dead
        # process is taken at most a tick after it expires.
        self._every = leases.ttl / 4
        self._sweeping = True
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="leases", daemon=True)

    def start(self, *, sweep: bool = True) -> None:
        """`sweep=False` only keeps this process's own attempts alive and takes over nobody else's."""
        self._sweeping = sweep
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def sweep(self) -> int:
        """Take over what has expired now; returns how many attempts were handed on."""
        handed = 0
        for lease in self._leases.take_expired():
            if self._recover(lease):
                handed += 1
            else:
                # Not started (the runner is full or stopping): it expires again, for this process or another.
                self._leases.forget(lease.request_id)
        return handed

    def _run(self) -> None:
        while True:
            try:
                if self._retry is not None:
                    self._retry()
                self._leases.renew()
                if self._sweeping:
                    self.sweep()
                if self._also is not None:
                    self._also()
            except StoreError:
                log.exception("could not renew or check leases; trying again in %.0f s", self._every)
            if self._stop.wait(self._every):
                return
