"""Reading Baseten's answers: a 2xx body into its model, what an unreadable one becomes, and the IDs the client
will put in a URL."""

from __future__ import annotations

from typing import TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from bot.baseten.errors import BasetenError, OutcomeUnknown, UnexpectedAnswer
from bot.baseten.ids import is_hash_id
from bot.baseten.models import JobResponse, TrainingJob

Model = TypeVar("Model", bound=BaseModel)


def checked(identifier: str) -> str:
    if not is_hash_id(identifier):
        raise ValueError(f"refusing to put {identifier!r} in a Baseten URL")
    return identifier


def parse(response: httpx.Response, model: type[Model]) -> Model:
    try:
        return model.model_validate_json(response.content)
    except ValidationError as error:
        raise UnexpectedAnswer(
            f"Baseten answered with something unexpected ({summary(error)}).",
            status=response.status_code,
            body=response.text[:500],
        ) from error


def summary(error: ValidationError) -> str:
    """The first problem pydantic found, in a few words: where, and what."""
    first = error.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "body"
    more = f" and {error.error_count() - 1} more" if error.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}"


def acted_on(response: httpx.Response, what: str) -> TrainingJob:
    """The job a recreate or a stop acted on. A 2xx means Baseten acted: an unreadable body must not read as
    "nothing happened"."""
    try:
        return parse(response, JobResponse).training_job
    except BasetenError as error:
        raise OutcomeUnknown(
            f"Baseten accepted the {what} but its answer could not be read.",
            reason="unreadable_response",
            status=response.status_code,
            body=response.text[:500],
        ) from error
