"""A fake of Baseten's training API that follows openapi-training.yaml: over loopback HTTP or as a MockTransport."""

from __future__ import annotations

import itertools
import re
import threading
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bot.console.demo_samples import A10G, H100X8
from tests.fakes.http import LoopbackServer, Request, Response

API_KEY = "bt-test-key-123456"
__all__ = ["A10G", "API_KEY", "CPU_ONLY", "H100X8", "FakeBaseten"]

CPU_ONLY: dict[str, Any] = {
    "id": "CPU4",
    "name": "4 vCPU, 16 GiB",
    "memory_limit_mib": 16_384,
    "millicpu_limit": 4_000,
    "gpu_count": 0,
    "gpu_type": None,
    "gpu_memory_limit_mib": None,
}

_ENDED = ("TRAINING_JOB_COMPLETED", "TRAINING_JOB_DEPLOY_FAILED", "TRAINING_JOB_FAILED", "TRAINING_JOB_STOPPED")
_JOBS = re.compile(r"^/v1/training_projects/([^/]+)/jobs$")
_JOB = re.compile(r"^/v1/training_projects/([^/]+)/jobs/([^/]+)$")
_RECREATE = re.compile(r"^/v1/training_projects/([^/]+)/jobs/([^/]+)/recreate$")
_LOGS = re.compile(r"^/v1/training_projects/([^/]+)/jobs/([^/]+)/logs$")
_STOP = re.compile(r"^/v1/training_projects/([^/]+)/jobs/([^/]+)/stop$")


@dataclass
class Seen:
    method: str
    path: str
    body: Any
    authorization: str
    query: dict[str, str] | None = None


class FakeBaseten:
    """Projects and jobs in memory; `recreate` really creates a job. Script failures with `fail()`."""

    def __init__(self, api_key: str = API_KEY) -> None:
        self.api_key = api_key
        self.projects: dict[str, str] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.seen: list[Seen] = []
        self.logs: dict[str, list[dict[str, Any]]] = defaultdict(list)
        """Each job's log lines (LogV1), oldest first; add them with `add_logs`."""
        self.delays: dict[str, float] = defaultdict(float)
        self._failures: dict[str, deque[Response]] = defaultdict(deque)
        self._ids = itertools.count(1)
        self.recreate_script: dict[str, Response] = {}
        self.on_recreate: Callable[[], object] | None = None
        self.on_stop: Callable[[], object] | None = None
        """Called as a stop arrives, before it is answered: what happens elsewhere while the stop is under way."""
        self.rewrite_recreate: Callable[[dict[str, Any]], dict[str, Any]] | None = None
        self._lock = threading.Lock()
        self._server: LoopbackServer | None = None

    # --- data -----------------------------------------------------------------------------------------------

    def add_job(
        self,
        project_id: str = "n4q95w5",
        job_id: str = "p7qr9qv",
        *,
        project_name: str = "llama-finetune",
        name: str | None = "gpt-oss-job",
        instance: dict[str, Any] | None = None,
        status: str = "TRAINING_JOB_COMPLETED",
        node_count: int = 1,
        **extra: Any,
    ) -> dict[str, Any]:
        self.projects[project_id] = project_name
        now = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
        job = {
            "id": job_id,
            "created_at": now.isoformat(),
            "updated_at": (now + timedelta(hours=2)).isoformat(),
            "current_status": status,
            "error_message": None,
            "instance_type": dict(instance or H100X8),
            "node_count": node_count,
            "training_project_id": project_id,
            "training_project": {"id": project_id, "name": project_name},
            "name": name,
            "priority": 0,
            "availability_model": "dedicated",
            "user": {"email": "ml@example.com"},
            **extra,
        }
        with self._lock:
            self.jobs[job_id] = job
        return job

    def add_fresh_job(self, job_id: str, *, like: str = "p7qr9qv", name: str | None = None) -> dict[str, Any]:
        """A job made just now by someone else (the dashboard, a CLI), on the same hardware as `like`."""
        now = datetime.now(UTC).isoformat()
        with self._lock:
            job = {**self.jobs[like], "id": job_id, "name": name, "created_at": now, "updated_at": now}
            job["current_status"] = "TRAINING_JOB_CREATED"
            self.jobs[job_id] = job
        return job

    def add_logs(self, job_id: str, messages: list[str], *, end: datetime, level: str | None = None) -> None:
        """Log lines for `job_id`, one second apart, the last at `end`."""
        with self._lock:
            for index, message in enumerate(messages):
                moment = end - timedelta(seconds=len(messages) - 1 - index)
                nanos = int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1000
                line = {"timestamp": str(nanos), "message": message, "replica": "r0", "level": level}
                self.logs[job_id].append(line)

    def created(self) -> list[dict[str, Any]]:
        """Jobs made by recreate calls, oldest first."""
        with self._lock:
            return [job for job in self.jobs.values() if job.get("recreated_from")]

    def calls(self, kind: str) -> list[Seen]:
        with self._lock:
            return [seen for seen in self.seen if _kind(seen.method, seen.path) == kind]

    # --- scripting ------------------------------------------------------------------------------------------

    def fail(self, kind: str, status: int, body: Any = None, *, times: int = 1, **response: Any) -> None:
        """The next `times` calls of `kind` (search, get, list, recreate, stop, projects) get this answer instead."""
        for _ in range(times):
            self._failures[kind].append(Response(status=status, body=body, **response))

    def script_recreate(self, answers: dict[str, Response]) -> None:
        """One answer per source job ID. A 4xx/5xx is answered without acting; anything else acts first (the
        job is made), then is answered after its delay: dropped if `drop`, else the real answer."""
        self.recreate_script.update(answers)

    def fail_after_acting(self, kind: str, response: Response) -> None:
        """The call does its work (a recreate creates the job), then answers with `response`."""
        self._failures[f"{kind}:after"].append(response)

    # --- serving --------------------------------------------------------------------------------------------

    def route(self, request: Request) -> Response:
        kind = _kind(request.method, request.path)
        body = request.json() if request.body else None
        with self._lock:
            self.seen.append(
                Seen(request.method, request.path, body, request.headers.get("authorization", ""), dict(request.query))
            )
            failure = self._failures[kind].popleft() if self._failures[kind] else None
            after = self._failures[f"{kind}:after"].popleft() if self._failures[f"{kind}:after"] else None
        delay = self.delays[kind]
        if kind == "recreate":
            if self.on_recreate is not None:
                self.on_recreate()
            scripted = self._scripted(request.path)
            if scripted is not None:
                return scripted if scripted.status >= 400 and not scripted.drop else self._acted(request, scripted)
        if kind == "stop" and self.on_stop is not None:
            self.on_stop()
        if failure is not None:
            failure.delay = failure.delay or delay
            return failure
        if request.headers.get("authorization") not in (f"Api-Key {self.api_key}", f"Bearer {self.api_key}"):
            return Response(401, {"message": "Invalid API key"}, delay=delay)
        answer = self._answer(kind, request, body)
        answer.delay = answer.delay or delay
        if after is not None:
            after.delay = after.delay or delay
            return after
        return answer

    def _scripted(self, path: str) -> Response | None:
        match = _RECREATE.match(path)
        if match is None:
            return None
        with self._lock:
            return self.recreate_script.pop(match.group(2), None)

    def _acted(self, request: Request, scripted: Response) -> Response:
        answer = self._answer("recreate", request, None)
        if scripted.drop:
            return Response(drop=True, delay=scripted.delay)
        answer.delay = scripted.delay
        return answer

    def _answer(self, kind: str, request: Request, body: Any) -> Response:
        with self._lock:
            if kind == "search":
                wanted = (body or {}).get("job_id")
                project = (body or {}).get("project_id")
                statuses = (body or {}).get("statuses")
                found = [
                    job
                    for job in self.jobs.values()
                    if wanted in (None, job["id"])
                    and project in (None, job["training_project_id"])
                    and (statuses is None or job["current_status"] in statuses)
                ]
                found.sort(key=lambda job: job["created_at"], reverse=True)
                return Response(200, {"training_jobs": found})
            if kind == "projects":
                projects = [{"id": pid, "name": name} for pid, name in self.projects.items()]
                return Response(200, {"training_projects": projects})
            if kind == "list":
                match = _JOBS.match(request.path)
                assert match
                project_id = match.group(1)
                if project_id not in self.projects:
                    return Response(404, {"message": f"Training project {project_id} not found"})
                jobs = [job for job in self.jobs.values() if job["training_project_id"] == project_id]
                return Response(200, {"training_project": self._project(project_id), "training_jobs": jobs})
            if kind == "logs":
                return self._logs(request)
            if kind == "stop":
                return self._stop(request)
            if kind in ("get", "recreate"):
                pattern = _JOB if kind == "get" else _RECREATE
                match = pattern.match(request.path)
                assert match
                project_id, job_id = match.groups()
                job = self.jobs.get(job_id)
                if job is None or job["training_project_id"] != project_id:
                    return Response(404, {"message": f"Training job {job_id} not found"})
                if kind == "get":
                    return Response(200, {"training_project": self._project(project_id), "training_job": job})
                return Response(200, {"training_job": self._recreate(job)})
        return Response(404, {"message": "Not found"})

    def _logs(self, request: Request) -> Response:
        """GET .../logs: lines up to end_epoch_millis (default now), in `direction`, at most `limit`."""
        match = _LOGS.match(request.path)
        assert match
        project_id, job_id = match.groups()
        job = self.jobs.get(job_id)
        if job is None or job["training_project_id"] != project_id:
            return Response(404, {"message": f"Training job {job_id} not found"})
        query = request.query
        end = int(query.get("end_epoch_millis") or datetime.now(UTC).timestamp() * 1000) * 1_000_000
        start = int(query["start_epoch_millis"]) * 1_000_000 if "start_epoch_millis" in query else end - 1800 * 10**9
        lines = [line for line in self.logs[job_id] if start <= int(line["timestamp"]) <= end]
        if query.get("min_level"):
            lines = [line for line in lines if line["level"] is not None]
        if query.get("direction") == "desc":
            lines.reverse()
        return Response(200, {"logs": lines[: int(query.get("limit") or 500)]})

    def _stop(self, request: Request) -> Response:
        """POST .../stop: an active job becomes STOPPED; one already finished is answered as it is."""
        match = _STOP.match(request.path)
        assert match
        project_id, job_id = match.groups()
        job = self.jobs.get(job_id)
        if job is None or job["training_project_id"] != project_id:
            return Response(404, {"message": f"Training job {job_id} not found"})
        if job["current_status"] not in _ENDED:
            job["current_status"] = "TRAINING_JOB_STOPPED"
            job["updated_at"] = datetime.now(UTC).isoformat()
        return Response(200, {"training_job": job})

    def _project(self, project_id: str) -> dict[str, str]:
        return {"id": project_id, "name": self.projects[project_id]}

    def _recreate(self, source: dict[str, Any]) -> dict[str, Any]:
        new_id = f"new{next(self._ids):04d}"
        now = datetime.now(UTC).isoformat()
        job = {
            **source,
            "id": new_id,
            "created_at": now,
            "updated_at": now,
            "current_status": "TRAINING_JOB_CREATED",
            "error_message": None,
            "recreated_from": source["id"],
        }
        self.jobs[new_id] = job
        answer = {key: value for key, value in job.items() if key != "recreated_from"}
        return self.rewrite_recreate(answer) if self.rewrite_recreate is not None else answer

    # --- transports -----------------------------------------------------------------------------------------

    def transport(self) -> httpx.MockTransport:
        """In-process transport; delays are ignored and a dropped connection becomes a ReadError."""

        def handle(request: httpx.Request) -> httpx.Response:
            fake_request = Request(
                method=request.method,
                path=request.url.path,
                headers={k.lower(): v for k, v in request.headers.items()},
                body=request.content,
                query=dict(request.url.params),
            )
            response = self.route(fake_request)
            if response.drop:
                raise httpx.ReadError("connection dropped", request=request)
            return httpx.Response(response.status, json=response.body, headers=response.headers)

        return httpx.MockTransport(handle)

    def start(self) -> FakeBaseten:
        self._server = LoopbackServer(self.route).start()
        return self

    @property
    def url(self) -> str:
        assert self._server is not None
        return self._server.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()


def _kind(method: str, path: str) -> str:
    if path == "/v1/training_jobs/search":
        return "search"
    if _STOP.match(path):
        return "stop"
    if _LOGS.match(path):
        return "logs"
    if _RECREATE.match(path):
        return "recreate"
    if _JOB.match(path):
        return "get"
    if _JOBS.match(path):
        return "list"
    if method == "GET" and path == "/v1/training_projects":
        return "projects"
    return f"{method} {path}"
