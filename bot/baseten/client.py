"""HTTP client for Baseten's training management API. Knows nothing of Slack."""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Callable, Collection
from typing import Any

import httpx
from pydantic import ValidationError

from bot.baseten.answers import acted_on, checked, parse, summary
from bot.baseten.calls import Calls
from bot.baseten.models import (
    JobList,
    JobResponse,
    LogLine,
    LogsResponse,
    ProjectsResponse,
    ProjectSummary,
    RawJobsResponse,
    SearchJobsResponse,
    TrainingJob,
)

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=10.0, pool=5.0)


class BasetenClient:
    """One `httpx.Client` with base URL, auth and timeouts; returns models, raises `BasetenError`s.

    Retry policy, per call: reads are retried on any transport failure or 5xx; a recreate or a stop is re-sent only
    when Baseten surely did not act (the connection never opened, or a 429).
    """

    def __init__(
        self,
        api_key: str,
        base_url: str = "https://api.baseten.co",
        *,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        attempts: int = 3,
        backoff: float = 0.5,
        max_rate_limit_wait: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        """`tls`: a trust store already loaded, shared by the bot's clients (loading one takes tens of ms)."""
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Api-Key {api_key}", "User-Agent": "recreate-job"},
            timeout=timeout,
            transport=transport,
            verify=tls if tls is not None else True,
        )
        self._call = Calls(
            self._http, attempts=attempts, backoff=backoff, max_rate_limit_wait=max_rate_limit_wait, sleep=sleep
        ).request

    def close(self) -> None:
        self._http.close()

    # --- the calls the bot makes -------------------------------------------------------------------------------

    def search_jobs(
        self, job_id: str | None = None, *, project_id: str | None = None, statuses: Collection[str] = ()
    ) -> list[TrainingJob]:
        """Jobs by job ID alone (as Baseten's CLIs find a job's project), or a project's (None: every project's)
        jobs in `statuses`; newest first."""
        body: dict[str, Any] = {"order_by": [{"field": "created_at", "order": "desc"}]}
        if job_id is not None:
            body["job_id"] = checked(job_id)
        if project_id is not None:
            body["project_id"] = checked(project_id)
        if statuses:
            body["statuses"] = sorted(statuses)
        response = self._call("POST", "/v1/training_jobs/search", body, idempotent=True)
        return parse(response, SearchJobsResponse).training_jobs

    def job_logs(
        self,
        project_id: str,
        job_id: str,
        *,
        end_epoch_millis: int | None = None,
        direction: str = "desc",
        limit: int = 25,
    ) -> list[LogLine]:
        """A job's log lines up to `end_epoch_millis`, in `direction` order. No `min_level`: Baseten would then
        drop the lines that carry no level, and tracebacks are such lines."""
        if direction not in ("asc", "desc"):
            raise ValueError(f"direction must be asc or desc, not {direction!r}")
        params: dict[str, Any] = {"direction": direction, "limit": max(1, min(limit, 1000))}
        if end_epoch_millis is not None:
            params["end_epoch_millis"] = end_epoch_millis
        path = f"/v1/training_projects/{checked(project_id)}/jobs/{checked(job_id)}/logs"
        return parse(self._call("GET", path, None, idempotent=True, params=params), LogsResponse).logs

    def list_projects(self) -> list[ProjectSummary]:
        """The training projects this key can see: a cheap read that proves the key works."""
        return parse(
            self._call("GET", "/v1/training_projects", None, idempotent=True), ProjectsResponse
        ).training_projects

    def get_job(self, project_id: str, job_id: str) -> TrainingJob:
        path = f"/v1/training_projects/{checked(project_id)}/jobs/{checked(job_id)}"
        return parse(self._call("GET", path, None, idempotent=True), JobResponse).training_job

    def list_jobs(self, project_id: str) -> JobList:
        """A project's jobs; any this bot cannot read are counted, not fatal."""
        path = f"/v1/training_projects/{checked(project_id)}/jobs"
        raw = parse(self._call("GET", path, None, idempotent=True), RawJobsResponse).training_jobs
        jobs: list[TrainingJob] = []
        for item in raw:
            try:
                jobs.append(TrainingJob.model_validate(item))
            except ValidationError as error:
                log.warning("project %s lists a job this bot cannot read: %s", project_id, summary(error))
        return JobList(jobs, unreadable=len(raw) - len(jobs))

    def recreate(
        self, project_id: str, job_id: str, *, on_rate_limit_wait: Callable[[float], None] | None = None
    ) -> TrainingJob:
        """Start a new job with the source job's configuration. Not idempotent: see the class docstring.

        `on_rate_limit_wait(seconds)` is called before each wait on a 429, so the requester can be told.
        """
        path = f"/v1/training_projects/{checked(project_id)}/jobs/{checked(job_id)}/recreate"
        response = self._call("POST", path, {}, idempotent=False, on_rate_limit_wait=on_rate_limit_wait)
        return acted_on(response, "recreate")

    def stop_job(self, project_id: str, job_id: str) -> TrainingJob:
        """Stop a job (`{}` body; StopTrainingJobResponseV1 names the stopped job). Sent as a recreate is: re-sent
        only when Baseten surely did not act; a lost answer raises OutcomeUnknown, for the caller to look up."""
        path = f"/v1/training_projects/{checked(project_id)}/jobs/{checked(job_id)}/stop"
        response = self._call("POST", path, {}, idempotent=False)
        return acted_on(response, "stop")
