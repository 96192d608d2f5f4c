"""Baseten's training management API: typed models, errors and the HTTP client."""

from bot.baseten.client import BasetenClient
from bot.baseten.errors import (
    BasetenError,
    CallFailed,
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
from bot.baseten.models import InstanceType, JobList, JobStatus, ProjectSummary, TrainingJob

__all__ = [
    "BasetenClient",
    "BasetenError",
    "CallFailed",
    "InstanceType",
    "JobList",
    "JobStatus",
    "KeyRejected",
    "NoAnswer",
    "NotFound",
    "OutcomeUnknown",
    "ProjectSummary",
    "RateLimited",
    "Rejected",
    "ServerError",
    "TrainingJob",
    "UnexpectedAnswer",
    "Unreachable",
]
