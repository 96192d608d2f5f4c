"""The recreate itself: find the job's project, ask Baseten for a new job, and tell the conversation."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from enum import StrEnum

from bot.baseten import BasetenClient, BasetenError, NotFound, OutcomeUnknown, TrainingJob
from bot.baseten.links import DashboardLinks
from bot.delivery import Delivery, Posted
from bot.messages import Message, replies
from bot.messages.card import job_card, outcome_unknown_card

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


class Result(StrEnum):
    CREATED = "created"
    NOT_FOUND = "not_found"
    FAILED = "failed"
    OUTCOME_UNKNOWN = "outcome_unknown"
    ERROR = "error"


@dataclass
class Outcome:
    result: Result
    project_id: str | None = None
    new_job: TrainingJob | None = None
    error: str | None = None
    baseten_ms: float = 0.0
    posted: Posted | None = None


class _NoSuchJob(Exception):
    def __init__(self, message: Message) -> None:
        super().__init__("job lookup failed")
        self.reply = message


class RecreateService:
    """Runs one recreate end to end. Every path ends with the requester knowing what happened."""

    def __init__(self, baseten: BasetenClient, delivery: Delivery, links: DashboardLinks) -> None:
        self._baseten = baseten
        self._delivery = delivery
        self._links = links

    def run(self, request: RecreateRequest) -> Outcome:
        started = time.monotonic()
        outcome = Outcome(Result.ERROR, project_id=request.project_id)
        try:
            outcome.project_id = self._project_of(request)
            outcome.new_job = self._baseten.recreate(outcome.project_id, request.job_id)
            outcome.result = Result.CREATED
        except _NoSuchJob as missing:
            outcome.result, outcome.error = Result.NOT_FOUND, "job not found"
            self._delivery.reply(request.response_url, missing.reply)
        except OutcomeUnknown as error:
            outcome.result, outcome.error = Result.OUTCOME_UNKNOWN, error.message
            log.error(
                "request %s: recreate of %s/%s has an unknown outcome (%s): %s",
                request.request_id,
                outcome.project_id,
                request.job_id,
                error.reason,
                error.message,
            )
            self._report_unknown(request, outcome.project_id or "", error)
        except NotFound:
            outcome.result, outcome.error = Result.NOT_FOUND, "job not found"
            self._delivery.reply(request.response_url, replies.job_not_found(request.job_id, request.project_id))
        except BasetenError as error:
            outcome.result, outcome.error = Result.FAILED, f"{type(error).__name__}: {error.message}"
            log.warning("request %s: Baseten failed: %s", request.request_id, outcome.error)
            self._delivery.reply(
                request.response_url,
                replies.baseten_failed(
                    error, job_id=request.job_id, project_id=request.project_id, request_id=request.request_id
                ),
            )
        except Exception as error:
            outcome.error = f"{type(error).__name__}: {error}"
            log.exception("request %s: unexpected error before any job was created", request.request_id)
            self._delivery.reply(request.response_url, replies.internal_error(request.request_id))
        finally:
            outcome.baseten_ms = (time.monotonic() - started) * 1000
        if outcome.new_job is not None:
            outcome.posted = self._announce(request, outcome.new_job)
        return outcome

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
