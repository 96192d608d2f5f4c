"""One line of `python -m bot doctor`: what was checked, whether it passed, and the fix when it did not."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.errors import SlackApiError

from bot.settings import Settings


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.name}: {self.detail}"


def slack_error(error: Exception, fix: str, settings: Settings) -> str:
    """Slack's error code and `fix`; when Slack was not reached, the fix is the network or the URL instead."""
    if isinstance(error, SlackApiError):
        return f"{error.response.get('error')}; {fix}"
    return (
        f"could not reach Slack ({type(error).__name__}); check the network and SLACK_API_URL={settings.slack_api_url}"
    )
