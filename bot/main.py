"""Start-up: settings, logging, a check that Slack accepts the token, then serve."""

from __future__ import annotations

import logging
import sys

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot import logs
from bot.app import Collaborators, build, build_web_client
from bot.server import serve_http, serve_socket
from bot.settings import ConfigError, Mode, Settings, load_settings
from bot.store import StoreError

log = logging.getLogger("bot")


def check_slack(client: WebClient, settings: Settings) -> str:
    """auth.test: fail start-up with one line if the token is wrong or Slack unreachable."""
    try:
        response = client.auth_test()
    except SlackApiError as error:
        raise ConfigError(
            f"Configuration error: SLACK_BOT_TOKEN was rejected by Slack ({error.response.get('error')})"
        ) from None
    except (SlackClientError, OSError) as error:
        raise ConfigError(
            f"Start-up error: could not reach Slack at SLACK_API_URL={settings.slack_api_url} ({error})"
        ) from None
    return str(response.get("team_id") or "")


USAGE = """usage: python -m bot [serve | console [--demo] [--user U...] | doctor]

  serve    run the bot for Slack (the default): Socket Mode when SLACK_APP_TOKEN is set, else HTTP on PORT
  console  try the bot in this terminal, without Slack; --demo uses a simulated Baseten
  doctor   check this installation's settings, Slack and Baseten access, store and audit channel"""


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    command, rest = (args[0], args[1:]) if args else ("serve", [])
    if command == "console":
        from bot.console.session import run as run_console  # noqa: PLC0415 - serving never loads the console

        logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
        return run_console(rest)
    if command == "doctor":
        from bot.doctor import run as run_doctor  # noqa: PLC0415 - serving never loads the doctor

        return run_doctor()
    if command in {"-h", "--help", "help"}:
        print(USAGE)
        return 0
    if command != "serve" or rest:
        print(USAGE, file=sys.stderr)
        return 2
    return serve()


def serve() -> int:
    try:
        settings = load_settings()
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    logs.configure(settings.log_level, settings.secrets())
    web_client = build_web_client(settings)
    try:
        team_id = check_slack(web_client, settings)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    if settings.slack_team_id and team_id and team_id != settings.slack_team_id:
        print(
            f"Configuration error: SLACK_TEAM_ID is {settings.slack_team_id} but the bot token "
            f"belongs to workspace {team_id}",
            file=sys.stderr,
        )
        return 2
    try:
        bot = build(settings, Collaborators(web_client=web_client))
    except StoreError as error:
        print(f"Start-up error: DATABASE_URL: {error}", file=sys.stderr)
        return 2
    if not settings.allowlist_configured:
        log.warning("No allowlist configured: nobody may recreate jobs. Set ALLOWED_USER_IDS or ALLOWED_USERGROUP_IDS.")
    if settings.mode is Mode.SOCKET:
        serve_socket(bot)
    else:
        serve_http(bot)
    return 0
