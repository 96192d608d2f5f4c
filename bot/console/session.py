"""`python -m bot console`: the real app in a terminal, with a loopback stand-in for Slack that prints messages."""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import sys
import time
from collections.abc import Callable, Iterable
from typing import TextIO

from bot.app import Collaborators, build
from bot.console.demo import DemoBaseten
from bot.console.driver import Console
from bot.console.intro import intro
from bot.console.screen import Screen, look_for
from bot.console.setup import NOBODY, console_settings, operating_system_user, origin
from bot.console.standin import TEAM_ID, ConsoleSlack
from bot.logs import RedactSecrets
from bot.settings import ConfigError
from bot.store import SqliteAuditStore, StoreError


def _reader(stdin: TextIO, out: TextIO) -> Callable[[str], str]:
    """input(), with readline's line editing, when the console runs in this process's own terminal."""
    if stdin is sys.stdin and out is sys.stdout:
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401, PLC0415 - imported for its effect on input(): editing and history
        return input

    def read(prompt: str) -> str:
        out.write(prompt)
        out.flush()
        line = stdin.readline()
        if not line:
            raise EOFError
        return line

    return read


def run(
    argv: Iterable[str],
    *,
    stdin: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
    sleep: Callable[[float], None] = time.sleep,
    scrubber: RedactSecrets | None = None,
) -> int:
    """The console's main loop; `sleep` is what the bot waits with (Baseten rate limits, looking for a job)."""
    parser = argparse.ArgumentParser(prog="python -m bot console", description="Try the bot without Slack.")
    parser.add_argument("--demo", action="store_true", help="use a simulated Baseten; no credentials needed")
    parser.add_argument("--user", help="the Slack user ID to act as (default: the first allowed user)")
    args = parser.parse_args(list(argv))
    interactive = stdin.isatty()
    screen = Screen(out, look=look_for(out), clear_line=interactive and os.environ.get("TERM") != "dumb")
    slack = ConsoleSlack(screen).start()
    secret = secrets.token_hex(16)
    try:
        settings = console_settings(args.demo, slack.url, secret)
        if scrubber is not None:
            scrubber.add(settings.secrets())
        demo = DemoBaseten() if args.demo else None
        os_user = operating_system_user()
        parts = Collaborators(
            baseten_transport=demo.transport() if demo else None,
            sleep=sleep,
            store=SqliteAuditStore(":memory:") if demo else None,
            origin=origin(os_user, args.user),
            token_team_id=TEAM_ID,
        )
        bot = build(settings, parts)
    except (ConfigError, StoreError) as error:
        slack.stop()
        print(error, file=sys.stderr)
        return 2
    user_id = args.user or (settings.allowed_user_ids[0] if settings.allowed_user_ids else NOBODY)
    screen.show(intro(settings, user_id, args.demo, os_user, args.user))
    if bot.follower is not None:
        bot.follower.start()
    if bot.watcher is not None:
        bot.watcher.start()
    if bot.leases is not None:
        # Keeps the console's own attempts alive while they run. It takes over nobody else's: a console may be
        # talking to a simulated Baseten, where another process's lost job would never be found.
        bot.leases.start(sweep=False)
    console = Console(bot, slack, secret, user_id, screen)
    read = _reader(stdin, out)
    try:
        while True:
            line = screen.ask(read) if interactive else (stdin.readline() or None)
            if line is None or line.strip().lower() in {"quit", "exit"}:
                break
            if not interactive:
                screen.show([f"> {line.strip()}"])
            console.handle(line)
    except KeyboardInterrupt:
        pass
    finally:
        bot.runner.drain(10)
        bot.close()
        slack.stop()
    return 0
