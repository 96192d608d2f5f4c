"""The settings of what the bot allows and keeps: who may recreate, where records go, confirmations and limits,
following new jobs, and the failure watch."""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings

from bot.settings_checks import (
    CHANNEL_ID,
    GROUP_ID,
    PROJECT_ID,
    USER_ID,
    IdList,
    channel_or_none,
    check_ids,
    split_ids,
)
from bot.settings_modes import ConfirmMode
from bot.store import DEFAULT_DATABASE_URL, check_database_url


class AccessSettings(BaseSettings):
    allowed_user_ids: IdList = Field(default_factory=list)
    allowed_usergroup_ids: IdList = Field(default_factory=list)
    allowed_channel_ids: IdList = Field(default_factory=list)
    # Job links are unfurled in channels shared with another organization (Slack Connect) only when true.
    unfurl_shared_channels: bool = False

    @field_validator("allowed_user_ids", "allowed_usergroup_ids", "allowed_channel_ids", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        return split_ids(value)

    @field_validator("allowed_user_ids")
    @classmethod
    def _users(cls, value: list[str]) -> list[str]:
        return check_ids(value, USER_ID, "user", "U... or W...")

    @field_validator("allowed_usergroup_ids")
    @classmethod
    def _groups(cls, value: list[str]) -> list[str]:
        return check_ids(value, GROUP_ID, "user group", "S...")

    @field_validator("allowed_channel_ids")
    @classmethod
    def _channels(cls, value: list[str]) -> list[str]:
        return check_ids(value, CHANNEL_ID, "channel", "C..., G... or D...")


class RecordSettings(BaseSettings):
    database_url: str = DEFAULT_DATABASE_URL
    audit_channel_id: str | None = None

    @field_validator("database_url")
    @classmethod
    def _database(cls, value: str) -> str:
        return check_database_url(value)

    @field_validator("audit_channel_id", mode="before")
    @classmethod
    def _audit_channel(cls, value: Any) -> Any:
        return channel_or_none(value)


class RecreateSettings(BaseSettings):
    confirm: ConfirmMode = ConfirmMode.ALWAYS
    # A preview's buttons answer through the command's response_url, which Slack keeps for 30 minutes.
    confirm_ttl: int = Field(default=600, ge=30, le=1800)
    recreate_cooldown: int = Field(default=600, ge=0, le=7 * 86400)
    # The GPU budget per rolling hour; None (set as `off`) is no limit.
    recreate_limit_per_user: int | None = Field(default=10, ge=1, le=10000)
    gpu_limit_per_hour: int | None = Field(default=None, ge=1, le=1_000_000)
    audit_retention_days: int = Field(default=400, ge=1, le=36500)

    @field_validator("recreate_limit_per_user", "gpu_limit_per_hour", mode="before")
    @classmethod
    def _off(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str) and value.strip().lower() == "off":
            return None
        if value == "":
            return cls.model_fields[str(info.field_name)].default
        return value

    @field_validator("confirm", mode="before")
    @classmethod
    def _confirm(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value


class FollowSettings(BaseSettings):
    follow: bool = True
    follow_for: int = Field(default=86400, ge=60, le=30 * 86400)
    follow_interval: int = Field(default=30, ge=5, le=3600)
    follow_max: int = Field(default=100, ge=1, le=10000)


class WatchSettings(BaseSettings):
    # The failure watch (README "Failure watch"): project IDs, or `all`; the channel is validated after them.
    watch_project_ids: IdList = Field(default_factory=list)
    watch_channel_id: str | None = Field(default=None, validate_default=True)
    watch_interval: int = Field(default=60, ge=10, le=3600)

    @field_validator("watch_project_ids", mode="before")
    @classmethod
    def _watched(cls, value: Any) -> Any:
        ids = split_ids(value)
        if not isinstance(ids, list):
            return ids
        if [part.lower() for part in ids] == ["all"]:
            return ["all"]
        bad = [part for part in ids if not PROJECT_ID.match(part)]
        if bad:
            raise ValueError(f"{bad[0]!r} is not a Baseten project ID (e.g. n4q95w5); or set it to all")
        return ids

    @field_validator("watch_channel_id", mode="before")
    @classmethod
    def _watch_channel(cls, value: Any, info: ValidationInfo) -> Any:
        if value in ("", None):
            if info.data.get("watch_project_ids"):
                raise ValueError("is missing: the failure watch (WATCH_PROJECT_IDS) needs a channel ID (C...) to alert")
            return None
        return channel_or_none(value)

    @property
    def watch_all(self) -> bool:
        return self.watch_project_ids == ["all"]
