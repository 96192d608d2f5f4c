"""Serving the app: HTTP mode (bot.http_server) or Socket Mode; both drain in-flight recreates on SIGTERM."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterable
from types import FrameType
from typing import TYPE_CHECKING, Any

from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot import http_server
from bot.app import Bot
from bot.startup import listen_error

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


def wsgi_app(bot: Bot) -> WSGIApplication:
    """Slack requests at POST /slack/events; GET /healthz answers 200, or 503 once shutting down."""
    slack = SlackRequestHandler(bot.app, path=EVENTS_PATH)

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH:
            ok = not bot.runner.closing
            start_response("200 OK" if ok else "503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"ok\n" if ok else b"shutting down\n"]
        with bot.runner.answering(environ.get(http_server.RECEIVED_AT)):
            return slack(environ, start_response)

    return application


def catch_stop_signals() -> threading.Event:
    """Install the SIGTERM/SIGINT handlers before anything is served: a signal that arrived between the first
    ack and their installation would kill the process (and the recreate it had just acknowledged) outright."""
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s: no new commands; finishing those in flight", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return stop


def wait_for_stop_signal(stop: threading.Event) -> None:
    while not stop.wait(1.0):
        pass


def drain(bot: Bot) -> None:
    unfinished = bot.runner.drain(bot.settings.shutdown_grace_seconds)
    if unfinished:
        # The outcome of these is unknown to this process; name them so someone can check Baseten.
        log.error("stopped with %d recreates still in flight: %s", len(unfinished), ", ".join(unfinished))
        # Do not close the Baseten client or the store under them: a recreate Baseten already acted on would
        # then fail locally and tell its requester "nothing was created". They finish, or die with the process.
        return
    log.info("all in-flight recreates finished")
    bot.close()


def start_background(bot: Bot) -> None:
    bot.runner.warm()
    if bot.groups is not None:
        bot.groups.warm(bot.settings.allowed_usergroup_ids)
    if bot.follower is not None:
        bot.follower.start()
    if bot.watcher is not None:
        bot.watcher.start()
    if bot.leases is not None:
        # Its first sweep takes over what a process that died left in flight.
        bot.leases.start()


def serve_http(bot: Bot, *, host: str = "0.0.0.0", ready: Callable[[int], Any] | None = None) -> None:  # noqa: S104
    stop = catch_stop_signals()
    # Before serving: warm() waits for every pool thread, so a recreate submitted meanwhile would hold it up.
    start_background(bot)
    try:
        server = http_server.create(wsgi_app(bot), host=host, port=bot.settings.port)
    except OSError as error:  # the port is taken, or needs privileges: one line from main, not a traceback
        raise listen_error(bot.settings.port, error) from None
    port = server.port
    thread = threading.Thread(target=server.run, name="http", daemon=True)
    thread.start()
    log.info("HTTP mode: listening on port %d (Slack requests at %s)", port, EVENTS_PATH)
    if ready is not None:
        ready(port)
    wait_for_stop_signal(stop)
    # Keep answering while draining: new commands get a polite "restarting" instead of a Slack error.
    drain(bot)
    server.close()
