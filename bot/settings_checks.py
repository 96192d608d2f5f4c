"""The checks settings share, as plain functions: Slack ID shapes, lists of IDs, URLs that may be plain http."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any

from pydantic import AnyHttpUrl, SecretStr
from pydantic_settings import NoDecode

USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
GROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
TEAM_ID = re.compile(r"^[TE][A-Z0-9]{2,}$")
PROJECT_ID = re.compile(r"^[a-z0-9]{4,32}$")


def split_ids(value: Any) -> Any:
    if isinstance(value, str):
        return [part for part in re.split(r"[\s,]+", value) if part]
    return value


def check_ids(values: list[str], pattern: re.Pattern[str], kind: str, shape: str) -> list[str]:
    bad = [value for value in values if not pattern.match(value)]
    if len(bad) == 1:
        raise ValueError(f"{bad[0]!r} is not a Slack {kind} ID ({shape})")
    if bad:
        listed = ", ".join(repr(value) for value in bad[:3]) + (", ..." if len(bad) > 3 else "")
        raise ValueError(f"{listed} are not Slack {kind} IDs ({shape})")
    return values


IdList = Annotated[list[str], NoDecode]


def channel_or_none(value: Any) -> Any:
    """An optional channel setting: blank is unset; anything else must look like a channel ID."""
    if value in ("", None):
        return None
    if not isinstance(value, str) or not CHANNEL_ID.match(value):
        raise ValueError(f"{value!r} is not a Slack channel ID (C... or G...)")
    return value


def loopback_host(host: str | None) -> bool:
    """127.0.0.0/8, ::1 or localhost: traffic that never leaves this machine."""
    if not host:
        return False
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def https_unless_loopback(value: AnyHttpUrl) -> AnyHttpUrl:
    """Plain http is readable and changeable on the way: only for this machine (test fakes, a local proxy)."""
    if value.scheme == "http" and not loopback_host(value.host):
        raise ValueError(
            f"{str(value)!r} is plain http:// to another machine: use https://, "
            "or http:// only for 127.0.0.1, ::1 or localhost"
        )
    return value


def checked_bot_token(value: SecretStr) -> SecretStr:
    if not value.get_secret_value().startswith("xoxb-"):
        raise ValueError("must be a bot token starting with xoxb-")
    return value
