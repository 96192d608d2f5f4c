"""Who may recreate jobs: Slack user and user-group allowlists, optional channel and workspace limits."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from bot.group_members import GroupDirectory, MembershipUnknown

__all__ = ["AccessPolicy", "Decision", "GroupDirectory", "MembershipUnknown"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""
    """Why the caller was refused, written for them, with how access is granted."""

    code: str = "allowed"
    """A short machine-readable reason, for logs and the audit trail."""


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
