"""Settings errors as lines an admin can act on: the variable, what is wrong with it, and how to fix it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

# Never echoed back, whatever is wrong with them.
SECRET_FIELDS = frozenset({"slack_bot_token", "slack_app_token", "slack_signing_secret", "baseten_api_key"})

MEMBER_ID_HOW = "in Slack, open the person's profile, click ⋮ (More) and choose Copy member ID"
CHANNEL_ID_HOW = "in Slack, click the channel's name at the top; the Channel ID is at the bottom of that window"
GROUP_ID_HOW = "Slack does not show these IDs: `python -m bot usergroups` lists them (with Slack's usergroups.list)"
TEAM_ID_HOW = "open Slack in a browser: the workspace ID is the T... part of app.slack.com/client/T.../"

# What to do about each variable, when the validator's own message does not say.
FIXES = {
    "slack_bot_token": "copy the Bot User OAuth Token (xoxb-...) from the app's OAuth & Permissions page",
    "slack_app_token": "create an app-level token with connections:write (Basic Information → App-Level Tokens)",
    "slack_signing_secret": "copy it from the app's Basic Information → App Credentials → Signing Secret",
    "baseten_api_key": "create one in Baseten under Settings → API keys",
    "allowed_user_ids": MEMBER_ID_HOW,
    "allowed_usergroup_ids": GROUP_ID_HOW,
    "allowed_channel_ids": CHANNEL_ID_HOW,
    "audit_channel_id": CHANNEL_ID_HOW,
    "slack_team_id": TEAM_ID_HOW,
    "slack_enterprise_id": "the E... ID of your Enterprise Grid organization (auth.test's enterprise_id)",
    "slack_api_url": "leave it unset for https://slack.com/api/",
    "baseten_api_url": "leave it unset for https://api.baseten.co",
    "baseten_app_url": "leave it unset for https://app.baseten.co",
}

NO_SIGNING_CREDENTIAL = "http_mode_unsigned"
"""The error type of HTTP mode without its signing secret."""
_NO_MODE_CREDENTIAL = (
    "SLACK_SIGNING_SECRET is missing: HTTP mode needs it (Basic Information → App Credentials → Signing Secret); "
    "for Socket Mode set SLACK_APP_TOKEN instead"
)
_SECONDS = ("a number of seconds", "seconds")
# What the value should be, and the unit its range is in.
_UNITS = {
    "confirm_ttl": _SECONDS,
    "recreate_cooldown": _SECONDS,
    "follow_for": _SECONDS,
    "follow_interval": _SECONDS,
    "shutdown_grace_seconds": _SECONDS,
    "port": ("a port number", "a port"),
    "follow_max": ("a whole number", "a number of jobs"),
}
_NUMBER_ERRORS = {
    "int_parsing",
    "int_from_float",
    "float_parsing",
    "int_type",
    "float_type",
    "greater_than",
    "greater_than_equal",
    "less_than",
    "less_than_equal",
    "finite_number",
}


def _shown(name: str, value: Any) -> str:
    """The value as typed, quoted and cut short; never a secret's."""
    if name in SECRET_FIELDS or name == "database_url":  # a database URL can hold a password
        return ""
    text = value if isinstance(value, str) else repr(value)
    return f" {text[:60] + '...' if len(text) > 60 else text!r}"


def _span(field: FieldInfo) -> str:
    """` from 30 to 1800`, or ` above 0, up to 600`, from the field's ge/gt/le constraints."""
    low = next((rule.ge for rule in field.metadata if hasattr(rule, "ge")), None)
    above = next((rule.gt for rule in field.metadata if hasattr(rule, "gt")), None)
    high = next((rule.le for rule in field.metadata if hasattr(rule, "le")), None)
    if high is None or (low is None and above is None):
        return ""
    return f" above {above:g}, up to {high:g}" if above is not None else f" from {low:g} to {high:g}"


def _number(name: str, error: ErrorDetails, field: FieldInfo) -> str:
    what, unit = _UNITS.get(name, ("a number", "a number"))
    example = f", e.g. {field.default:g}" if isinstance(field.default, int | float) else ""
    problem = "is not " + what if error["type"].endswith(("_parsing", "_type")) else "is out of range"
    return f"{name.upper()}{_shown(name, error['input'])} {problem}: set it to {unit}{_span(field)}{example}"


def describe(error: ErrorDetails, fields: Mapping[str, FieldInfo]) -> str:
    """One line: the variable, what is wrong, and the fix."""
    loc = [str(part) for part in error["loc"]]
    name = loc[0] if loc else ""
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == NO_SIGNING_CREDENTIAL:
        return _NO_MODE_CREDENTIAL
    field = fields.get(name)
    if field is None:
        return message
    variable = name.upper()
    fix = FIXES.get(name)
    kind = error["type"]
    if kind == "missing":
        return f"{variable} is missing" + (f": {fix}" if fix else "")
    if kind in _NUMBER_ERRORS:
        return _number(name, error, field)
    if kind == "enum":
        expected = str(error.get("ctx", {}).get("expected", "")).replace("'", "")
        return f"{variable}{_shown(name, error['input'])} is not one of {expected.replace(' or ', ', ')}"
    if kind == "bool_parsing":
        return f"{variable}{_shown(name, error['input'])} is not true or false"
    if kind.startswith("url_"):
        return f"{variable}{_shown(name, error['input'])} is not a URL" + (f": {fix}" if fix else "")
    if kind == "value_error":
        # Some validators say what to use themselves.
        return f"{variable} {message}" + (f"; {fix}" if fix and ": use " not in message else "")
    return f"{variable} {message}"


def describe_errors(error: ValidationError, fields: Mapping[str, FieldInfo]) -> list[str]:
    """Every problem in one pass, so several mistakes take one run to find, not several."""
    lines: list[str] = []
    for detail in error.errors():
        line = describe(detail, fields)
        if line not in lines:
            lines.append(line)
    return lines
