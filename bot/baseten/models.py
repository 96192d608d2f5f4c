"""Typed views of Baseten's training API responses (TrainingJobV1 and friends).

Unknown fields are ignored and nullable fields tolerated: the API grows faster than this file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.baseten.ids import is_hash_id


class _Model(BaseModel):
    # cache_strings: pydantic otherwise keeps up to 16,384 strings read from JSON for reuse. Baseten's values (job
    # IDs, timestamps) rarely repeat, so the cache only held on to them: a soak's memory kept growing by it.
    model_config = ConfigDict(extra="ignore", frozen=True, cache_strings="keys")


class JobStatus(StrEnum):
    PENDING = "TRAINING_JOB_PENDING"
    QUEUED = "TRAINING_JOB_QUEUED"
    CREATED = "TRAINING_JOB_CREATED"
    DEPLOYING = "TRAINING_JOB_DEPLOYING"
    RUNNING = "TRAINING_JOB_RUNNING"
    COMPLETED = "TRAINING_JOB_COMPLETED"
    DEPLOY_FAILED = "TRAINING_JOB_DEPLOY_FAILED"
    FAILED = "TRAINING_JOB_FAILED"
    STOPPED = "TRAINING_JOB_STOPPED"


ACTIVE_STATUSES = frozenset(
    {JobStatus.PENDING, JobStatus.QUEUED, JobStatus.CREATED, JobStatus.DEPLOYING, JobStatus.RUNNING}
)
TERMINAL_STATUSES = frozenset({JobStatus.COMPLETED, JobStatus.DEPLOY_FAILED, JobStatus.FAILED, JobStatus.STOPPED})

_STATUS_LABELS = {
    JobStatus.PENDING: "Pending (waiting for GPU capacity)",
    JobStatus.QUEUED: "Queued",
    JobStatus.CREATED: "Created",
    JobStatus.DEPLOYING: "Deploying",
    JobStatus.RUNNING: "Running",
    JobStatus.COMPLETED: "Completed",
    JobStatus.DEPLOY_FAILED: "Deploy failed",
    JobStatus.FAILED: "Failed",
    JobStatus.STOPPED: "Stopped",
}


def status_label(status: str) -> str:
    """A readable label; statuses this bot does not know are shown as Baseten sent them."""
    try:
        return _STATUS_LABELS[JobStatus(status)]
    except ValueError:
        return status


class InstanceType(_Model):
    id: str
    name: str
    memory_limit_mib: int
    millicpu_limit: int
    gpu_count: int = 0
    gpu_type: str | None = None
    gpu_memory_limit_mib: int | None = None

    @property
    def has_gpu(self) -> bool:
        return bool(self.gpu_type) and self.gpu_count > 0


class ProjectSummary(_Model):
    id: str
    name: str


class JobUser(_Model):
    email: str | None = None


class TrainingJob(_Model):
    id: str
    created_at: datetime
    current_status: str
    instance_type: InstanceType
    updated_at: datetime
    training_project_id: str
    training_project: ProjectSummary
    name: str | None = None
    error_message: str | None = None
    node_count: int = Field(default=1, ge=1)
    availability_model: str | None = None
    user: JobUser | None = None

    @field_validator("node_count", mode="before")
    @classmethod
    def _null_is_one(cls, value: Any) -> Any:
        return 1 if value is None else value

    @field_validator("id", "training_project_id")
    @classmethod
    def _hash_id(cls, value: str) -> str:
        # Checked here, once: an ID of another shape would otherwise fail later, when it is put in a URL.
        if not is_hash_id(value):
            raise ValueError(f"{value[:40]!r} is not a Baseten ID")
        return value

    @property
    def copy_key(self) -> str:
        """What every recreate of this job shares with it: project, name, instance type, nodes, availability."""
        parts = (
            self.training_project_id,
            self.name or "",
            self.instance_type.id,
            str(self.node_count),
            self.availability_model or "dedicated",
        )
        return "|".join(parts)

    @property
    def is_active(self) -> bool:
        return self.current_status in ACTIVE_STATUSES

    @property
    def total_gpus(self) -> int:
        return self.instance_type.gpu_count * self.node_count


class SearchJobsResponse(_Model):
    training_jobs: list[TrainingJob]


class JobResponse(_Model):
    training_job: TrainingJob


class RawJobsResponse(_Model):
    """A project's jobs, each still to be read on its own: one odd job must not hide the others."""

    training_jobs: list[dict[str, Any]]


@dataclass(frozen=True)
class JobList:
    jobs: list[TrainingJob]
    unreadable: int = 0
    """Jobs in the answer this bot could not read; "no such job here" is then not certain."""


class ProjectsResponse(_Model):
    training_projects: list[ProjectSummary]


class LogLine(_Model):
    """One line of a job's log (LogV1); `level` is None for lines Baseten detected no severity in."""

    timestamp: str
    """Epoch nanoseconds, as a string."""
    message: str
    replica: str | None = None
    level: str | None = None

    @property
    def at(self) -> datetime | None:
        try:
            return datetime.fromtimestamp(int(self.timestamp) / 1e9, UTC)
        except (ValueError, OverflowError, OSError):
            return None


class LogsResponse(_Model):
    logs: list[LogLine]
