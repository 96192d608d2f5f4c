"""The recreate itself: look the job up, preview it or go ahead, ask Baseten for a new job, tell the channel."""

from __future__ import annotations

import dataclasses
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.audit import AuditTrail
from bot.baseten import BasetenClient, BasetenError, NotFound, OutcomeUnknown, TrainingJob
from bot.baseten.links import DashboardLinks
from bot.delivery import Delivery, Posted
from bot.follow import Follower
from bot.messages import Message, preview, replies
from bot.messages.card import gpu_count_summary, job_card, outcome_unknown_card
from bot.messages.format import code
from bot.reconcile import Lost, Reconciler
from bot.settings import ConfirmMode
from bot.store import AttemptRecord, InFlight, Outcome, Preview, PreviewState, StoreError, Verdict, utcnow

log = logging.getLogger(__name__)

# Tell the requester when Baseten's rate limit makes us wait at least this long.
_SAY_WAIT_AFTER = 5.0


def new_request_id() -> str:
    """A short ID that ties a card's footer, the log lines and the audit record together."""
    return uuid.uuid4().hex[:12]


@dataclass(frozen=True)
class Rules:
    """When to ask for confirmation and how to guard against duplicates."""

    confirm: ConfirmMode = ConfirmMode.ALWAYS
    confirm_ttl: int = 600
    cooldown: int = 600
    # A lock older than this belonged to a process that died mid-recreate. A recreate, with its lookups, the POST
    # and the search for a lost answer, takes minutes at the very worst; this leaves a wide margin.
    in_flight_stale_after: float = 1800.0


@dataclass(frozen=True)
class RecreateRequest:
    request_id: str
    user_id: str
    channel_id: str
    team_id: str | None
    response_url: str | None
    job_id: str
    project_id: str | None = None
    command_text: str = ""
    previewed_at: datetime | None = None
    """When the requester was shown what they confirmed; a recreate by someone else after that is news to them."""

    def attempt(self) -> AttemptRecord:
        """The audit record of this request before anything is sent to Baseten."""
        return AttemptRecord(
            request_id=self.request_id,
            user_id=self.user_id,
            channel_id=self.channel_id,
            team_id=self.team_id,
            command_text=self.command_text,
            decision=Verdict.ALLOWED,
            outcome=Outcome.PENDING,
            source_project_id=self.project_id,
            source_job_id=self.job_id,
        )

    @classmethod
    def from_preview(cls, shown: Preview) -> RecreateRequest:
        return cls(
            request_id=shown.id,
            user_id=shown.user_id,
            channel_id=shown.channel_id,
            team_id=shown.team_id,
            response_url=shown.response_url,
            job_id=shown.job_id,
            project_id=shown.project_id,
            command_text=shown.command_text,
            previewed_at=shown.created_at,
        )

    @classmethod
    def from_record(cls, record: AttemptRecord, response_url: str | None) -> RecreateRequest:
        """The request behind a stored attempt, for finishing it in another process."""
        return cls(
            request_id=record.request_id,
            user_id=record.user_id,
            channel_id=record.channel_id,
            team_id=record.team_id,
            response_url=response_url,
            job_id=record.source_job_id or "",
            project_id=record.source_project_id,
            command_text=record.command_text,
        )


class _TakenOver(Exception):
    """Another process took this attempt over (this one was thought dead): it is theirs to finish now."""


class _Stop(Exception):
    """Ends the attempt early with an outcome and a reply for the requester."""

    def __init__(self, outcome: Outcome, error: str, reply: Message) -> None:
        super().__init__(error)
        self.outcome = outcome
        self.error = error
        self.reply = reply


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
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._baseten = baseten
        self._delivery = delivery
        self._links = links
        self._audit = audit
        self._store = audit.store
        self.rules = rules or Rules()
        self._reconciler = reconciler or Reconciler(baseten, audit.store)
        self._follower = follower
        self._clock = clock

    # --- after the command ---------------------------------------------------------------------------------

    def start(self, request: RecreateRequest, record: AttemptRecord) -> AttemptRecord:
        """Look the source job up, then show a preview or, where no confirmation is needed, recreate it."""
        try:
            return self._start(request, record)
        finally:
            self._audit.leases.forget(request.request_id)

    def _start(self, request: RecreateRequest, record: AttemptRecord) -> AttemptRecord:
        self.expire_previews()
        try:
            source = self._lookup(request)
            record = record.with_outcome(source_project_id=source.training_project_id)
            self._refuse_if_in_flight(source.id)
            recent = self._recent(source.id)
            shown = self._save_preview(request, source) if self._needs_preview(source, recent) else None
        except _Stop as stop:
            return self._finish(request, record.with_outcome(outcome=stop.outcome, error=stop.error), stop.reply)
        except StoreError:
            return self._store_down(request, record, "read or save the state of this request")
        except Exception as error:
            # Nothing has been sent to Baseten yet; a bug here must still end with an answer and a record.
            log.exception("request %s: unexpected error before any job was created", request.request_id)
            record = record.with_outcome(outcome=Outcome.ERROR, error=f"{type(error).__name__}: {error}")
            return self._finish(request, record, replies.internal_error(request.request_id))
        if shown is None:
            return self._execute(request, record, source)
        record = record.with_outcome(outcome=Outcome.AWAITING_CONFIRMATION)
        self._audit.park(record)
        recent_url = (
            self._links.job(source.training_project_id, recent.new_job_id) if recent and recent.new_job_id else None
        )
        message = preview.preview(
            source,
            preview_id=shown.id,
            recent=recent,
            recent_url=recent_url,
            source_url=self._links.job(source.training_project_id, source.id),
            expires_in=self.rules.confirm_ttl,
        )
        if not self._delivery.reply(request.response_url, message):
            log.error("request %s: the preview could not be shown to %s", request.request_id, request.user_id)
        return record

    def _save_preview(self, request: RecreateRequest, source: TrainingJob) -> Preview:
        shown = Preview(
            id=request.request_id,
            user_id=request.user_id,
            channel_id=request.channel_id,
            team_id=request.team_id,
            response_url=request.response_url,
            command_text=request.command_text,
            project_id=source.training_project_id,
            job_id=source.id,
            expires_at=self._clock() + timedelta(seconds=self.rules.confirm_ttl),
        )
        self._store.save_preview(shown)
        return shown

    def expire_previews(self) -> None:
        """Close the records of previews nobody answered in time, so the audit trail shows how they ended."""
        try:
            for preview_id in self._store.expire_previews(self._clock()):
                stored = self._store.get(preview_id)
                if stored is not None and stored.outcome is Outcome.AWAITING_CONFIRMATION:
                    self._audit.close(
                        stored.with_outcome(outcome=Outcome.EXPIRED, error="not confirmed in time"), in_background=True
                    )
        except StoreError:
            log.exception("could not expire old previews")

    def _lookup(self, request: RecreateRequest) -> TrainingJob:
        try:
            if request.project_id is not None:
                return self._baseten.get_job(request.project_id, request.job_id)
            matches = [job for job in self._baseten.search_jobs(request.job_id) if job.id == request.job_id]
        except BasetenError as error:
            raise self._failure(request, error) from error
        projects = sorted({job.training_project_id for job in matches})
        if not projects:
            raise _Stop(Outcome.NOT_FOUND, "job not found", replies.job_not_found(request.job_id, None))
        if len(projects) > 1:
            raise _Stop(Outcome.NOT_FOUND, "job in several projects", replies.ambiguous_job(request.job_id, projects))
        return matches[0]

    def _refuse_if_in_flight(self, source_job_id: str) -> None:
        holder = self._store.in_flight(source_job_id, self.rules.in_flight_stale_after, self._clock())
        if holder is not None:
            raise _Stop(
                Outcome.IN_FLIGHT, f"in flight as request {holder.request_id}", preview.in_flight(source_job_id, holder)
            )

    def _recent(self, source_job_id: str) -> AttemptRecord | None:
        if self.rules.cooldown <= 0:
            return None
        return self._store.last_created(source_job_id, self._clock() - timedelta(seconds=self.rules.cooldown))

    def _needs_preview(self, source: TrainingJob, recent: AttemptRecord | None) -> bool:
        if recent is not None:
            return True
        if self.rules.confirm is ConfirmMode.ALWAYS:
            return True
        return self.rules.confirm is ConfirmMode.ACTIVE and source.is_active

    # --- the recreate ---------------------------------------------------------------------------------------

    def execute(self, request: RecreateRequest, record: AttemptRecord, source: TrainingJob | None) -> AttemptRecord:
        """Recreate under the per-source-job lock; record the result before telling anyone."""
        try:
            return self._execute(request, record, source)
        finally:
            self._audit.leases.forget(request.request_id)

    def _execute(self, request: RecreateRequest, record: AttemptRecord, source: TrainingJob | None) -> AttemptRecord:
        started = time.monotonic()
        lock = InFlight(request.job_id, request.request_id, request.user_id, self._clock())
        try:
            holder = self._store.acquire_in_flight(lock, self.rules.in_flight_stale_after)
        except StoreError:
            return self._store_down(request, record, "take the in-flight lock")
        if holder is not None:
            return self._finish(
                request,
                record.with_outcome(outcome=Outcome.IN_FLIGHT, error=f"in flight as request {holder.request_id}"),
                preview.in_flight(request.job_id, holder),
            )
        try:
            try:
                newer = self._created_meanwhile(request)
            except StoreError:
                return self._store_down(request, record, "check for a recreate made meanwhile")
            if newer is not None:
                return self._finish(
                    request,
                    record.with_outcome(outcome=Outcome.CANCELLED, error=f"superseded by request {newer.request_id}"),
                    preview.superseded(request.job_id, newer),
                )
            record, job, note = self._recreate(request, record, source, started)
        finally:
            # Released once the outcome is stored, not after the card: a request made the moment the card
            # appears is a new recreate (the cooldown preview covers it), not one in flight.
            try:
                self._store.release_in_flight(request.job_id, request.request_id)
            except StoreError:
                log.exception("request %s: could not release the in-flight lock (it expires)", request.request_id)
        if job is None:
            return record
        return self._publish(request, record, job, note)

    def _created_meanwhile(self, request: RecreateRequest) -> AttemptRecord | None:
        """A recreate of the same job the requester has not seen: since their preview, or within the cooldown."""
        if request.previewed_at is not None:
            since = request.previewed_at
        elif self.rules.cooldown > 0:
            since = self._clock() - timedelta(seconds=self.rules.cooldown)
        else:
            return None
        newer = self._store.last_created(request.job_id, since)
        return newer if newer is not None and newer.request_id != request.request_id else None

    def _recreate(
        self, request: RecreateRequest, record: AttemptRecord, source: TrainingJob | None, started: float
    ) -> tuple[AttemptRecord, TrainingJob | None, str | None]:
        """Ask Baseten; a failure is finished here (recorded, replied). A new job is recorded, not yet announced."""
        project_id = request.project_id or (source.training_project_id if source else None)
        note: str | None = None
        sent = False
        try:
            if source is None:
                source = self._lookup(request)
            project_id = source.training_project_id
            record = record.with_outcome(source_project_id=project_id, sent_at=self._clock(), copy_key=source.copy_key)
            try:
                if not self._audit.mark_sent(record):
                    raise _TakenOver
            except StoreError:
                return self._store_down(request, record, "record that the recreate is being sent"), None, None
            sent = True
            try:
                job = self._baseten.recreate(
                    project_id, request.job_id, on_rate_limit_wait=lambda s: self._say_waiting(request, s)
                )
            except OutcomeUnknown as error:
                job, note = self._after_unknown(request, record, error)
            self._claim(job.id, request.request_id)
        except _TakenOver:
            log.warning("request %s: another process took this attempt over; not sending it", request.request_id)
            return record, None, None
        except _Stop as stop:
            record = record.with_outcome(outcome=stop.outcome, error=stop.error, source_project_id=project_id)
            return self._finish(request, record, stop.reply, started), None, None
        except BasetenError as error:
            failure = self._failure(request, error)
            record = record.with_outcome(outcome=failure.outcome, error=failure.error, source_project_id=project_id)
            return self._finish(request, record, failure.reply, started), None, None
        except Exception as error:
            if sent:
                # The request may have reached Baseten: never tell anyone that nothing was created.
                log.exception("request %s: unexpected error after the recreate was sent", request.request_id)
                record = record.with_outcome(outcome=Outcome.OUTCOME_UNKNOWN, error=f"{type(error).__name__}: {error}")
                self._post_unknown(request, project_id or "", "Something went wrong on my side after asking Baseten.")
                return self._finish(request, record, _NO_REPLY, started), None, None
            log.exception("request %s: unexpected error before any job was created", request.request_id)
            record = record.with_outcome(outcome=Outcome.ERROR, error=f"{type(error).__name__}: {error}")
            return self._finish(request, record, replies.internal_error(request.request_id), started), None, None
        return self._created(record, job, note, started), job, note

    def _created(self, record: AttemptRecord, job: TrainingJob, note: str | None, started: float) -> AttemptRecord:
        record = record.with_outcome(
            outcome=Outcome.CREATED,
            source_project_id=job.training_project_id,
            new_job_id=job.id,
            new_job_status=job.current_status,
            instance_type=job.instance_type.name,
            gpus=gpu_count_summary(job),
            error=note,
            baseten_ms=(time.monotonic() - started) * 1000,
        )
        # Stored before any reply, so a crash from here on still leaves a record that the job exists.
        self._audit.save(record)
        return record

    # --- after a process died mid-recreate --------------------------------------------------------------------

    def resume(self, request: RecreateRequest, record: AttemptRecord) -> AttemptRecord:
        """Finish an attempt taken over from a process that stopped, from what the store says; never send again."""
        try:
            return self._resume(request, record)
        finally:
            self._audit.leases.forget(request.request_id)
            try:
                self._store.release_in_flight(request.job_id, request.request_id)
            except StoreError:
                log.exception("request %s: could not release the in-flight lock (it expires)", request.request_id)

    def _resume(self, request: RecreateRequest, record: AttemptRecord) -> AttemptRecord:
        started = time.monotonic()
        if record.outcome is Outcome.AWAITING_CONFIRMATION and self._was_confirmed(record.request_id):
            # Confirmed, and the process stopped before the recreate was marked as going out.
            record = record.with_outcome(outcome=Outcome.PENDING)
        if record.outcome is Outcome.CREATED and record.new_job_id and record.card_route is None:
            return self._republish(request, record)
        if record.outcome not in (Outcome.PENDING, Outcome.OUTCOME_UNKNOWN):
            # Finished, or waiting for a click, before the process stopped: only its lease was left behind.
            self._audit.leases.release(request.request_id)
            return record
        try:
            if record.sent_at is None:
                project_id = record.source_project_id or self._lookup(request).training_project_id
                detail = f"The bot restarted before your recreate of {code(request.job_id)} was sent to Baseten."
                retry = self._offer_retry(request, project_id, detail, None)
                raise _Stop(Outcome.FAILED, f"stopped before sending (retry offered as {retry})", _NO_REPLY)
            log.warning("request %s: its answer was lost when the bot stopped; looking for the job", request.request_id)
            unreadable = (record.error or "").startswith("unreadable_response")
            detail = "The bot restarted before Baseten's answer arrived."
            job, note = self._settle_lost(request, record, detail, reason="restarted", may_be_nothing=not unreadable)
        except _Stop as stop:
            return self._finish(request, record.with_outcome(outcome=stop.outcome, error=stop.error), stop.reply)
        except BasetenError as error:
            failure = self._failure(request, error)
            return self._finish(
                request, record.with_outcome(outcome=failure.outcome, error=failure.error), failure.reply
            )
        return self._publish(request, self._created(record, job, note, started), job, note)

    def _was_confirmed(self, preview_id: str) -> bool:
        shown = self._store.get_preview(preview_id)
        return shown is not None and shown.state is PreviewState.CONFIRMED

    def _republish(self, request: RecreateRequest, record: AttemptRecord) -> AttemptRecord:
        """The job was made and recorded, but its card was never posted."""
        assert record.new_job_id is not None and record.source_project_id is not None
        note = "Posted after the bot restarted."
        try:
            job = self._baseten.get_job(record.source_project_id, record.new_job_id)
        except BasetenError as error:
            log.warning("request %s: could not read new job %s: %s", request.request_id, record.new_job_id, error)
            url = self._links.job(record.source_project_id, record.new_job_id)
            self._post_card(request, _plain_card(request, record.new_job_id, url), record.new_job_id)
            self._audit.close(record)
            return record
        return self._publish(request, record, job, note)

    def _publish(
        self, request: RecreateRequest, record: AttemptRecord, job: TrainingJob, note: str | None
    ) -> AttemptRecord:
        """Post the card, close the record with where it went, and start following the job."""
        posted = self._announce(request, job, note)
        if posted is not None:
            # updated_at stays when the job was made: the cooldown and "already recreated" count from that.
            record = dataclasses.replace(
                record, card_route=posted.route.value, card_channel_id=posted.channel_id, card_ts=posted.ts
            )
        if self._follower is not None:
            # Before the record is closed: a process that dies in between leaves the attempt to be taken over.
            self._follower.follow(
                job,
                request_id=request.request_id,
                requester_id=request.user_id,
                source_job_id=request.job_id,
                channel_id=request.channel_id,
                card_channel_id=posted.channel_id if posted else None,
                card_ts=posted.ts if posted else None,
                response_url=request.response_url,
            )
        self._audit.close(record)
        return record

    def _after_unknown(
        self, request: RecreateRequest, record: AttemptRecord, error: OutcomeUnknown
    ) -> tuple[TrainingJob, str]:
        """Find out what an unanswered recreate did before saying anything; never send it again."""
        log.error(
            "request %s: recreate of %s/%s has an unknown outcome (%s): %s; looking for the job",
            request.request_id,
            record.source_project_id,
            request.job_id,
            error.reason,
            error.message,
        )
        self._audit.save(record.with_outcome(outcome=Outcome.OUTCOME_UNKNOWN, error=f"{error.reason}: {error.message}"))
        detail = _UNKNOWN_DETAIL.get(error.reason, "Baseten's answer was lost.").format(status=error.status)
        # A 2xx whose body could not be read proves a job exists even when it has not shown up yet.
        return self._settle_lost(
            request, record, detail, reason=error.reason, may_be_nothing=error.reason != "unreadable_response"
        )

    def _settle_lost(
        self, request: RecreateRequest, record: AttemptRecord, detail: str, *, reason: str, may_be_nothing: bool
    ) -> tuple[TrainingJob, str]:
        """The job this request made, if it surely made one; otherwise a _Stop that tells the requester what is
        known: nothing was created (with Retry) only when certain, else that the outcome is unknown."""
        assert record.sent_at is not None and record.copy_key is not None and record.source_project_id is not None
        lost = Lost(record.request_id, record.source_project_id, request.job_id, record.copy_key, record.sent_at)
        found = self._reconciler.find(lost)
        if found.job is not None:
            log.warning("request %s: found job %s created by the unanswered recreate", request.request_id, found.job.id)
            return found.job, f"Confirmed after an error: {detail} The new job was found in the project."
        if found.contested:
            ids = [job.id for job in found.contested]
            self._post_unknown(request, lost.project_id, detail, candidates=ids)
            raise _Stop(Outcome.OUTCOME_UNKNOWN, f"{reason}: could be job {', '.join(ids)}, also claimable", _NO_REPLY)
        if found.conclusive and may_be_nothing:
            retry = self._offer_retry(request, lost.project_id, detail, found.waited)
            raise _Stop(Outcome.FAILED, f"{reason}: no job appeared (retry offered as {retry})", _NO_REPLY)
        self._post_unknown(request, lost.project_id, detail)
        raise _Stop(
            Outcome.OUTCOME_UNKNOWN, f"{reason}: no job found, and Baseten could not be asked in full", _NO_REPLY
        )

    def _claim(self, job_id: str, request_id: str) -> None:
        """Mark the job as this request's, so no lost answer elsewhere reports it; a store failure must not hide it."""
        try:
            if not self._store.claim_new_job(job_id, request_id):
                log.error("request %s: job %s was already claimed by another request", request_id, job_id)
        except StoreError:
            log.exception("request %s: could not record that job %s is ours", request_id, job_id)

    def _post_unknown(
        self, request: RecreateRequest, project_id: str, detail: str, *, candidates: list[str] | None = None
    ) -> None:
        card = outcome_unknown_card(
            project_id=project_id,
            source_job_id=request.job_id,
            requester_id=request.user_id,
            check_url=self._links.training(),
            request_id=request.request_id,
            detail=detail,
            candidates=[(job_id, self._links.job(project_id, job_id)) for job_id in candidates or []],
        )
        self._delivery.card(
            card,
            channel_id=request.channel_id,
            user_id=request.user_id,
            response_url=request.response_url,
            what=f"the outcome-unknown notice for {request.job_id} (request {request.request_id})",
        )

    def _offer_retry(self, request: RecreateRequest, project_id: str, detail: str, waited: float | None) -> str:
        """Nothing was created, surely: say so, with a Retry only the requester can use."""
        retry = RecreateRequest(
            request_id=new_request_id(),
            user_id=request.user_id,
            channel_id=request.channel_id,
            team_id=request.team_id,
            response_url=request.response_url,
            job_id=request.job_id,
            project_id=project_id,
            command_text=f"retry of request {request.request_id}",
        )
        try:
            self._store.save_preview(
                Preview(
                    id=retry.request_id,
                    user_id=retry.user_id,
                    channel_id=retry.channel_id,
                    team_id=retry.team_id,
                    response_url=retry.response_url,
                    command_text=retry.command_text,
                    project_id=project_id,
                    job_id=request.job_id,
                    expires_at=self._clock() + timedelta(seconds=self.rules.confirm_ttl),
                )
            )
            self._audit.save(retry.attempt().with_outcome(outcome=Outcome.AWAITING_CONFIRMATION))
        except StoreError:
            log.exception("request %s: could not save the retry offer", request.request_id)
        message = preview.retry_offer(
            retry_id=retry.request_id,
            job_id=request.job_id,
            project_id=project_id,
            waited=None if waited is None else round(waited),
            detail=detail,
        )
        if (
            not self._delivery.reply(request.response_url, message)
            and self._delivery.post(request.user_id, message) is None
        ):
            log.error("request %s: could not tell %s that nothing was created", request.request_id, request.user_id)
        return retry.request_id

    def _say_waiting(self, request: RecreateRequest, seconds: float) -> None:
        if seconds >= _SAY_WAIT_AFTER:
            self._delivery.reply(request.response_url, replies.rate_limit_wait(request.job_id, seconds))

    # --- endings -------------------------------------------------------------------------------------------

    def _failure(self, request: RecreateRequest, error: BasetenError) -> _Stop:
        if isinstance(error, NotFound):
            return _Stop(Outcome.NOT_FOUND, "job not found", replies.job_not_found(request.job_id, request.project_id))
        log.warning("request %s: Baseten failed: %s: %s", request.request_id, type(error).__name__, error.message)
        reply = replies.baseten_failed(
            error, job_id=request.job_id, project_id=request.project_id, request_id=request.request_id
        )
        return _Stop(Outcome.FAILED, f"{type(error).__name__}: {error.message}", reply)

    def _store_down(self, request: RecreateRequest, record: AttemptRecord, action: str) -> AttemptRecord:
        """The store failed before anything was sent: nothing is created, and the requester is told why."""
        log.exception("request %s: could not %s", request.request_id, action)
        return self._finish(
            request,
            record.with_outcome(outcome=Outcome.ERROR, error="store unavailable"),
            replies.audit_unavailable(request.request_id),
        )

    def _finish(
        self, request: RecreateRequest, record: AttemptRecord, reply: Message, started: float | None = None
    ) -> AttemptRecord:
        if started is not None:
            record = record.with_outcome(baseten_ms=(time.monotonic() - started) * 1000)
        self._audit.save(record)
        if reply is not _NO_REPLY:
            self._delivery.reply(request.response_url, reply)
        self._audit.close(record)
        return record

    def _announce(self, request: RecreateRequest, job: TrainingJob, note: str | None) -> Posted | None:
        """Post the card. A job now exists, so no failure here may hide its ID."""
        url = self._links.job(job.training_project_id, job.id)
        log.info(
            "request %s: %s recreated %s as %s/%s (%s)",
            request.request_id,
            request.user_id,
            request.job_id,
            job.training_project_id,
            job.id,
            job.current_status,
        )
        try:
            card = job_card(
                job,
                source_job_id=request.job_id,
                requester_id=request.user_id,
                job_url=url,
                request_id=request.request_id,
                note=note,
            )
        except Exception:
            log.exception("request %s: could not build the card for new job %s", request.request_id, job.id)
            card = _plain_card(request, job.id, url)
        return self._post_card(request, card, job.id)

    def _post_card(self, request: RecreateRequest, card: Message, job_id: str) -> Posted | None:
        return self._delivery.card(
            card,
            channel_id=request.channel_id,
            user_id=request.user_id,
            response_url=request.response_url,
            what=f"the card for new job {job_id} (request {request.request_id})",
        )


def _plain_card(request: RecreateRequest, job_id: str, url: str) -> Message:
    """The card as one line of text, for when the job cannot be shown in full: its ID is never lost."""
    return Message.plain(
        f"<@{request.user_id}> recreated {code(request.job_id)} as {code(job_id)}: <{url}|open in Baseten>"
    )


_NO_REPLY = Message(text="")

_UNKNOWN_DETAIL = {
    "timeout": "Baseten did not answer in time.",
    "connection_lost": "The connection to Baseten dropped before it answered.",
    "server_error": "Baseten answered with an error (HTTP {status}) after receiving the request.",
    "unreadable_response": "Baseten accepted the request but its answer could not be read.",
}
