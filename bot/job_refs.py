"""Finding training jobs in what people post: Baseten job links, and job IDs where a message says they are jobs."""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.command import CommandError, Recreate, normalize, parse

JobRef = Recreate
"""A job as a message names it: its ID, and its project when the message says."""

_URL = re.compile(r"(?:https?://)?(?:[a-z0-9-]+\.)*baseten\.co[^\s<>|\"'`]*|https?://[^\s<>|\"'`]+", re.IGNORECASE)
_URL_TAIL = ".,;:!?)]}*_~"
_WORD = re.compile(r"`[^`\n]+`|[A-Za-z0-9_]+")
# Words that say the IDs after them are jobs, or are something else (a project, the bot's request ID).
_JOB_WORDS = frozenset({"job", "jobs", "job_id", "jobid", "job_ids"})
_OTHER_WORDS = frozenset({"project", "projects", "project_id", "request", "requests", "request_id", "deployment"})
_MAX_JOBS = 10
_JOB_WINDOW = 2


def job_link(url: str, app_hosts: frozenset[str]) -> JobRef | None:
    """The job a link points at (both dashboard forms, and the API's), or None for any other link."""
    try:
        parsed = parse(url, app_hosts=app_hosts)
    except CommandError:
        return None
    return parsed if isinstance(parsed, Recreate) and "://" in url else None


def jobs_in(pieces: Iterable[str], app_hosts: frozenset[str]) -> list[JobRef]:
    """Every job the pieces of a message name, each once (links first in each piece); at most ten.

    A link names its job surely. A bare ID counts only where nothing else could be meant: in `code`, or after
    the word "job" ("job p7qr9qv", "*Job*\\n`p7qr9qv`"), or as a piece on its own. Phrases like "the job failed"
    name no job: an ID must hold a digit."""
    found: list[JobRef] = []
    for piece in pieces:
        text = normalize(piece)
        for match in _URL.finditer(text):
            ref = job_link(_full(match.group(0).rstrip(_URL_TAIL)), app_hosts)
            if ref is not None:
                found.append(ref)
        found += _labelled(_URL.sub(" ", text))
    return _unique(found)[:_MAX_JOBS]


def encode(ref: JobRef) -> str:
    """A button's value: `project/job`, or `job` when the project is not known."""
    return f"{ref.project_id}/{ref.job_id}" if ref.project_id else ref.job_id


def decode(value: str) -> JobRef | None:
    """What `encode` made; None for anything else (a value is whatever the payload says)."""
    try:
        parsed = parse(value)
    except CommandError:
        return None
    return parsed if isinstance(parsed, Recreate) and len(value) <= 80 else None


def _full(url: str) -> str:
    return url if "://" in url else f"https://{url}"


def _labelled(text: str) -> list[JobRef]:
    words = _WORD.findall(text)
    alone = len(words) == 1
    after_job = 0
    """Words left in which an ID still reads as the job's: "job p7qr9qv", but not "job p7qr9qv ran on h100"."""
    other = False
    found: list[JobRef] = []
    for word in words:
        bare = word.strip("`")
        lowered = bare.lower()
        if lowered in _JOB_WORDS or lowered.endswith("_job"):
            after_job, other = _JOB_WINDOW, False
        elif lowered in _OTHER_WORDS:
            after_job, other = 0, True
        elif _looks_like_id(bare) and (after_job > 0 or (not other and (word.startswith("`") or alone))):
            found.append(Recreate(job_id=bare))
            after_job = _JOB_WINDOW if after_job > 0 else 0
        else:
            after_job = max(0, after_job - 1)
    return found


def _looks_like_id(word: str) -> bool:
    return bool(re.fullmatch(r"[a-z0-9]{4,32}", word)) and any(c.isdigit() for c in word) and not word.isdigit()


def _unique(refs: list[JobRef]) -> list[JobRef]:
    """One entry per job; a link's project is kept over a bare ID of the same job."""
    by_job: dict[str, JobRef] = {}
    for ref in refs:
        known = by_job.get(ref.job_id)
        if known is None or (known.project_id is None and ref.project_id is not None):
            by_job[ref.job_id] = ref
    return list(by_job.values())
