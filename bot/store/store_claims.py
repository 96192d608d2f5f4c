"""The store's claims, each held by exactly one caller across all processes: new jobs, leases, previews,
in-flight locks and stops."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.records import InFlight, Lease, Preview, PreviewState
from bot.stop.record import StopClaim


class ClaimStore(Protocol):
    """Who holds what: each claim goes to one caller, atomically across processes."""

    def claim_owner(self, job_id: str) -> str | None:
        """The request that claimed `job_id`, if any."""

    def contenders(self, copy_key: str, sent_after: datetime, sent_before: datetime, excluding: str) -> list[str]:
        """Requests still in doubt (pending or outcome unknown) for a source with `copy_key`, sent in the window."""

    def renew_leases(self, owner: str, request_ids: list[str], expires_at: datetime) -> int:
        """Extend these leases where `owner` still holds them; returns how many."""

    def release_lease(self, request_id: str, owner: str) -> None:
        """Drop the lease if `owner` holds it."""

    def expired_leases(self, now: datetime, limit: int) -> list[Lease]: ...

    def take_over(self, request_id: str, owner: str, now: datetime, expires_at: datetime) -> Lease | None:
        """Move an expired lease to `owner`; the lease for exactly one caller across all processes, else None."""

    def claim_new_job(self, job_id: str, request_id: str) -> bool:
        """Tie `job_id` to `request_id`; False when another request already has it (atomic across processes)."""

    def expire_previews(self, now: datetime) -> list[str]:
        """Mark pending previews past their expiry as expired; returns their IDs."""

    def save_preview(self, preview: Preview) -> None: ...

    def get_preview(self, preview_id: str) -> Preview | None: ...

    def claim_preview(self, preview_id: str, state: PreviewState, now: datetime, *, lease: Lease | None = None) -> bool:
        """Move a pending, unexpired preview to `state`; True for exactly one caller across all processes, who then
        holds `lease` (taken in the same transaction)."""

    def acquire_in_flight(self, lock: InFlight, stale_after: float) -> InFlight | None:
        """Take the lock for `lock.source_job_id`; returns the other holder if someone has it (stale ones expire)."""

    def in_flight(self, source_job_id: str, stale_after: float, now: datetime) -> InFlight | None: ...

    def release_in_flight(self, source_job_id: str, request_id: str) -> None: ...

    def claim_stop(self, claim: StopClaim, stale_after: float) -> StopClaim | None:
        """Take the stop of `claim.job_id`: None when the caller now holds it, else the holder (one caller across
        all processes). A claim not confirmed within `stale_after` seconds of its tap is replaced."""

    def stop_of(self, job_id: str) -> StopClaim | None:
        """The stop under way or done for `job_id`, if any."""

    def confirm_stop(self, job_id: str, request_id: str) -> None:
        """The stop of `request_id` took effect: its claim stays, so no later tap sends another."""

    def release_stop(self, job_id: str, request_id: str) -> None:
        """The stop of `request_id` did not happen (or cannot be known): a later tap may try again."""
