"""Who may recreate jobs: Slack user and user-group allowlists, optional channel and workspace limits."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.background import Submit

log = logging.getLogger(__name__)


class MembershipUnknown(Exception):
    """Slack could not tell us who is in a user group; the caller is refused rather than let through."""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""
    """Why the caller was refused, written for them, with how access is granted."""

    code: str = "allowed"
    """A short machine-readable reason, for logs and the audit trail."""


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


class AccessPolicy:
    """Default deny: a caller is allowed only by user ID or by membership of an allowed user group."""

    def __init__(
        self,
        *,
        user_ids: Iterable[str] = (),
        group_ids: Iterable[str] = (),
        channel_ids: Iterable[str] = (),
        team_id: str | None = None,
        enterprise_id: str | None = None,
        groups: GroupDirectory | None = None,
    ) -> None:
        self.user_ids = frozenset(user_ids)
        self.group_ids = tuple(group_ids)
        self.channel_ids = frozenset(channel_ids)
        self.team_id = team_id
        self.enterprise_id = enterprise_id
        self._groups = groups
        if self.group_ids and groups is None:
            raise ValueError("user groups are allowed but no GroupDirectory was given")

    @property
    def configured(self) -> bool:
        return bool(self.user_ids or self.group_ids)

    def check_person(self, *, user_id: str, team_id: str | None, enterprise_id: str | None = None) -> Decision:
        """The allowlist and workspace alone, wherever the person is: the Home tab has no conversation."""
        anywhere = min(self.channel_ids) if self.channel_ids else ""
        return self.check(user_id=user_id, channel_id=anywhere, team_id=team_id, enterprise_id=enterprise_id)

    def check(
        self,
        *,
        user_id: str,
        channel_id: str,
        team_id: str | None,
        reading: bool = False,
        enterprise_id: str | None = None,
    ) -> Decision:
        """`reading`: the caller only asks to read the history, and is told so when refused."""
        foreign = (self.team_id is not None and team_id != self.team_id) or (
            self.enterprise_id is not None and enterprise_id != self.enterprise_id
        )
        if foreign:
            return Decision(False, "This bot only works in its own Slack workspace.", "wrong_workspace")
        if not self.configured:
            return Decision(
                False,
                "Nobody may recreate jobs yet: the bot has no allowlist. "
                "Ask its admin to set ALLOWED_USER_IDS or ALLOWED_USERGROUP_IDS.",
                "no_allowlist",
            )
        if self.channel_ids and channel_id not in self.channel_ids:
            allowed = ", ".join(f"<#{channel}>" for channel in sorted(self.channel_ids))
            where = "The history can only be read in" if reading else "Jobs can only be recreated from"
            return Decision(False, f"{where} {allowed}.", "channel_not_allowed")
        if user_id in self.user_ids:
            return Decision(True)
        unknown = False
        for group_id in self.group_ids:
            assert self._groups is not None
            try:
                if user_id in self._groups.members(group_id):
                    return Decision(True)
            except MembershipUnknown:
                # Keep checking the other groups: one unreadable group must not lock out members of the rest.
                log.exception("could not read the members of user group %s", group_id)
                unknown = True
        if unknown:
            return Decision(
                False,
                "I could not check your user-group membership with Slack just now. Try again in a minute.",
                "membership_unknown",
            )
        how = "Ask the bot's admin to add you to ALLOWED_USER_IDS"
        if self.group_ids:
            how += ", or to add you to one of the allowed user groups"
        what = "use this bot, so you cannot read its history" if reading else "recreate training jobs"
        return Decision(False, f"You are not allowed to {what}. {how}.", "user_not_allowed")
