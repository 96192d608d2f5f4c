"""A simulated Baseten training API for `console --demo`: sample jobs, statuses that advance, errors on request."""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bot.console.demo_jobs import JobDocuments, project
from bot.console.demo_samples import (
    FAILS_LATER,
    FAILURE_LOG,
    NIGHTLY,
    PROJECTS,
    RATE_LIMITED,
    SAMPLES,
    SERVER_ERROR,
    SampleJob,
)

_JOB = re.compile(r"^/v1/training_projects/([a-z0-9]+)/jobs/([a-z0-9]+)(/recreate|/stop)?$")
_JOBS = re.compile(r"^/v1/training_projects/([a-z0-9]+)/jobs$")
_ENDED = ("TRAINING_JOB_COMPLETED", "TRAINING_JOB_DEPLOY_FAILED", "TRAINING_JOB_FAILED", "TRAINING_JOB_STOPPED")
_LOGS = re.compile(r"^/v1/training_projects/([a-z0-9]+)/jobs/([a-z0-9]+)/logs$")


class DemoBaseten(JobDocuments):
    """Serves the parts of the training API the bot uses, from memory. Not a test double: a try-out backend."""

    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._rate_limited_once: set[str] = set()
        started = clock() - timedelta(days=1)
        self._jobs: dict[str, dict[str, Any]] = {}
        for number, sample in enumerate(SAMPLES):
            created = started + timedelta(minutes=17 * number)
            self._jobs[sample.job_id] = self._job(sample, created, fixed_status=sample.status)
        self._jobs[NIGHTLY.job_id] = self._job(NIGHTLY, clock(), fixed_status=None) | {"fails": True}

    def samples(self) -> list[SampleJob]:
        return list(SAMPLES)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self._handle)

    # --- the API -------------------------------------------------------------------------------------------

    def _handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        with self._lock:
            if request.method == "GET" and path == "/v1/training_projects":
                projects = [{"id": pid, "name": name} for pid, name in PROJECTS.items()]
                return _ok({"training_projects": projects})
            if request.method == "POST" and path == "/v1/training_jobs/search":
                return _ok({"training_jobs": self._search(json.loads(request.content or b"{}"))})
            if (match := _JOBS.match(path)) and request.method == "GET":
                project_id = match.group(1)
                if project_id not in PROJECTS:
                    return _error(404, f"Training project {project_id} not found")
                jobs = [self._view(job) for job in self._jobs.values() if job["training_project_id"] == project_id]
                return _ok({"training_project": project(project_id), "training_jobs": jobs})
            if (match := _LOGS.match(path)) and request.method == "GET":
                return self._logs(match.group(2), request.url.params)
            if match := _JOB.match(path):
                project_id, job_id, verb = match.groups()
                job = self._jobs.get(job_id)
                if job is None or job["training_project_id"] != project_id:
                    return _error(404, f"Training job {job_id} not found in project {project_id}")
                if verb == "/recreate" and request.method == "POST":
                    return self._recreate(job)
                if verb == "/stop" and request.method == "POST":
                    if self._status(job)[0] not in _ENDED:
                        job["fixed_status"] = "TRAINING_JOB_STOPPED"
                    return _ok({"training_job": self._view(job)})
                if request.method == "GET":
                    return _ok({"training_project": project(project_id), "training_job": self._view(job)})
        return _error(404, "Not found")

    def _search(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        """By job ID, project and current status, as the bot's lookups and the failure watch ask; newest first."""
        found = [
            view
            for view in map(self._view, self._jobs.values())
            if body.get("job_id") in (None, view["id"])
            and body.get("project_id") in (None, view["training_project_id"])
            and (not body.get("statuses") or view["current_status"] in body["statuses"])
        ]
        return sorted(found, key=lambda view: view["created_at"], reverse=True)

    def _logs(self, job_id: str, params: httpx.QueryParams) -> httpx.Response:
        job = self._jobs.get(job_id)
        if job is None:
            return _error(404, f"Training job {job_id} not found")
        if self._status(job)[0] != "TRAINING_JOB_FAILED":
            return _ok({"logs": []})
        # The last line was written as the job failed, a second apart before it.
        end = int(self._updated(job).timestamp()) * 10**9
        lines = [
            {"timestamp": str(end - n * 10**9), "message": message, "replica": "0", "level": level}
            for n, (level, message) in enumerate(reversed(FAILURE_LOG))
        ]
        if params.get("direction") == "asc":
            lines.reverse()
        return _ok({"logs": lines[: int(params.get("limit", len(lines)))]})

    def _recreate(self, source: dict[str, Any]) -> httpx.Response:
        if source["id"] == SERVER_ERROR:
            return _error(500, "Internal server error (simulated)")
        if source["id"] == RATE_LIMITED and source["id"] not in self._rate_limited_once:
            self._rate_limited_once.add(source["id"])
            return httpx.Response(429, json={"error": "Rate limit exceeded. Please try again later.", "retry_after": 6})
        new_id = f"d{next(self._ids):03d}{source['id'][:3]}"
        copy = SampleJob(
            source["training_project_id"], new_id, source["name"], "", source["instance_type"], source["node_count"]
        )
        job = self._job(copy, self._clock(), fixed_status=None)
        job["fails"] = source["id"] == FAILS_LATER or source["fails"]
        self._jobs[new_id] = job
        return _ok({"training_job": self._view(job)})


def _ok(body: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json=body)


def _error(status: int, message: str) -> httpx.Response:
    return httpx.Response(status, json={"message": message})
