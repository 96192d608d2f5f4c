"""Reading TrainingJobV1 as Baseten really sends it: extra fields, nulls, and statuses this bot does not know."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from bot.baseten.models import JobResponse, JobStatus, SearchJobsResponse, TrainingJob, status_label

# The shape of the spec's TrainingJobV1 (openapi-training.yaml), every optional field present.
SPEC_JOB: dict[str, Any] = {
    "id": "p7qr9qv",
    "created_at": "2026-11-26T09:30:00Z",
    "current_status": "TRAINING_JOB_RUNNING",
    "error_message": None,
    "instance_type": {
        "id": "H100x8",
        "name": "H100 x8",
        "memory_limit_mib": 1966080,
        "millicpu_limit": 206000,
        "gpu_count": 8,
        "gpu_type": "H100",
        "gpu_memory_limit_mib": 81920,
    },
    "node_count": 2,
    "updated_at": "2026-11-26T11:30:00Z",
    "training_project_id": "n4q95w5",
    "training_project": {"id": "n4q95w5", "name": "llama-finetune"},
    "name": "gpt-oss-job",
    "checkpoint_sync_status": None,
    "priority": 0,
    "availability_model": "dedicated",
    "user": {"email": "ml@example.com"},
}


def job(**changes: Any) -> TrainingJob:
    data = copy.deepcopy(SPEC_JOB)
    data.update(changes)
    return TrainingJob.model_validate(data)


def test_spec_shaped_job_is_read() -> None:
    parsed = job()
    assert parsed.id == "p7qr9qv"
    assert parsed.created_at == datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
    assert parsed.training_project.name == "llama-finetune"
    assert parsed.instance_type.gpu_type == "H100"
    assert parsed.name == "gpt-oss-job"
    assert parsed.user is not None
    assert parsed.user.email == "ml@example.com"
    assert parsed.is_active


def test_unknown_fields_are_tolerated() -> None:
    data = copy.deepcopy(SPEC_JOB)
    data["new_top_level_field"] = {"anything": [1, 2]}
    data["instance_type"]["gpu_interconnect"] = "nvlink"
    data["training_project"]["team"] = "research"
    assert TrainingJob.model_validate(data).id == "p7qr9qv"


def test_cpu_only_instance_has_null_gpu_fields() -> None:
    instance = {**SPEC_JOB["instance_type"], "gpu_count": 0, "gpu_type": None, "gpu_memory_limit_mib": None}
    parsed = job(instance_type=instance)
    assert not parsed.instance_type.has_gpu
    assert parsed.total_gpus == 0


def test_gpu_count_without_gpu_type_is_not_a_gpu_instance() -> None:
    parsed = job(instance_type={**SPEC_JOB["instance_type"], "gpu_type": None})
    assert not parsed.instance_type.has_gpu


@pytest.mark.parametrize("node_count", [None, "missing"])
def test_null_or_missing_node_count_means_one_node(node_count: str | None) -> None:
    data = copy.deepcopy(SPEC_JOB)
    if node_count == "missing":
        del data["node_count"]
    else:
        data["node_count"] = None
    parsed = TrainingJob.model_validate(data)
    assert parsed.node_count == 1
    assert parsed.total_gpus == 8


def test_total_gpus_counts_every_node() -> None:
    assert job(node_count=2).total_gpus == 16
    assert job(node_count=4).total_gpus == 32


def test_optional_fields_may_be_missing_or_null() -> None:
    data = copy.deepcopy(SPEC_JOB)
    for key in ("name", "error_message", "checkpoint_sync_status", "priority", "availability_model", "user"):
        del data[key]
    parsed = TrainingJob.model_validate(data)
    assert parsed.name is None
    assert parsed.user is None
    assert job(name=None, user=None).name is None


def test_required_field_missing_is_an_error() -> None:
    data = copy.deepcopy(SPEC_JOB)
    del data["training_project"]
    with pytest.raises(ValidationError):
        TrainingJob.model_validate(data)


@pytest.mark.parametrize(
    ("status", "label"),
    [
        ("TRAINING_JOB_PENDING", "Pending (waiting for GPU capacity)"),
        ("TRAINING_JOB_CREATED", "Created"),
        ("TRAINING_JOB_RUNNING", "Running"),
        ("TRAINING_JOB_DEPLOY_FAILED", "Deploy failed"),
        ("TRAINING_JOB_STOPPED", "Stopped"),
    ],
)
def test_known_statuses_have_readable_labels(status: str, label: str) -> None:
    assert status_label(status) == label


def test_unknown_status_is_shown_as_baseten_sent_it() -> None:
    parsed = job(current_status="TRAINING_JOB_HIBERNATING")
    assert status_label(parsed.current_status) == "TRAINING_JOB_HIBERNATING"
    assert not parsed.is_active


def test_active_and_terminal_statuses() -> None:
    assert job(current_status=JobStatus.PENDING).is_active
    assert job(current_status=JobStatus.DEPLOYING).is_active
    assert not job(current_status=JobStatus.COMPLETED).is_active
    assert not job(current_status=JobStatus.FAILED).is_active


def test_response_envelopes() -> None:
    one = JobResponse.model_validate({"training_project": SPEC_JOB["training_project"], "training_job": SPEC_JOB})
    assert one.training_job.id == "p7qr9qv"
    many = SearchJobsResponse.model_validate({"training_jobs": [SPEC_JOB, {**SPEC_JOB, "id": "abcd123"}]})
    assert [found.id for found in many.training_jobs] == ["p7qr9qv", "abcd123"]
    assert SearchJobsResponse.model_validate({"training_jobs": []}).training_jobs == []
