"""`python -m bot console`: the real app in a terminal, with a loopback stand-in for Slack that prints messages."""

from __future__ import annotations

import argparse
import itertools
import json
import secrets
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TextIO

from slack_bolt.request import BoltRequest

from bot.app import Bot, Collaborators, build
from bot.console import payloads
from bot.console.demo import PROJECTS, DemoBaseten
from bot.console.loopback import LoopbackServer, Request, Response
from bot.console.render import Button, render
from bot.settings import ConfigError, Settings, load_settings
from bot.store import StoreError

CHANNEL_ID = "C0CONSOLE1"
TEAM_ID = "T0CONSOLE1"
DEMO_USER = "U0DEMO0001"
NOBODY = "U0CONSOLE1"
# How long to wait for a command's background work before taking the next line.
SETTLE_SECONDS = 120.0


class ConsoleSlack:
    """Answers the Web API calls and response_url posts the bot makes, and prints every message it is sent."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self._clicks = itertools.count(1)
        self.buttons: list[Button] = []
        self.click_url = ""
        self._server = LoopbackServer(self._route)

    @property
    def url(self) -> str:
        return self._server.url

    def start(self) -> ConsoleSlack:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def show(self, where: str, message: dict[str, Any]) -> None:
        lines, buttons = render(message)
        with self._lock:
            print(f"[{where}]", file=self._out)
            for line in lines:
                # A block's text can span several lines: indent each, so the message stays under its header.
                for part in line.split("\n"):
                    print(f"  {part}", file=self._out)
            if buttons:
                self.buttons = buttons
                self.click_url = f"{self.url}/response/click{next(self._clicks)}"
                choices = "  ".join(f"[{number}] {button.label}" for number, button in enumerate(buttons, 1))
                print(f"  {choices}   (type a number or a name)", file=self._out)
            print(file=self._out, flush=True)

    def _route(self, request: Request) -> Response:
        if request.path.startswith("/response/"):
            body = request.json() or {}
            where = "only you" if body.get("response_type", "ephemeral") == "ephemeral" else f"#{CHANNEL_ID}"
            if body.get("replace_original"):
                where += ", replacing the message with the buttons"
                with self._lock:
                    self.buttons = []
            self.show(where, body)
            return Response(200, "ok")
        method = request.path.removeprefix("/api/")
        params = request.params()
        if method == "chat.postMessage":
            channel = str(params.get("channel"))
            where = f"#{channel}" if not channel.startswith("U") else "direct message"
            if params.get("thread_ts"):
                where += ", in the card's thread"
            self.show(where, params)
            return Response(200, {"ok": True, "channel": channel, "ts": f"1700000000.{next(self._ts):06d}"})
        if method == "chat.update":
            self.show(f"#{params.get('channel')}, card updated", params)
            return Response(200, {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")})
        if method == "usergroups.users.list":
            return Response(200, {"ok": True, "users": []})
        return Response(200, {"ok": True, "team_id": TEAM_ID, "user_id": "U0BOT00001"})


class Console:
    """Feeds typed lines to the real app as signed Slack requests, and waits for what they start."""

    def __init__(self, bot: Bot, slack: ConsoleSlack, secret: str, user_id: str, out: TextIO) -> None:
        self._bot = bot
        self._slack = slack
        self._secret = secret
        self._user_id = user_id
        self._out = out
        self._sent = itertools.count(1)

    def handle(self, line: str) -> None:
        line = line.strip()
        if not line:
            return
        button = self._button(line)
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
            print(f"[the app answered HTTP {response.status}]", file=self._out)
        elif response.body:
            self._slack.show("only you", json.loads(response.body))
        self._bot.runner.wait_idle(SETTLE_SECONDS)


def _settings(demo: bool, slack_url: str, secret: str) -> Settings:
    overrides: dict[str, Any] = {
        "slack_bot_token": "xoxb-console",
        "slack_signing_secret": secret,
        "slack_app_token": None,
        "slack_api_url": f"{slack_url}/api/",
        "slack_team_id": None,
    }
    if demo:
        overrides |= {"baseten_api_key": "demo", "baseten_api_url": "https://demo.invalid", "follow_interval": 5}
        settings = load_settings(**overrides)
        if not settings.allowlist_configured:
            settings = load_settings(**overrides, allowed_user_ids=DEMO_USER)
        return settings
    return load_settings(**overrides)


def _intro(settings: Settings, user_id: str, demo: bool, out: TextIO) -> None:
    print("recreate-job console: the bot as Slack would run it, in this terminal.", file=out)
    print(f"You are {user_id} in channel {CHANNEL_ID}. Type `help`, `history`, or a job; `quit` to leave.", file=out)
    if demo:
        print("Simulated Baseten (--demo). Sample jobs:", file=out)
        for sample in DemoBaseten().samples():
            kind = sample.instance["gpu_type"]
            gpus = f"{sample.instance['gpu_count']} x {kind}" if kind else "CPU only"
            note = f" ({sample.note})" if sample.note else ""
            print(
                f"  {sample.job_id}  {sample.name:<16} {PROJECTS[sample.project_id]:<16} "
                f"{sample.status.removeprefix('TRAINING_JOB_').lower():<10} {gpus}{note}",
                file=out,
            )
        print("  Any other ID is not found. Try: p7qr9qv", file=out)
    else:
        print(f"Real Baseten at {settings.baseten_api_url}: recreates start real jobs.", file=out)
    print(file=out, flush=True)


def run(
    argv: Iterable[str],
    *,
    stdin: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """The console's main loop; `sleep` is what the bot waits with (Baseten rate limits, looking for a job)."""
    parser = argparse.ArgumentParser(prog="python -m bot console", description="Try the bot without Slack.")
    parser.add_argument("--demo", action="store_true", help="use a simulated Baseten; no credentials needed")
    parser.add_argument("--user", help="the Slack user ID to act as (default: the first allowed user)")
    args = parser.parse_args(list(argv))
    slack = ConsoleSlack(out).start()
    secret = secrets.token_hex(16)
    try:
        settings = _settings(args.demo, slack.url, secret)
        demo = DemoBaseten() if args.demo else None
        bot = build(settings, Collaborators(baseten_transport=demo.transport() if demo else None, sleep=sleep))
    except (ConfigError, StoreError) as error:
        slack.stop()
        print(error, file=sys.stderr)
        return 2
    user_id = args.user or (settings.allowed_user_ids[0] if settings.allowed_user_ids else NOBODY)
    _intro(settings, user_id, args.demo, out)
    if bot.follower is not None:
        bot.follower.start()
    if bot.leases is not None:
        # Keeps the console's own attempts alive while they run. It takes over nobody else's: a console may be
        # talking to a simulated Baseten, where another process's lost job would never be found.
        bot.leases.start(sweep=False)
    console = Console(bot, slack, secret, user_id, out)
    interactive = stdin.isatty()
    try:
        while True:
            if interactive:
                print("> ", end="", file=out, flush=True)
            line = stdin.readline()
            if not line or line.strip().lower() in {"quit", "exit"}:
                break
            if not interactive:
                print(f"> {line.strip()}", file=out, flush=True)
            console.handle(line)
    except KeyboardInterrupt:
        pass
    finally:
        bot.runner.drain(10)
        bot.close()
        slack.stop()
    return 0
