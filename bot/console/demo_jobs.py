"""The demo's job documents: how a job looks to the API and how its status follows the clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.console.demo_samples import FAILS_AFTER, PROJECTS, SampleJob

# How a new job moves along, in seconds since it was created.
_LIFECYCLE = (
    (0, "TRAINING_JOB_CREATED"),
    (3, "TRAINING_JOB_PENDING"),
    (8, "TRAINING_JOB_DEPLOYING"),
    (FAILS_AFTER, "TRAINING_JOB_RUNNING"),
    (45, "TRAINING_JOB_COMPLETED"),
)


class JobDocuments:
    """The job half of DemoBaseten: each job is a dict, and what the API shows of it is computed at each read."""

    _clock: Callable[[], datetime]

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
            "training_project": project(job["training_project_id"]),
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


def project(project_id: str) -> dict[str, str]:
    return {"id": project_id, "name": PROJECTS.get(project_id, project_id)}
