"""Typed views of the Slack payloads the bot receives, parsed once at the edge."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

from bot.requester import Requester

log = logging.getLogger(__name__)

_DEFAULT_PORTS = {"https": 443, "http": 80}
SLACK_HOOKS = ("https", "hooks.slack.com", 443)
"""Where Slack's own response_urls point."""
SLACK_API = ("https", "slack.com", 443)


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an absolute http(s) URL without user info; None for anything else."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname or "@" in parts.netloc:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


class ResponseUrls:
    """Which reply addresses a payload may carry: Slack's (https://hooks.slack.com), and the scheme, host and port
    of SLACK_API_URL when it points elsewhere (a proxy, or a loopback fake). Anything else is a place to leak a
    card to, or to make the bot call: it is dropped, and its host logged."""

    def __init__(self, slack_api_url: str) -> None:
        self._allowed = {SLACK_HOOKS}
        api = _origin(slack_api_url)
        if api is not None and api != SLACK_API:
            self._allowed.add(api)

    def accept(self, url: str | None) -> str | None:
        if not url:
            return None
        origin = _origin(url)
        if origin is None or origin not in self._allowed:
            host = origin[1] if origin is not None else "an unusable URL"
            log.warning("ignored a response_url on %s: not Slack's, nor SLACK_API_URL's host", host)
            return None
        return url


_SLACK_ONLY = ResponseUrls("https://slack.com/api/")


def _reply_address(value: str | None, info: ValidationInfo) -> str | None:
    """Parsed with `context={"response_urls": ResponseUrls(...)}`; without it only Slack's own are kept."""
    context = info.context if isinstance(info.context, dict) else {}
    urls = context.get("response_urls")
    return (urls if isinstance(urls, ResponseUrls) else _SLACK_ONLY).accept(value)


class SlashCommand(BaseModel):
    """A slash command invocation. `user_id` is what permissions are checked on (names are mutable)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    command: str = "/recreate-job"
    text: str = ""
    user_id: str
    channel_id: str
    team_id: str | None = None
    enterprise_id: str | None = None
    channel_name: str | None = None
    response_url: str | None = None
    trigger_id: str | None = None

    _response_url = field_validator("response_url")(_reply_address)

    @property
    def requester(self) -> Requester:
        return Requester(self.user_id, self.channel_id, self.team_id, self.response_url)


class _Id(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str


class _User(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    team_id: str | None = None


class _Action(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    action_id: str
    value: str = ""


class Tapper(BaseModel):
    """Who tapped (a button, a shortcut), from which workspace, and where to answer them."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    user: _User
    team: _Id | None = None
    enterprise: _Id | None = None
    response_url: str | None = None

    _response_url = field_validator("response_url")(_reply_address)

    @property
    def user_id(self) -> str:
        return self.user.id

    @property
    def team_id(self) -> str | None:
        """The tapper's own workspace: in a channel shared between organizations, not necessarily the bot's."""
        return self.user.team_id or (self.team.id if self.team else None)

    @property
    def enterprise_id(self) -> str | None:
        return self.enterprise.id if self.enterprise else None


class ButtonClick(Tapper):
    """A block_actions payload for one of our buttons. The clicker is `user.id`, not whoever asked."""

    channel: _Id | None = None
    actions: list[_Action]

    @property
    def action(self) -> _Action:
        return self.actions[0]
