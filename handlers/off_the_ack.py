"""What every button listener does after its ack: parse the click once, then run its work on the runner, or say
"busy" on the side lane when the runner takes no more."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from pydantic import ValidationError

from bot.background import Submit
from bot.delivery import Delivery
from bot.messages import replies
from bot.runner import Runner
from bot.slack_payloads import ButtonClick, ResponseUrls

log = logging.getLogger(__name__)


class Workers(Protocol):
    @property
    def runner(self) -> Runner: ...
    @property
    def delivery(self) -> Delivery: ...
    @property
    def background(self) -> Submit: ...
    @property
    def response_urls(self) -> ResponseUrls: ...


def click_of(deps: Workers, body: dict[str, Any], what: str) -> ButtonClick | None:
    try:
        return ButtonClick.model_validate(body, context={"response_urls": deps.response_urls})
    except ValidationError:
        log.warning("ignored a %s without user or action", what)
        return None


def run_or_say_busy(deps: Workers, work: Callable[[], object], label: str, response_url: str | None) -> None:
    """In the runner, like every recreate; when it takes no more, "busy" goes out on the side lane."""
    if not deps.runner.submit(work, label=label):
        message = replies.shutting_down() if deps.runner.closing else replies.busy()
        # Not inline: Bolt sends the ack only when this listener returns.
        deps.background(lambda: deps.delivery.reply(response_url, message), "busy reply")


def dispatch(deps: Workers, body: dict[str, Any], handle: Callable[[ButtonClick], object], what: str) -> None:
    click = click_of(deps, body, what)
    if click is not None:
        label = f"{click.action.action_id} {click.action.value}"
        run_or_say_busy(deps, lambda: handle(click), label, click.response_url)
