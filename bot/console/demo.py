"""A simulated Baseten training API for `console --demo`: sample jobs, statuses that advance, errors on request."""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

H100X8 = {
    "id": "H100x8",
    "name": "H100 x8",
    "memory_limit_mib": 1_966_080,
    "millicpu_limit": 206_000,
    "gpu_count": 8,
    "gpu_type": "H100",
    "gpu_memory_limit_mib": 81_920,
}
A10G = {
    "id": "A10Gx1",
    "name": "A10G",
    "memory_limit_mib": 32_768,
    "millicpu_limit": 7_500,
    "gpu_count": 1,
    "gpu_type": "A10G",
    "gpu_memory_limit_mib": 24_576,
}
CPU8 = {
    "id": "CPU8",
    "name": "8 vCPU, 32 GiB",
    "memory_limit_mib": 32_768,
    "millicpu_limit": 8_000,
    "gpu_count": 0,
    "gpu_type": None,
    "gpu_memory_limit_mib": None,
}


@dataclass(frozen=True)
class SampleJob:
    project_id: str
    job_id: str
    name: str
    status: str
    instance: dict[str, Any]
    node_count: int = 1
    note: str = ""


PROJECTS = {"n4q95w5": "llama-finetune", "k2m8x4p": "whisper-distill", "c7v3n9q": "eval-suite"}
SAMPLES = (
    SampleJob("n4q95w5", "p7qr9qv", "llama-8b-sft", "TRAINING_JOB_COMPLETED", H100X8),
    SampleJob("n4q95w5", "r3unn1n", "llama-70b-lora", "TRAINING_JOB_RUNNING", H100X8, 2, "still running"),
    SampleJob("k2m8x4p", "w8fa1l5", "whisper-small", "TRAINING_JOB_FAILED", A10G, note="its copies fail too"),
    SampleJob("c7v3n9q", "e5cpu01", "nightly-eval", "TRAINING_JOB_COMPLETED", CPU8),
    SampleJob("n4q95w5", "s1ow0ne", "llama-8b-dpo", "TRAINING_JOB_COMPLETED", H100X8, note="Baseten is slow: 429"),
    SampleJob("k2m8x4p", "b0rked1", "whisper-large", "TRAINING_JOB_STOPPED", A10G, note="recreate answers 500"),
)
# Started with the demo, and fails by itself FAILS_AFTER seconds later: what the failure watch (watching its
# project, WATCHED) alerts, so the alert and its buttons can be tried without waiting for a real failure.
NIGHTLY = SampleJob("n4q95w5", "n1ghtly", "llama-8b-nightly", "TRAINING_JOB_RUNNING", H100X8, note="fails soon")
WATCHED = NIGHTLY.project_id
FAILS_AFTER = 15
# Job IDs that do something unusual when recreated, so a newcomer can see how the bot copes.
RATE_LIMITED = "s1ow0ne"
SERVER_ERROR = "b0rked1"
FAILS_LATER = "w8fa1l5"

# How a new job moves along, in seconds since it was created.
_LIFECYCLE = (
    (0, "TRAINING_JOB_CREATED"),
    (3, "TRAINING_JOB_PENDING"),
    (8, "TRAINING_JOB_DEPLOYING"),
    (FAILS_AFTER, "TRAINING_JOB_RUNNING"),
    (45, "TRAINING_JOB_COMPLETED"),
)

_JOB = re.compile(r"^/v1/training_projects/([a-z0-9]+)/jobs/([a-z0-9]+)(/recreate|/stop)?$")
_JOBS = re.compile(r"^/v1/training_projects/([a-z0-9]+)/jobs$")
_ENDED = ("TRAINING_JOB_COMPLETED", "TRAINING_JOB_DEPLOY_FAILED", "TRAINING_JOB_FAILED", "TRAINING_JOB_STOPPED")
_LOGS = re.compile(r"^/v1/training_projects/([a-z0-9]+)/jobs/([a-z0-9]+)/logs$")
# What a failed demo job printed last, with each line's level: a failure reply and an alert show these lines.
# The traceback has no level, as Baseten gives none to lines it cannot classify.
FAILURE_LOG = (
    ("INFO", "epoch 2 step 1180 loss=1.412 lr=1.8e-05"),
    ("INFO", "epoch 2 step 1200 loss=1.409 lr=1.8e-05"),
    (None, "Traceback (most recent call last):"),
    (None, '  File "/app/train.py", line 88, in <module>'),
    (None, "    loss.backward()"),
    ("ERROR", "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB"),
)


class DemoBaseten:
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
                return _ok({"training_project": _project(project_id), "training_jobs": jobs})
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
                    return _ok({"training_project": _project(project_id), "training_job": self._view(job)})
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

    # --- job documents -------------------------------------------------------------------------------------

    def _job(self, sample: SampleJob, created: datetime, *, fixed_status: str | None) -> dict[str, Any]:
        return {
            "id": sample.job_id,
            "name": sample.name,
            "created_at": created,
            "training_project_id": sample.project_id,
            "instance_type": dict(sample.instance),
            "node_count": sample.node_count,
            "fixed_status": fixed_status,
            "fails": False,
        }

    def _view(self, job: dict[str, Any]) -> dict[str, Any]:
        """The job as the API shows it now: its status follows the clock."""
        status, error = self._status(job)
        created: datetime = job["created_at"]
        return {
            "id": job["id"],
            "name": job["name"],
            "created_at": created.isoformat(),
            "updated_at": self._updated(job).isoformat(),
            "current_status": status,
            "error_message": error,
            "instance_type": job["instance_type"],
            "node_count": job["node_count"],
            "training_project_id": job["training_project_id"],
            "training_project": _project(job["training_project_id"]),
            "availability_model": "dedicated",
            "user": {"email": "ml-team@example.com"},
        }

    def _updated(self, job: dict[str, Any]) -> datetime:
        """When the job's status last changed: a sample's an hour after it was made, a new job's at each step."""
        created: datetime = job["created_at"]
        if job["fixed_status"]:
            return created + timedelta(hours=1)
        age = (self._clock() - created).total_seconds()
        if job["fails"] and age >= FAILS_AFTER:
            return created + timedelta(seconds=FAILS_AFTER)
        return created + timedelta(seconds=max(start for start, _ in _LIFECYCLE if age >= start))

    def _status(self, job: dict[str, Any]) -> tuple[str, str | None]:
        if job["fixed_status"]:
            failed = job["fixed_status"] == "TRAINING_JOB_FAILED"
            return job["fixed_status"], ("CUDA out of memory at step 1200" if failed else None)
        age = (self._clock() - job["created_at"]).total_seconds()
        status = next(name for start, name in reversed(_LIFECYCLE) if age >= start)
        if job["fails"] and status in ("TRAINING_JOB_RUNNING", "TRAINING_JOB_COMPLETED"):
            return "TRAINING_JOB_FAILED", "CUDA out of memory at step 1200"
        return status, None


def _project(project_id: str) -> dict[str, str]:
    return {"id": project_id, "name": PROJECTS.get(project_id, project_id)}


def _ok(body: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json=body)


def _error(status: int, message: str) -> httpx.Response:
    return httpx.Response(status, json={"message": message})
