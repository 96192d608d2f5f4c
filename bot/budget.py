"""The GPU budget: recreates per user and GPUs across everyone per rolling hour, counted from the store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class Spent:
    """A recreate counted against the budget: it went out, and made (or may have made, or is making) a job."""

    request_id: str
    user_id: str
    sent_at: datetime
    gpus: int


class Limit(StrEnum):
    PER_USER = "per_user_limit"
    GPUS = "gpu_limit"

    @property
    def setting(self) -> str:
        return "RECREATE_LIMIT_PER_USER" if self is Limit.PER_USER else "GPU_LIMIT_PER_HOUR"


@dataclass(frozen=True)
class Usage:
    """What one requester and everyone have spent in the window, beside the limits (None: no limit)."""

    user_recreates: int
    gpus: int
    per_user: int | None
    gpu_limit: int | None


@dataclass(frozen=True)
class OverLimit:
    """A recreate that would exceed `limit`: what is used, what it needs, and when enough leaves the window."""

    limit: Limit
    allowed: int
    used: int
    needed: int
    again_at: datetime | None
    """None when this recreate alone needs more than the limit: waiting does not help."""


class OverBudget(Exception):
    """Raised by the store's mark_sent when sending would exceed the budget; nothing was saved or sent."""

    def __init__(self, over: OverLimit) -> None:
        super().__init__(f"{over.limit.value}: {over.used} used of {over.allowed}, {over.needed} needed")
        self.over = over


@dataclass(frozen=True)
class Budget:
    """The limits; None means no limit. Counting is the caller's: `spent` is every counted attempt in the window."""

    per_user: int | None = 10
    gpus_per_hour: int | None = None

    @property
    def active(self) -> bool:
        return self.per_user is not None or self.gpus_per_hour is not None

    @staticmethod
    def window_start(now: datetime) -> datetime:
        return now - WINDOW

    def usage(self, spent: Sequence[Spent], user_id: str) -> Usage:
        mine = sum(1 for s in spent if s.user_id == user_id)
        return Usage(mine, sum(s.gpus for s in spent), self.per_user, self.gpus_per_hour)

    def over(self, spent: Sequence[Spent], user_id: str, gpus: int) -> OverLimit | None:
        """The limit a recreate of `gpus` GPUs by `user_id` would exceed, given what was `spent` in the window."""
        oldest_first = sorted(spent, key=lambda s: s.sent_at)
        if self.per_user is not None:
            mine = [s for s in oldest_first if s.user_id == user_id]
            if len(mine) + 1 > self.per_user:
                # The user may go again once enough of their own recreates leave the window to make room for one.
                again = mine[len(mine) - self.per_user].sent_at + WINDOW if self.per_user > 0 else None
                return OverLimit(Limit.PER_USER, self.per_user, len(mine), 1, again)
        if self.gpus_per_hour is not None and gpus > 0:
            used = sum(s.gpus for s in oldest_first)
            if used + gpus > self.gpus_per_hour:
                return OverLimit(Limit.GPUS, self.gpus_per_hour, used, gpus, _room_at(oldest_first, used, gpus, self))
        return None


def _room_at(oldest_first: list[Spent], used: int, gpus: int, budget: Budget) -> datetime | None:
    """When enough GPUs have left the window for `gpus` more; None if they never fit."""
    assert budget.gpus_per_hour is not None
    if gpus > budget.gpus_per_hour:
        return None
    for spent in oldest_first:
        used -= spent.gpus
        if used + gpus <= budget.gpus_per_hour:
            return spent.sent_at + WINDOW
    return None
