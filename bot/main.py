"""Start-up: settings, logging, a check that Slack accepts the token, then serve."""

from __future__ import annotations

import logging
import sys

from bot import logs
from bot.app import Bot, Collaborators, build, build_web_client
from bot.setting_errors import FIXES
from bot.settings import ConfigError, Mode, Settings, load_settings
from bot.startup import StartupError, verify_bot_token
from bot.store import StoreError

log = logging.getLogger("bot")

USAGE = """usage: python -m bot [serve [--http | --socket] | console [--demo] [--user U...] | doctor
                     | usergroups | health [--max-age S]]

  serve       run the bot for Slack (the default): Socket Mode when SLACK_APP_TOKEN is set, else HTTP on PORT;
              --http or --socket insists on one (the Procfile's web and worker processes)
  console     try the bot in this terminal, without Slack; --demo uses a simulated Baseten
  doctor      check this installation's settings, Slack and Baseten access, store and audit channel
  usergroups  list the workspace's user groups and their IDs, for ALLOWED_USERGROUP_IDS
  health      exit 0 if the Socket Mode connection was alive in the last 30 s (HEALTH_FILE), for liveness probes"""

_MODES = {"--http": Mode.HTTP, "--socket": Mode.SOCKET}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    command, rest = (args[0], args[1:]) if args else ("serve", [])
    if command == "console":
        from bot.console.session import run as run_console  # noqa: PLC0415 - serving never loads the console

        # Scrubbed like the bot's own log: the console learns the secrets once it has read the settings.
        return run_console(rest, scrubber=logs.configure_console())
    if command == "doctor":
        from bot.doctor import run as run_doctor  # noqa: PLC0415 - serving never loads the doctor

        return run_doctor()
    if command == "usergroups":
        from bot.usergroups import run as run_usergroups  # noqa: PLC0415 - serving never loads it

        return run_usergroups()
    if command == "health":
        from bot.liveness import run as run_health  # noqa: PLC0415 - a probe loads as little as it can

        return run_health(rest)
    if command in {"-h", "--help", "help"}:
        print(USAGE)
        return 0
    if command != "serve" or len(rest) > 1 or (rest and rest[0] not in _MODES):
        print(USAGE, file=sys.stderr)
        return 2
    return serve(_MODES[rest[0]] if rest else None)


def _mode(settings: Settings, forced: Mode | None) -> Mode:
    """The mode to serve in; a Procfile process that insists on one must have its credential."""
    if forced is Mode.HTTP and settings.slack_signing_secret is None:
        raise ConfigError(
            "Configuration error: SLACK_SIGNING_SECRET is missing, and `serve --http` (the Procfile's web "
            "process) needs it; for Socket Mode scale the worker process instead"
        )
    if forced is Mode.SOCKET and settings.slack_app_token is None:
        raise ConfigError(
            f"Configuration error: SLACK_APP_TOKEN is missing, and `serve --socket` (the Procfile's worker "
            f"process) needs it: {FIXES['slack_app_token']}; for HTTP mode scale the web process instead"
        )
    return forced or settings.mode


def serve(forced: Mode | None = None) -> int:
    """Every start-up failure ends here as a few lines on stderr and exit status 2: no traceback, no secret."""
    try:
        settings = load_settings()
        mode = _mode(settings, forced)
        logs.configure(settings.log_level, settings.secrets())
        auth = verify_bot_token(settings)
        web_client = build_web_client(settings)
        # Bolt checks the token too; it gets this answer instead of a second auth.test.
        web_client.remember_auth(auth)
        team_id = str(auth.get("team_id") or "")
        bot = build(settings, Collaborators(web_client=web_client, token_team_id=team_id))
    except (ConfigError, StartupError) as error:
        print(error, file=sys.stderr)
        return 2
    except StoreError as error:
        print(f"Start-up error: DATABASE_URL: {error}", file=sys.stderr)
        return 2
    if not settings.allowlist_configured:
        log.warning("No allowlist configured: nobody may recreate jobs. Set ALLOWED_USER_IDS or ALLOWED_USERGROUP_IDS.")
    return _serve(bot, mode)


def _serve(bot: Bot, mode: Mode) -> int:
    try:
        if mode is Mode.SOCKET:
            from bot.socket_server import serve_socket  # noqa: PLC0415 - HTTP mode never loads the WebSocket client

            serve_socket(bot)
        else:
            from bot.server import serve_http  # noqa: PLC0415 - the CLI commands need no server

            serve_http(bot)
    except StartupError as error:
        print(error, file=sys.stderr)
        bot.runner.drain(0)
        bot.close()
        return 2
    return 0
