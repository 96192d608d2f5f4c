"""The recreate pipeline: resolve the source, guard, preview or go, send, settle a lost answer, record, publish."""

from __future__ import annotations

import logging
import time

from bot.audit import AuditTrail
from bot.baseten import BasetenClient, TrainingJob
from bot.baseten.links import DashboardLinks
from bot.clock import Clock, utcnow
from bot.delivery import Delivery
from bot.follow import Follower
from bot.reconcile import Reconciler
from bot.records import AttemptRecord
from bot.recreate.endings import Endings
from bot.recreate.guards import Guards
from bot.recreate.lost import LostAnswers
from bot.recreate.previews import Previews
from bot.recreate.publish import Publisher
from bot.recreate.request import Ended, RecreateRequest, Rules
from bot.recreate.resume import Resumer
from bot.recreate.send import Sender
from bot.recreate.source import look_up
from bot.store import StoreError
from bot.watch.recreated import AlertFollowUp

log = logging.getLogger(__name__)


class RecreateService:
    """Runs a recreate end to end. Every path ends with the requester knowing what happened, and a record."""

    def __init__(
        self,
        baseten: BasetenClient,
        delivery: Delivery,
        links: DashboardLinks,
        audit: AuditTrail,
        rules: Rules | None = None,
        *,
        reconciler: Reconciler | None = None,
        follower: Follower | None = None,
        clock: Clock = utcnow,
        alerts: AlertFollowUp | None = None,
    ) -> None:
        self.rules = rules or Rules()
        self._baseten = baseten
        self._audit = audit
        self._store = audit.store
        self._guards = Guards(audit.store, self.rules, clock)
        self._previews = Previews(audit, delivery, links, self.rules, clock)
        lost = LostAnswers(
            reconciler or Reconciler(baseten, audit.store), audit, delivery, links, self._previews, clock
        )
        self._lost = lost
        self._sender = Sender(baseten, audit, delivery, lost, clock, self.rules.budget)
        self._publisher = Publisher(audit, delivery, links, follower, clock, alerts)
        self._endings = Endings(audit, delivery, clock)
        self._resumer = Resumer(baseten, audit, self._previews, lost, self._publisher, self._endings)

    def start(self, request: RecreateRequest, record: AttemptRecord) -> AttemptRecord:
        """Look the source job up, then show a preview or, where no confirmation is needed, recreate it."""
        try:
            return self._start(request, record)
        finally:
            self._audit.leases.forget(request.request_id)

    def execute(self, request: RecreateRequest, record: AttemptRecord, source: TrainingJob | None) -> AttemptRecord:
        """Recreate under the per-source-job lock; record the result before telling anyone."""
        try:
            return self._execute(request, record, source)
        finally:
            self._audit.leases.forget(request.request_id)

    def resume(self, request: RecreateRequest, record: AttemptRecord) -> AttemptRecord:
        """Finish an attempt taken over from a process that stopped, from what the store says; never send again."""
        try:
            return self._resumer.resume(request, record)
        finally:
            self._audit.leases.forget(request.request_id)
            self._unlock(request)

    def _start(self, request: RecreateRequest, record: AttemptRecord) -> AttemptRecord:
        self._previews.expire()
        try:
            source = look_up(self._baseten, request)
            if isinstance(source, Ended):
                return self._endings.finish(request, record, source)
            record = record.of_source(source.training_project_id)
            busy = self._guards.busy(source.id)
            if busy is not None:
                return self._endings.finish(request, record, busy)
            over = self._guards.over_budget(request, source)
            if over is not None:
                return self._endings.finish(request, record, over)
            recent = self._guards.recent(source.id)
            if not self._guards.needs_preview(source, recent):
                return self._execute(request, record, source)
            self._previews.save(request, source.training_project_id)
        except StoreError:
            return self._endings.store_down(request, record, "read or save the state of this request")
        except Exception as error:
            return self._endings.bug(request, record, error)
        return self._previews.show(request, record, source, recent)

    def _execute(self, request: RecreateRequest, record: AttemptRecord, source: TrainingJob | None) -> AttemptRecord:
        started = time.monotonic()
        try:
            refused = self._guards.lock(request)
        except StoreError:
            return self._endings.store_down(request, record, "take the in-flight lock")
        if refused is not None:
            return self._endings.finish(request, record, refused)
        try:
            sent = self._send(request, record, source, started)
        finally:
            # Released once the outcome is stored, not after the card: a request made the moment the card
            # appears is a new recreate (the cooldown preview covers it), not one in flight.
            self._unlock(request)
        if isinstance(sent, AttemptRecord):
            return sent
        record, job, note = sent
        return self._publisher.publish(request, record, job, note)

    def _send(
        self, request: RecreateRequest, record: AttemptRecord, source: TrainingJob | None, started: float
    ) -> AttemptRecord | tuple[AttemptRecord, TrainingJob, str | None]:
        """The finished record of an attempt that ended, or the recorded new job to announce."""
        try:
            superseded = self._guards.superseded(request)
            if superseded is not None:
                return self._endings.finish(request, record, superseded)
            if source is None:
                found = look_up(self._baseten, request)
                if isinstance(found, Ended):
                    return self._endings.finish(request, record, found, started)
                source = found
            sent = self._sender.send(request, record, source)
        except StoreError:
            return self._endings.store_down(request, record, "record the state of this request before sending it")
        except Exception as error:
            return self._endings.bug(request, record, error)
        if sent.taken_over:
            return sent.record
        if sent.ended is not None:
            return self._endings.finish(request, sent.record, sent.ended, started)
        assert sent.job is not None
        return self._publisher.record(sent.record, sent.job, sent.note, started), sent.job, sent.note

    def _unlock(self, request: RecreateRequest) -> None:
        try:
            self._store.release_in_flight(request.job_id, request.request_id)
        except StoreError:
            log.exception("request %s: could not release the in-flight lock (it expires)", request.request_id)


__all__ = ["RecreateService"]
