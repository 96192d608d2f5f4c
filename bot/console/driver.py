"""The console's driver: each typed line becomes the signed Slack request it stands for, sent to the real app."""

from __future__ import annotations

import itertools
import json
from urllib.parse import urlsplit

from slack_bolt.request import BoltRequest

from bot.app import Bot
from bot.console import payloads
from bot.console.posting import Posting
from bot.console.render import Button
from bot.console.screen import Screen
from bot.console.standin import CHANNEL_ID, TEAM_ID, ConsoleSlack

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
