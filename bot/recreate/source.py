"""Finding the source job: by project and ID, or by ID alone through Baseten's search, as its CLIs do."""

from __future__ import annotations

from bot.baseten import BasetenClient, BasetenError, TrainingJob
from bot.messages import replies
from bot.records import Outcome
from bot.recreate.endings import baseten_failure
from bot.recreate.request import Ended, RecreateRequest


def look_up(baseten: BasetenClient, request: RecreateRequest) -> TrainingJob | Ended:
    try:
        if request.project_id is not None:
            return baseten.get_job(request.project_id, request.job_id)
        matches = [job for job in baseten.search_jobs(request.job_id) if job.id == request.job_id]
    except BasetenError as error:
        return baseten_failure(request, error)
    projects = sorted({job.training_project_id for job in matches})
    if not projects:
        return Ended(Outcome.NOT_FOUND, "job not found", replies.job_not_found(request.job_id, None))
    if len(projects) > 1:
        return Ended(Outcome.NOT_FOUND, "job in several projects", replies.ambiguous_job(request.job_id, projects))
    return matches[0]
