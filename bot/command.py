"""Parse the text typed after `/recreate-job` into a typed command, forgiving of phone keyboards."""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.baseten.ids import is_hash_id
from bot.watch.commands import VERBS as WATCH_VERBS
from bot.watch.commands import UsageError, WatchCommand, parse_watch

USAGE_EXAMPLES = (
    "`/recreate-job <job_id>`",
    "`/recreate-job <project_id> <job_id>`",
    "`/recreate-job <link to the job in Baseten>`",
    "`/recreate-job history [count | job_id]`",
    "`/recreate-job watch`, `/recreate-job mute <project_id> <30m | 2h | 1d>`, `/recreate-job unmute <project_id>`",
)

# Characters phones and rich-text editors put around or inside what people type.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_QUOTES = "\"'`\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f\u00ab\u00bb\u2039\u203a"
_STRAY = _QUOTES + ".,;:!?()[]{}*_~"
_SLACK_LINK = re.compile(r"<([^<>|]+)(?:\|[^<>]*)?>")
_HELP_WORDS = frozenset({"help", "?", "-h", "--help", "usage"})
_JOB_VIEWS = frozenset({"logs", "jobs", "metrics", "checkpoints", "overview"})


@dataclass(frozen=True)
class Help:
    """Show how to use the command."""


@dataclass(frozen=True)
class History:
    """List recent recreations, or those involving `job_id`."""

    limit: int = 10
    job_id: str | None = None


@dataclass(frozen=True)
class Recreate:
    """Recreate `job_id`; `project_id` is None when the job must be looked up."""

    job_id: str
    project_id: str | None = None


Command = Help | History | Recreate | WatchCommand

HISTORY_DEFAULT = 10
HISTORY_MAX = 50


class CommandError(ValueError):
    """The text could not be understood; `str()` says what was wrong, for the person who typed it."""


def normalize(text: str) -> str:
    """Undo what Slack and phone keyboards do to typed text: entities, smart quotes, odd spaces."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    text = _SLACK_LINK.sub(lambda match: f" {match.group(1)} ", text)
    return html.unescape(text).strip()


def _tokens(text: str) -> list[str]:
    words = (word.strip(_STRAY) for word in re.split(r"[\s,]+", text))
    return [word for word in words if word]


def parse(text: str, *, app_hosts: frozenset[str] = frozenset()) -> Command:
    """Turn the command text into a `Command` or raise `CommandError` saying what is wrong."""
    words = _tokens(normalize(text))
    if not words or words[0].lower() in _HELP_WORDS:
        return Help()
    if words[0].lower() == "history":
        return _history(words[1:], app_hosts)
    if words[0].lower() in WATCH_VERBS:
        try:
            return parse_watch(words, app_hosts)
        except UsageError as problem:
            raise CommandError(str(problem)) from None
    if len(words) == 1:
        word = words[0]
        if "://" in word or word.lower().startswith(("app.", "api.", "www.")):
            return _from_link(word, app_hosts)
        if "/" in word:
            project, _, job = word.partition("/")
            return Recreate(job_id=_job_id(job, "job"), project_id=_job_id(project, "project"))
        return Recreate(job_id=_job_id(word, "job"))
    if len(words) == 2:
        return Recreate(job_id=_job_id(words[1], "job"), project_id=_job_id(words[0], "project"))
    raise CommandError(
        f"I expected a job ID, a project ID and a job ID, or a link to the job, but got {len(words)} words."
    )


def _history(words: list[str], app_hosts: frozenset[str]) -> History:
    if not words:
        return History(limit=HISTORY_DEFAULT)
    if len(words) > 1:
        raise CommandError("`history` takes one count or one job ID, like `history 20` or `history p7qr9qv`.")
    word = words[0]
    if word.isdigit() and len(word) <= 3:
        count = int(word)
        if not 1 <= count <= HISTORY_MAX:
            raise CommandError(f"`history` shows 1 to {HISTORY_MAX} entries.")
        return History(limit=count)
    target = parse(word, app_hosts=app_hosts)
    if not isinstance(target, Recreate):
        raise CommandError("`history` takes one count or one job ID, like `history 20` or `history p7qr9qv`.")
    return History(limit=HISTORY_MAX, job_id=target.job_id)


def _job_id(word: str, kind: str) -> str:
    candidate = word.strip(_STRAY).lower()
    if is_hash_id(candidate):
        return candidate
    shown = word if len(word) <= 40 else word[:39] + "…"
    raise CommandError(f"“{shown}” is not a Baseten {kind} ID. IDs are 4 to 32 letters and digits, like `p7qr9qv`.")


def _from_link(word: str, app_hosts: frozenset[str]) -> Recreate:
    url = word if "://" in word else f"https://{word}"
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:  # e.g. "Invalid IPv6 URL" for a stray "[" or "]" in the host
        raise CommandError("That link could not be read. Paste the link to the job's page in Baseten.") from None
    if not (host == "baseten.co" or host.endswith(".baseten.co") or host in app_hosts):
        raise CommandError("That link is not a Baseten link. Paste the link to the job's page in Baseten.")
    segments = [segment for segment in parts.path.lower().split("/") if segment]
    match segments:
        case ["training", "jobs", job, *_]:
            return Recreate(job_id=_job_id(job, "job"))
        case ["training", project, view, job, *_] if view in _JOB_VIEWS:
            return Recreate(job_id=_job_id(job, "job"), project_id=_job_id(project, "project"))
        case ["v1", "training_projects", project, "jobs", job, *_]:
            return Recreate(job_id=_job_id(job, "job"), project_id=_job_id(project, "project"))
    raise CommandError(
        "That Baseten link does not point at a training job. Open the job in Baseten and paste its link "
        "(it looks like …/training/<project>/logs/<job>)."
    )
