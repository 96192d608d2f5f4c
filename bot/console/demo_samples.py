"""The demo's sample jobs and what makes each one interesting: instance types, projects, the job that fails by
itself, the IDs that misbehave when recreated, and the log a failed job printed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
