"""The members of Slack user groups, read from `usergroups.users.list` and kept fresh without holding up an ack."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.background import Submit

# Logged under the access policy's name: membership is its question, and log filters name it.
log = logging.getLogger("bot.access")


class MembershipUnknown(Exception):
    """Slack could not tell us who is in a user group; the caller is refused rather than let through."""


class GroupDirectory:
    """Members of Slack user groups, from `usergroups.users.list`.

    Lookups sit on the path to the Slack ack, so a list younger than `ttl` is used as is, and one younger than
    `max_stale` is used while a background thread refreshes it. Older than that (or never read) it is read
    before answering; if Slack fails then, the caller is refused rather than let through on old data.
    """

    def __init__(
        self,
        client: WebClient,
        *,
        ttl: float = 60.0,
        max_stale: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
        background: Submit | None = None,
    ) -> None:
        self._client = client
        self._background = background
        self._ttl = ttl
        self._max_stale = max_stale
        self._clock = clock
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}
        self._refreshing: set[str] = set()
        self._lock = threading.Lock()

    def warm(self, group_ids: Iterable[str]) -> None:
        """Read every group once, so the first commands after start-up do not wait for Slack."""
        for group_id in group_ids:
            try:
                self._fetch(group_id)
            except MembershipUnknown:
                log.warning("could not read the members of user group %s at start-up", group_id)

    def members(self, group_id: str) -> frozenset[str]:
        now = self._clock()
        with self._lock:
            cached = self._cache.get(group_id)
            age = now - cached[0] if cached is not None else None
            refresh = age is not None and self._ttl <= age < self._max_stale and group_id not in self._refreshing
            if refresh:
                self._refreshing.add(group_id)
        if cached is None or age is None or age >= self._max_stale:
            return self._fetch(group_id)
        if refresh and not self._submit(lambda: self._refresh(group_id), f"refresh group {group_id}"):
            with self._lock:
                self._refreshing.discard(group_id)
        return cached[1]

    def _submit(self, work: Callable[[], object], label: str) -> bool:
        if self._background is None:
            work()
            return True
        return bool(self._background(work, label))

    def _refresh(self, group_id: str) -> None:
        try:
            self._fetch(group_id)
        except MembershipUnknown:
            log.warning("could not refresh the members of user group %s; the list ages out", group_id)
        finally:
            with self._lock:
                self._refreshing.discard(group_id)

    def _fetch(self, group_id: str) -> frozenset[str]:
        try:
            response = self._client.usergroups_users_list(usergroup=group_id)
        except (SlackApiError, SlackClientError, OSError) as error:
            raise MembershipUnknown(group_id) from error
        users = frozenset(str(user) for user in (response.get("users") or []))
        with self._lock:
            self._cache[group_id] = (self._clock(), users)
        return users
