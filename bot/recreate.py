"""The recreate itself: find the job's project, ask Baseten for a new job, and tell the conversation."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass

from bot.audit import AuditTrail
from bot.baseten import BasetenClient, BasetenError, NotFound, OutcomeUnknown, TrainingJob
from bot.baseten.links import DashboardLinks
from bot.delivery import Delivery, Posted
from bot.messages import Message, replies
from bot.messages.card import gpu_count_summary, job_card, outcome_unknown_card
from bot.store import AttemptRecord, Outcome, Verdict

log = logging.getLogger(__name__)


def new_request_id() -> str:
    """A short ID that ties a card's footer, the log lines and the audit record together."""
    return uuid.uuid4().hex[:12]


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


class _NoSuchJob(Exception):
    def __init__(self, message: Message) -> None:
        super().__init__("job lookup failed")
        self.reply = message


class RecreateService:
    """Runs one recreate end to end. Every path ends with the requester knowing what happened."""

    def __init__(self, baseten: BasetenClient, delivery: Delivery, links: DashboardLinks, audit: AuditTrail) -> None:
        self._baseten = baseten
        self._delivery = delivery
        self._links = links
        self._audit = audit

    def run(self, request: RecreateRequest, record: AttemptRecord) -> AttemptRecord:
        """Recreate, record the result before telling anyone, then tell the requester or the channel."""
        started = time.monotonic()
        project_id = request.project_id
        reply: Message | None = None
        unknown: OutcomeUnknown | None = None
        try:
            project_id = self._project_of(request)
            job = self._baseten.recreate(project_id, request.job_id)
        except _NoSuchJob as missing:
            record = record.with_outcome(outcome=Outcome.NOT_FOUND, error="job not found")
            reply = missing.reply
        except OutcomeUnknown as error:
            unknown = error
            record = record.with_outcome(outcome=Outcome.OUTCOME_UNKNOWN, error=f"{error.reason}: {error.message}")
            log.error(
                "request %s: recreate of %s/%s has an unknown outcome (%s): %s",
                request.request_id,
                project_id,
                request.job_id,
                error.reason,
                error.message,
            )
        except NotFound:
            record = record.with_outcome(outcome=Outcome.NOT_FOUND, error="job not found")
            reply = replies.job_not_found(request.job_id, request.project_id)
        except BasetenError as error:
            record = record.with_outcome(outcome=Outcome.FAILED, error=f"{type(error).__name__}: {error.message}")
            log.warning("request %s: Baseten failed: %s", request.request_id, record.error)
            reply = replies.baseten_failed(
                error, job_id=request.job_id, project_id=request.project_id, request_id=request.request_id
            )
        except Exception as error:
            record = record.with_outcome(outcome=Outcome.ERROR, error=f"{type(error).__name__}: {error}")
            log.exception("request %s: unexpected error before any job was created", request.request_id)
            reply = replies.internal_error(request.request_id)
        else:
            record = record.with_outcome(
                outcome=Outcome.CREATED,
                new_job_id=job.id,
                new_job_status=job.current_status,
                instance_type=job.instance_type.name,
                gpus=gpu_count_summary(job),
            )
        record = record.with_outcome(source_project_id=project_id, baseten_ms=(time.monotonic() - started) * 1000)
        # Stored before any reply, so a crash from here on still leaves a record of what Baseten did.
        self._audit.save(record)
        if record.outcome is Outcome.CREATED:
            posted = self._announce(request, job)
            if posted is not None:
                record = record.with_outcome(
                    card_route=posted.route.value, card_channel_id=posted.channel_id, card_ts=posted.ts
                )
        elif unknown is not None:
            self._report_unknown(request, project_id or "", unknown)
        elif reply is not None:
            self._delivery.reply(request.response_url, reply)
        self._audit.close(record)
        return record

    def _project_of(self, request: RecreateRequest) -> str:
        if request.project_id is not None:
            return request.project_id
        matches = [job for job in self._baseten.search_jobs(request.job_id) if job.id == request.job_id]
        projects = sorted({job.training_project_id for job in matches})
        if not projects:
            raise _NoSuchJob(replies.job_not_found(request.job_id, None))
        if len(projects) > 1:
            raise _NoSuchJob(replies.ambiguous_job(request.job_id, projects))
        return projects[0]

    def _announce(self, request: RecreateRequest, job: TrainingJob) -> Posted | None:
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
            )
        except Exception:
            log.exception("request %s: could not build the card for new job %s", request.request_id, job.id)
            card = Message.plain(
                f"<@{request.user_id}> recreated `{request.job_id}` as `{job.id}`: <{url}|open in Baseten>"
            )
        return self._delivery.card(
            card,
            channel_id=request.channel_id,
            user_id=request.user_id,
            response_url=request.response_url,
            what=f"the card for new job {job.id} (request {request.request_id})",
        )

    def _report_unknown(self, request: RecreateRequest, project_id: str, error: OutcomeUnknown) -> None:
        detail = {
            "timeout": "Baseten did not answer in time.",
            "connection_lost": "the connection to Baseten dropped before it answered.",
            "server_error": f"Baseten answered with an error (HTTP {error.status}) after receiving the request.",
            "unreadable_response": "Baseten accepted the request but its answer could not be read.",
        }.get(error.reason, "Baseten's answer was lost.")
        card = outcome_unknown_card(
            project_id=project_id,
            source_job_id=request.job_id,
            requester_id=request.user_id,
            check_url=self._links.training(),
            request_id=request.request_id,
            detail=detail,
        )
        self._delivery.card(
            card,
            channel_id=request.channel_id,
            user_id=request.user_id,
            response_url=request.response_url,
            what=f"the outcome-unknown notice for {project_id}/{request.job_id} (request {request.request_id})",
        )
