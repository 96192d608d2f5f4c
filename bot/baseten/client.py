"""HTTP client for Baseten's training management API. Knows nothing of Slack."""

from __future__ import annotations

import json
import logging
import math
import ssl
import time
from collections.abc import Callable, Collection
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from bot.baseten.errors import (
    BasetenError,
    KeyRejected,
    NoAnswer,
    NotFound,
    OutcomeUnknown,
    RateLimited,
    Rejected,
    ServerError,
    UnexpectedAnswer,
    Unreachable,
)
from bot.baseten.ids import is_hash_id
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

Model = TypeVar("Model", bound=BaseModel)

# Errors raised before a single byte of the request left this process: Baseten cannot have acted.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

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
        self._attempts = max(1, attempts)
        self._backoff = backoff
        self._max_rate_limit_wait = max_rate_limit_wait
        self._sleep = sleep

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
            body["job_id"] = _checked(job_id)
        if project_id is not None:
            body["project_id"] = _checked(project_id)
        if statuses:
            body["statuses"] = sorted(statuses)
        response = self._call("POST", "/v1/training_jobs/search", body, idempotent=True)
        return _parse(response, SearchJobsResponse).training_jobs

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
        path = f"/v1/training_projects/{_checked(project_id)}/jobs/{_checked(job_id)}/logs"
        return _parse(self._call("GET", path, None, idempotent=True, params=params), LogsResponse).logs

    def list_projects(self) -> list[ProjectSummary]:
        """The training projects this key can see: a cheap read that proves the key works."""
        return _parse(
            self._call("GET", "/v1/training_projects", None, idempotent=True), ProjectsResponse
        ).training_projects

    def get_job(self, project_id: str, job_id: str) -> TrainingJob:
        path = f"/v1/training_projects/{_checked(project_id)}/jobs/{_checked(job_id)}"
        return _parse(self._call("GET", path, None, idempotent=True), JobResponse).training_job

    def list_jobs(self, project_id: str) -> JobList:
        """A project's jobs; any this bot cannot read are counted, not fatal."""
        path = f"/v1/training_projects/{_checked(project_id)}/jobs"
        raw = _parse(self._call("GET", path, None, idempotent=True), RawJobsResponse).training_jobs
        jobs: list[TrainingJob] = []
        for item in raw:
            try:
                jobs.append(TrainingJob.model_validate(item))
            except ValidationError as error:
                log.warning("project %s lists a job this bot cannot read: %s", project_id, _summary(error))
        return JobList(jobs, unreadable=len(raw) - len(jobs))

    def recreate(
        self, project_id: str, job_id: str, *, on_rate_limit_wait: Callable[[float], None] | None = None
    ) -> TrainingJob:
        """Start a new job with the source job's configuration. Not idempotent: see the class docstring.

        `on_rate_limit_wait(seconds)` is called before each wait on a 429, so the requester can be told.
        """
        path = f"/v1/training_projects/{_checked(project_id)}/jobs/{_checked(job_id)}/recreate"
        response = self._call("POST", path, {}, idempotent=False, on_rate_limit_wait=on_rate_limit_wait)
        try:
            return _parse(response, JobResponse).training_job
        except BasetenError as error:
            # A 2xx means a job was created; an unreadable body must not read as "nothing happened".
            raise OutcomeUnknown(
                "Baseten accepted the recreate but its answer could not be read.",
                reason="unreadable_response",
                status=response.status_code,
                body=response.text[:500],
            ) from error

    def stop_job(self, project_id: str, job_id: str) -> TrainingJob:
        """Stop a job (`{}` body; StopTrainingJobResponseV1 names the stopped job). Sent as a recreate is: re-sent
        only when Baseten surely did not act; a lost answer raises OutcomeUnknown, for the caller to look up."""
        path = f"/v1/training_projects/{_checked(project_id)}/jobs/{_checked(job_id)}/stop"
        response = self._call("POST", path, {}, idempotent=False)
        try:
            return _parse(response, JobResponse).training_job
        except BasetenError as error:
            raise OutcomeUnknown(
                "Baseten accepted the stop but its answer could not be read.",
                reason="unreadable_response",
                status=response.status_code,
                body=response.text[:500],
            ) from error

    # --- transport and retry policy ----------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        *,
        idempotent: bool,
        on_rate_limit_wait: Callable[[float], None] | None = None,
        params: dict[str, Any] | None = None,
    ) -> httpx.Response:
        waited_for_rate_limit = 0.0
        failures = 0
        while True:
            started = time.monotonic()
            try:
                response = self._http.request(method, path, json=body, params=params)
            except _NEVER_SENT as error:
                failures += 1
                if failures >= self._attempts:
                    raise Unreachable(f"Could not connect to Baseten ({type(error).__name__}).") from error
                self._sleep(self._backoff * 2 ** (failures - 1))
                continue
            except (httpx.HTTPError, RuntimeError) as error:
                # Any other failure once the request may have left (a dropped connection, an undecodable body,
                # httpx refusing a closed client) is, for a recreate, an unknown outcome: never a "nothing happened".
                if not idempotent:
                    reason = _unknown_reason(error)
                    raise OutcomeUnknown(f"Baseten did not answer ({type(error).__name__}).", reason=reason) from error
                failures += 1
                if failures >= self._attempts:
                    raise NoAnswer(f"Baseten did not answer ({type(error).__name__}).") from error
                self._sleep(self._backoff * 2 ** (failures - 1))
                continue
            log.debug(
                "baseten %s %s -> %s in %.0f ms",
                method,
                path,
                response.status_code,
                (time.monotonic() - started) * 1000,
            )
            if response.status_code == 429:
                retry_after = _retry_after(response)
                if waited_for_rate_limit + retry_after > self._max_rate_limit_wait:
                    raise RateLimited(
                        f"Baseten is rate limiting this API key; try again in {retry_after:.0f} s.",
                        retry_after=retry_after,
                    )
                waited_for_rate_limit += retry_after
                if on_rate_limit_wait is not None:
                    on_rate_limit_wait(retry_after)
                self._sleep(retry_after)
                continue
            if response.status_code >= 500:
                if not idempotent:
                    raise OutcomeUnknown(
                        f"Baseten answered {response.status_code} after receiving the request.",
                        reason="server_error",
                        status=response.status_code,
                        body=response.text[:500],
                    )
                failures += 1
                if failures >= self._attempts:
                    raise ServerError(
                        f"Baseten answered {response.status_code}.",
                        status=response.status_code,
                        body=response.text[:500],
                    )
                self._sleep(self._backoff * 2 ** (failures - 1))
                continue
            if response.status_code >= 400:
                raise _client_error(response)
            return response


def _unknown_reason(error: Exception) -> str:
    if isinstance(error, httpx.TimeoutException):
        return "timeout"
    if isinstance(error, httpx.DecodingError):
        # The status line arrived, so Baseten answered; only its body was unreadable.
        return "unreadable_response"
    return "connection_lost"


def _checked(identifier: str) -> str:
    if not is_hash_id(identifier):
        raise ValueError(f"refusing to put {identifier!r} in a Baseten URL")
    return identifier


def _parse(response: httpx.Response, model: type[Model]) -> Model:
    try:
        return model.model_validate_json(response.content)
    except ValidationError as error:
        raise UnexpectedAnswer(
            f"Baseten answered with something unexpected ({_summary(error)}).",
            status=response.status_code,
            body=response.text[:500],
        ) from error


def _summary(error: ValidationError) -> str:
    """The first problem pydantic found, in a few words: where, and what."""
    first = error.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "body"
    more = f" and {error.error_count() - 1} more" if error.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}"


def _error_message(response: httpx.Response) -> str:
    """Baseten's own words: `message`, then `detail`, then `error`, then the raw text."""
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        data = None
    if isinstance(data, dict):
        for key in ("message", "detail", "error"):
            value = data.get(key)
            if isinstance(value, str):
                if value.strip():
                    return value.strip()
            elif value:
                return json.dumps(value)[:500]
    text = response.text.strip()
    return text[:500] if text else f"HTTP {response.status_code}"


def _retry_after(response: httpx.Response) -> float:
    candidates: list[Any] = []
    try:
        data = response.json()
        if isinstance(data, dict):
            candidates.append(data.get("retry_after"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        pass
    candidates.append(response.headers.get("Retry-After"))
    for value in candidates:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            continue
        if math.isfinite(seconds) and seconds >= 0:
            return seconds
    return 1.0


def _client_error(response: httpx.Response) -> BasetenError:
    status = response.status_code
    message = _error_message(response)
    body = response.text[:500]
    if status in (401, 403):
        return KeyRejected(message, status=status, body=body)
    if status == 404:
        return NotFound(message, status=status, body=body)
    return Rejected(message, status=status, body=body)
