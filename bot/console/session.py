"""`python -m bot console`: the real app in a terminal, with a loopback stand-in for Slack that prints messages."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import itertools
import json
import os
import secrets
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any, TextIO
from urllib.parse import urlsplit

from slack_bolt.request import BoltRequest

from bot.app import Bot, Collaborators, build
from bot.baseten.models import InstanceType
from bot.console import payloads
from bot.console.demo import FAILS_AFTER, NIGHTLY, PROJECTS, WATCHED, DemoBaseten, SampleJob
from bot.console.posting import Posting
from bot.console.render import Button
from bot.console.screen import Screen, look_for
from bot.console.standin import CHANNEL_ID, TEAM_ID, ConsoleSlack
from bot.logs import RedactSecrets
from bot.settings import ConfigError, Settings, load_settings
from bot.store import SqliteAuditStore, StoreError

DEMO_USER = "U0DEMO0001"
NOBODY = "U0CONSOLE1"
DEMO_DATABASE_URL = "sqlite:///:memory:"
# The demo's failure watch checks this often (the settings' floor), so the demo job's failure is alerted soon.
DEMO_WATCH_INTERVAL = 10
# How long to wait for a command's background work before taking the next line.
SETTLE_SECONDS = 120.0


class Console:
    """Feeds typed lines to the real app as signed Slack requests, and waits for what they start."""

    def __init__(self, bot: Bot, slack: ConsoleSlack, secret: str, user_id: str, screen: Screen) -> None:
        self._bot = bot
        self._slack = slack
        self._secret = secret
        self._user_id = user_id
        self._screen = screen
        self._sent = itertools.count(1)
        app_host = urlsplit(str(bot.settings.baseten_app_url)).hostname or ""
        self._posting = Posting(slack, app_host=app_host, user_id=user_id)

    def handle(self, line: str) -> None:
        line = line.strip()
        if not line:
            return
        if self._posted(line):
            return
        if line.lower() == "home":
            self._dispatch(payloads.event_body(payloads.home_opened(self._user_id), team_id=TEAM_ID))
            if self._bot.lane is not None:
                self._bot.lane.wait_idle()
            return
        button = self._stop() if line.lower() == "stop" else self._button(line)
        if line.lower() == "stop" and button is None:
            return
        if button is not None:
            body = payloads.action_body(
                button.action_id,
                button.value,
                user_id=self._user_id,
                channel_id=CHANNEL_ID,
                team_id=TEAM_ID,
                response_url=self._slack.click_url,
            )
            self._dispatch(body)
            return
        text = line.removeprefix("/recreate-job").strip()
        body = payloads.command_body(
            text,
            user_id=self._user_id,
            channel_id=CHANNEL_ID,
            team_id=TEAM_ID,
            response_url=f"{self._slack.url}/response/cmd{next(self._sent)}",
        )
        self._dispatch(body)

    def _posted(self, line: str) -> bool:
        """`say <message>` posts a message (its job links unfurl); `shortcut` runs the message shortcut on the last."""
        if line.lower().startswith("say "):
            body = self._posting.say(line[4:].strip())
            self._screen.show([f"[#{CHANNEL_ID}, you said]", f"  {line[4:].strip()}", ""])
        elif line.lower() == "shortcut":
            body = self._posting.shortcut()
            if body is None:
                self._screen.show(["[no message in the channel yet: `say` one first]", ""])
        else:
            return False
        if body is not None:
            self._dispatch(body)
        return True

    def _stop(self) -> Button | None:
        """The last card's Stop button; Slack would first ask to confirm, so the console says what it asked."""
        button = self._slack.stop_button
        if button is None:
            self._screen.show(["[no card with a Stop button yet]", ""])
        else:
            self._screen.show([f"[Slack asks: stop {button.value}? Confirmed.]", ""])
        return button

    def _button(self, line: str) -> Button | None:
        choices = self._slack.buttons
        if line.isdigit() and 1 <= int(line) <= len(choices):
            return choices[int(line) - 1]
        return next((button for button in choices if button.label.lower() == line.lower()), None)

    def _dispatch(self, body: str) -> None:
        """Send one signed request; show the acknowledgement, then wait for the work it started."""
        response = self._bot.app.dispatch(
            BoltRequest(body=body, headers=payloads.signed_headers(body, secret=self._secret))
        )
        if response.status != 200:
            self._screen.show([f"[the app answered HTTP {response.status}]", ""])
        elif response.body:
            self._slack.show("only you", json.loads(response.body))
        self._bot.runner.wait_idle(SETTLE_SECONDS)
        if self._bot.lane is not None:
            self._bot.lane.wait_idle()  # unfurls and "busy" replies run there, beside the runner


def console_settings(demo: bool, slack_url: str, secret: str) -> Settings:
    """The settings of a console session: with `demo`, nothing of the installation's."""
    overrides: dict[str, Any] = {
        "slack_bot_token": "xoxb-console",
        "slack_signing_secret": secret,
        "slack_app_token": None,
        "slack_api_url": f"{slack_url}/api/",
        "slack_team_id": None,
        "slack_enterprise_id": None,
    }
    if demo:
        # Nothing of the installation's: a demo on a production host must not write to its store (a "created"
        # job there would be followed, with the real key, by the serving bot) nor act as its real people.
        overrides |= {
            "baseten_api_key": "demo",
            "baseten_api_url": "https://demo.invalid",
            "follow_interval": 5,
            "database_url": DEMO_DATABASE_URL,
            "allowed_user_ids": [DEMO_USER],
            "allowed_usergroup_ids": [],
            "allowed_channel_ids": [],
            "audit_channel_id": None,
            "watch_project_ids": [WATCHED],
            "watch_channel_id": CHANNEL_ID,
            "watch_interval": DEMO_WATCH_INTERVAL,
        }
    return load_settings(**overrides)


def operating_system_user() -> str:
    """Who is at this terminal, for the audit trail."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name, no passwd entry: a container's numeric user
        return f"uid {os.getuid()}"


def origin(os_user: str, acting_as: str | None) -> str:
    """`console:alice`, or `console:alice as U0123ABC` when --user puts someone else's name on the attempts."""
    return f"console:{os_user}" + (f" as {acting_as}" if acting_as else "")


def _gpus(sample: SampleJob) -> str:
    """As the card shows them: `8 × H100`, `2 nodes × 8 × H100 = 16 GPUs`, or `CPU only`."""
    instance = InstanceType.model_validate(sample.instance)
    if not instance.has_gpu:
        return "CPU only"
    per_node = f"{instance.gpu_count} × {instance.gpu_type}"
    if sample.node_count == 1:
        return per_node
    return f"{sample.node_count} nodes × {per_node} = {instance.gpu_count * sample.node_count} GPUs"


def _intro(settings: Settings, user_id: str, demo: bool, os_user: str, acting_as: str | None) -> list[str]:
    lines = [
        "recreate-job console: the bot as Slack would run it, in this terminal.",
        f"You are {user_id} in channel {CHANNEL_ID}. Type `help`, `history`, or a job; `stop` taps the last "
        "card's Stop, `home` opens your Home tab; `quit` to leave.",
        "`say <message>` posts a message (job links in it unfurl); `shortcut` runs Recreate training job on the last.",
    ]
    if demo:
        lines.append("Simulated Baseten (--demo). Sample jobs:")
        for sample in DemoBaseten().samples():
            note = f" ({sample.note})" if sample.note else ""
            lines.append(
                f"  {sample.job_id}  {sample.name:<16} {PROJECTS[sample.project_id]:<16} "
                f"{sample.status.removeprefix('TRAINING_JOB_').lower():<10} {_gpus(sample)}{note}"
            )
        lines.append("  Any other ID is not found. Try: p7qr9qv")
        lines.append(
            f"Failure watch on {PROJECTS[WATCHED]} ({WATCHED}), checked every {DEMO_WATCH_INTERVAL} s: "
            f"{NIGHTLY.job_id} ({NIGHTLY.name}) starts now and fails by itself about {FAILS_AFTER} s later, and its "
            "alert appears here. Try `watch`, `mute n4q95w5 30m`, `unmute n4q95w5`."
        )
    else:
        lines.append(
            f"Recreates here are real: they start real jobs at Baseten ({settings.baseten_api_url}), and each "
            f"attempt is recorded in the audit store as made from the console by {os_user}."
        )
        if acting_as:
            lines.append(f"You are acting as {acting_as}: recorded as {os_user} impersonating them.")
    return [*lines, ""]


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
    screen.show(_intro(settings, user_id, args.demo, os_user, args.user))
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
