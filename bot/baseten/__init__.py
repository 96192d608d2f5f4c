"""Baseten's training management API: typed models, errors and the HTTP client.

The client (and so httpx) loads only when it is used: message builders import the models and errors alone.
"""

from typing import TYPE_CHECKING, Any

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
from bot.baseten.models import InstanceType, JobList, JobStatus, LogLine, ProjectSummary, TrainingJob

if TYPE_CHECKING:
    from bot.baseten.client import BasetenClient


def __getattr__(name: str) -> Any:
    if name == "BasetenClient":
        from bot.baseten.client import BasetenClient  # noqa: PLC0415 - loads httpx only for those that call Baseten

        return BasetenClient
    raise AttributeError(name)


__all__ = [
    "BasetenClient",
    "BasetenError",
    "CallFailed",
    "InstanceType",
    "JobList",
    "JobStatus",
    "KeyRejected",
    "LogLine",
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
