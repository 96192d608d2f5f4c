"""The audit trail: every attempt goes to the store, to one JSON log line, and to the audit channel if set."""

from __future__ import annotations

import json
import logging

from bot.audit_channel import AuditChannel
from bot.backlog import Backlog
from bot.budget import Budget
from bot.leases import Leases
from bot.records import Verdict
from bot.store import AttemptRecord, AuditStore, Outcome, StoreError

log = logging.getLogger(__name__)
# One JSON object per line, on its own handler (see bot.logs), for log platforms to index.
json_log = logging.getLogger("recreate_job.audit")

# Typos are kept in the store and the log, not announced to the whole workspace.
_NOT_POSTED = frozenset({Outcome.PENDING, Outcome.BAD_INPUT})
# Endings that may have made a job (or are not endings): an alert's Recreate claim stays with them. A refusal or
# unusable text never claimed an alert (the claim comes after the allowlist), so it writes nothing here: those
# are closed on the path to the ack.
_KEEPS_ALERT = frozenset(
    {Outcome.PENDING, Outcome.AWAITING_CONFIRMATION, Outcome.OUTCOME_UNKNOWN, Outcome.CREATED, Outcome.BAD_INPUT}
)


class AuditTrail:
    def __init__(
        self,
        store: AuditStore,
        *,
        channel: AuditChannel | None = None,
        leases: Leases | None = None,
        backlog: Backlog | None = None,
    ) -> None:
        self.store = store
        self.backlog = backlog or Backlog(store)
        self._channel = channel
        self.leases = leases or Leases(store)

    def open(self, record: AttemptRecord, *, response_url: str | None = None) -> None:
        """Write the attempt, and this process's lease on it, before anything is sent to Baseten.

        Raises StoreError: no unaudited recreate."""
        self.store.record(record, lease=self.leases.new(record.request_id, response_url))

    def mark_sent(self, record: AttemptRecord, budget: Budget | None = None) -> bool:
        """Write that the recreate is going out now. False when another process has taken the attempt over (this
        one was thought dead): it must then not be sent. Raises StoreError: nothing may be sent unrecorded.
        Raises OverBudget when `budget` would be exceeded: nothing saved, nothing may be sent."""
        return self.store.mark_sent(record, self.leases.owner, budget=budget)

    def park(self, record: AttemptRecord) -> None:
        """The attempt now waits for its requester's click: saved, and no longer in flight."""
        if self.save(record):
            self.leases.release(record.request_id)

    def save(self, record: AttemptRecord) -> bool:
        """Write a step of the attempt; a failure is logged (with the record) and kept in the backlog to be written
        later, but does not stop the work."""
        return self.backlog.write(record)

    def close(self, record: AttemptRecord) -> None:
        """The attempt's final state: stored, logged as one JSON line, and queued for the audit channel."""
        # The lease is kept until the record is written (now or from the backlog): if this process stops first,
        # the attempt is looked at again by whoever takes the lease over.
        self.backlog.write(record, then=lambda: self.leases.release(record.request_id))
        json_log.info(json.dumps(record.to_log(), ensure_ascii=False))
        if record.decision is not Verdict.REFUSED and record.outcome not in _KEEPS_ALERT and record.new_job_id is None:
            self._release_alert(record.request_id)
        # Never waits for Slack, wherever it is called from (the ack path, a recreate's worker): the channel has
        # its own bounded queue. The record and the JSON line above are the durable trail.
        if self._channel is not None and record.outcome not in _NOT_POSTED:
            self._channel.post(record)

    def _release_alert(self, request_id: str) -> None:
        """An attempt that ended without a job lets go of the alert it was tapped on, so others may recreate it."""
        try:
            self.store.release_alert_recreate(request_id)
        except StoreError:
            # The next tap on that alert finds the claim's attempt ended and takes it over (bot.watch.taps).
            log.exception("request %s: could not release its alert's Recreate", request_id)
