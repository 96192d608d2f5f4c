"""The console's stand-in for Slack: the shared loopback Slack, printing every message it is sent; an edited card
shows only what changed."""

from __future__ import annotations

import itertools
import json
from typing import Any

from bot.console.loopback import Response
from bot.console.render import Button, render
from bot.console.screen import Screen
from bot.console.webapi import Call, LoopbackSlack
from bot.messages.stop import STOP_ACTION

CHANNEL_ID = "C0CONSOLE1"
TEAM_ID = "T0CONSOLE1"


class ConsoleSlack(LoopbackSlack):
    """Slack on 127.0.0.1 that prints every message it is sent; the buttons last shown can be clicked."""

    def __init__(self, screen: Screen) -> None:
        super().__init__(team_id=TEAM_ID, bot_user_id="U0BOT00001")
        self._screen = screen
        self._clicks = itertools.count(1)
        self._cards: dict[str, list[str]] = {}
        """The lines each posted message showed last, by its ts, so an edit can show what changed."""
        self.buttons: list[Button] = []
        self.click_url = ""
        self.last_message: dict[str, Any] | None = None
        """The channel's newest message, said in the console or posted by the bot: what `shortcut` runs on."""
        self.stop_button: Button | None = None
        """The Stop button of the card posted or edited last, for the console's `stop`."""

    def start(self) -> ConsoleSlack:
        super().start()
        return self

    def show(self, where: str, message: dict[str, Any]) -> list[str]:
        """Print the whole message; returns its lines."""
        lines, buttons = render(message, self._screen.look)
        shown = [f"[{where}]"]
        # A block's text can span several lines: indent each, so the message stays under its header.
        shown += [f"  {part}" for line in lines for part in line.split("\n")]
        if buttons:
            with self._lock:
                self.buttons = buttons
                self.click_url = f"{self.url}/response/click{next(self._clicks)}"
            choices = "  ".join(f"[{number}] {button.label}" for number, button in enumerate(buttons, 1))
            shown.append(f"  {choices}   (type a number or a name)")
        self._screen.show([*shown, ""])
        return lines

    def _remember_stop(self, message: dict[str, Any]) -> None:
        _, buttons = render(message, self._screen.look)
        with self._lock:
            self.stop_button = next((b for b in buttons if b.action_id == STOP_ACTION), None)

    def _edited(self, where: str, ts: str, message: dict[str, Any]) -> None:
        lines, _ = render(message, self._screen.look)
        with self._lock:
            before = self._cards.get(ts)
            self._cards[ts] = lines
        if before is None:
            self.show(where, message)
            return
        changed = changes(before, lines)
        if changed:  # an edit that changes nothing visible (Slack shows nothing either) prints nothing
            self._screen.show([f"[{where}]", *(f"  {line}" for line in changed), ""])

    def _reply(self, call: Call) -> Response:
        params = call.params
        if call.kind == "usergroups.users.list":  # any group the settings name exists, with nobody in it
            return Response(200, {"ok": True, "users": []})
        reply = super()._reply(call)
        if call.kind == "response_url":
            where = "only you" if params.get("response_type", "ephemeral") == "ephemeral" else f"#{CHANNEL_ID}"
            if params.get("replace_original"):
                where += ", replacing the message with the buttons"
                with self._lock:
                    self.buttons = []
            self.show(where, params)
        elif call.kind == "chat.postMessage":
            channel = str(params.get("channel"))
            where = f"#{channel}" if not channel.startswith("U") else "direct message"
            if params.get("thread_ts"):
                where += ", in the card's thread"
            lines = self.show(where, params)
            with self._lock:
                self._cards[str(reply.body["ts"])] = lines
                if channel == CHANNEL_ID and not params.get("thread_ts"):
                    self.last_message = {key: params[key] for key in ("text", "blocks") if key in params}
            if not params.get("thread_ts"):
                self._remember_stop(params)
        elif call.kind == "chat.unfurl":
            unfurls = params.get("unfurls")
            for url, unfurl in (json.loads(unfurls) if isinstance(unfurls, str) else unfurls or {}).items():
                self.show(f"#{params.get('channel')}, unfurling {url}", unfurl)
        elif call.kind == "chat.postEphemeral":
            self.show("only you", params)
        elif call.kind == "chat.update":
            self._edited(f"#{params.get('channel')}, card updated", str(params.get("ts")), params)
            self._remember_stop(params)
        elif call.kind == "views.publish":
            view = params.get("view")
            self.show("your Home tab, only you", view if isinstance(view, dict) else {})
        return reply


def changes(before: list[str], after: list[str]) -> list[str]:
    """What an edited message changed, as lines: `Status: Pending → Running` for a field, else the new line."""
    fields = dict(_field(line) for line in before if _field(line)[0])
    shown: list[str] = []
    for line in after:
        if line in before:
            continue
        label, value = _field(line)
        if label and label in fields:
            shown.append(f"{label}: {fields[label]} → {value}")
        else:
            shown.append(line)
    return shown


def _field(line: str) -> tuple[str, str]:
    """(`Status`, `Running`) for a field line `  Status: Running`; ("", "") for any other line."""
    if line.startswith("  ") and not line.startswith("   ") and ": " in line:
        label, _, value = line[2:].partition(": ")
        return label, value
    return "", ""
