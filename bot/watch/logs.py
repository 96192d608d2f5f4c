"""Reading a failed job's last log lines: the window ends just after the failure, newest first, shown oldest first."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.baseten import BasetenClient, BasetenError, TrainingJob
from bot.messages.diagnosis import Diagnosis

log = logging.getLogger(__name__)

LINES = 25
AFTER_FAILURE = timedelta(seconds=30)
"""How far past `updated_at` the window reaches: the last lines are written while the job is marked failed."""


def diagnose(baseten: BasetenClient, job: TrainingJob, lines: int = LINES) -> Diagnosis:
    """The last `lines` log lines before `job` failed; never raises for Baseten's sake, the alert goes out anyway."""
    end = job.updated_at + AFTER_FAILURE
    try:
        newest_first = baseten.job_logs(
            job.training_project_id,
            job.id,
            end_epoch_millis=int(end.timestamp() * 1000),
            direction="desc",
            limit=lines,
        )
    except BasetenError as error:
        log.warning("could not read the logs of job %s: %s", job.id, error.message)
        return Diagnosis(unreadable=_why(error))
    return Diagnosis(lines=tuple(reversed(newest_first)))


def _why(error: BasetenError) -> str:
    if error.status is not None:
        return f"Baseten answered {error.status}"
    return "Baseten did not answer"
