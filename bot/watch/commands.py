"""`/recreate-job watch`, `mute <project> <duration>` and `unmute <project>`: their words into typed commands."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from bot.baseten.ids import is_hash_id
from bot.watch.mutes import LONGEST, SHORTEST

VERBS = frozenset({"watch", "watching", "mute", "unmute"})
MUTE_USAGE = "`mute` takes a project ID and how long, like `mute n4q95w5 2h` (minutes `m`, hours `h`, days `d`)."
UNMUTE_USAGE = "`unmute` takes the project ID to hear from again, like `unmute n4q95w5`."
_UNITS = {"m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60, "h": 3600, "hr": 3600, "hrs": 3600}
_UNITS |= {"hour": 3600, "hours": 3600, "d": 86400, "day": 86400, "days": 86400}
_PART = re.compile(r"(\d{1,4})([a-z]+)")
_FILLER = frozenset({"for"})


@dataclass(frozen=True)
class WatchStatus:
    """Show the caller what is watched, what is muted and until when, and the last failures alerted."""


@dataclass(frozen=True)
class MuteProject:
    project_id: str
    duration: timedelta


@dataclass(frozen=True)
class UnmuteProject:
    project_id: str


WatchCommand = WatchStatus | MuteProject | UnmuteProject


class UsageError(ValueError):
    """What was wrong with the words, for the person who typed them."""


def parse_watch(words: list[str], app_hosts: frozenset[str] = frozenset()) -> WatchCommand:
    """`words` start with one of VERBS (any case); the rest is checked here."""
    verb, rest = words[0].lower(), [word for word in words[1:] if word.lower() not in _FILLER]
    if verb in ("watch", "watching"):
        if rest and rest != ["status"]:
            raise UsageError("`watch` takes nothing more: it shows what is watched and muted.")
        return WatchStatus()
    if verb == "unmute":
        if len(rest) != 1:
            raise UsageError(UNMUTE_USAGE)
        return UnmuteProject(_project(rest[0], app_hosts, UNMUTE_USAGE))
    projects = [word for word in rest if _looks_like_project(word)]
    if len(projects) != 1 or len(rest) < 2:
        raise UsageError(MUTE_USAGE)
    # "2h", "2 h", "1h 30m" and "90 min" alike: the words that are not the project are the duration.
    spoken = "".join(word.lower() for word in rest if word is not projects[0])
    duration = duration_of(spoken)
    if duration is None:
        raise UsageError(f"I could not read how long from “{_shown(spoken)}”. {MUTE_USAGE}")
    if not SHORTEST <= duration <= LONGEST:
        raise UsageError(f"A mute lasts from 1 minute to {LONGEST.days} days, like `mute n4q95w5 2h`.")
    return MuteProject(_project(projects[0], app_hosts, MUTE_USAGE), duration)


def duration_of(text: str) -> timedelta | None:
    """`30m`, `2h`, `1d`, `1h30m`, `90min` as a timedelta; None when it is not a duration."""
    text = text.lower()
    parts = _PART.findall(text)
    if not parts or "".join(number + unit for number, unit in parts) != text:
        return None
    if any(unit not in _UNITS for _, unit in parts):
        return None
    return timedelta(seconds=sum(int(number) * _UNITS[unit] for number, unit in parts))


def _looks_like_project(word: str) -> bool:
    """A link, or an ID that is neither a duration (`30min` is a valid ID too) nor one word of one (`90`, `min`)."""
    lowered = word.lower()
    if "://" in word or lowered.startswith(("app.", "api.", "www.")):
        return True
    return not (duration_of(lowered) is not None or lowered.isdigit() or lowered in _UNITS)


def _project(word: str, app_hosts: frozenset[str], usage: str) -> str:
    """A project ID, or the project of a pasted Baseten link (a project's or one of its jobs')."""
    if "://" in word or word.lower().startswith(("app.", "api.", "www.")):
        return _from_link(word, app_hosts)
    candidate = word.lower()
    if is_hash_id(candidate):
        return candidate
    raise UsageError(f"“{_shown(word)}” is not a Baseten project ID (4 to 32 letters and digits). {usage}")


def _from_link(word: str, app_hosts: frozenset[str]) -> str:
    try:
        parts = urlsplit(word if "://" in word else f"https://{word}")
        host = (parts.hostname or "").lower()
    except ValueError:
        host, parts = "", None
    if parts is None or not (host == "baseten.co" or host.endswith(".baseten.co") or host in app_hosts):
        raise UsageError("That is not a Baseten link. Paste the link to a page of the project in Baseten.")
    match [segment for segment in parts.path.lower().split("/") if segment]:
        case ["training", project, *_] if project != "jobs" and is_hash_id(project):
            return project
        case ["v1", "training_projects", project, *_] if is_hash_id(project):
            return project
    raise UsageError("That Baseten link names no training project. Give the project ID, like `n4q95w5`.")


def _shown(word: str) -> str:
    return word if len(word) <= 40 else word[:39] + "…"
