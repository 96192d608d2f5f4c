"""What each Slack entry point is given: the pieces `bot.app.build` made, handed to `handlers.register`."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from slack_bolt import App
from slack_sdk import WebClient

from bot.access import AccessPolicy
from bot.audit import AuditTrail
from bot.background import Lane
from bot.baseten import BasetenClient
from bot.baseten.links import DashboardLinks
from bot.clock import Clock
from bot.confirm import Confirmations
from bot.delivery import Delivery
from bot.home import HomeTab
from bot.intake import Intake
from bot.recreate import RecreateService
from bot.runner import Runner
from bot.settings import Settings
from bot.slack_payloads import ResponseUrls
from bot.stop.service import Stopper
from bot.store import AuditStore
from bot.taps import Taps
from bot.unfurl import Unfurler, UnfurlRules
from bot.watch.setup import watch_desk
from bot.watch.taps import AlertTaps
from handlers import AlertButtonDeps, ButtonDeps, CommandDeps, HomeDeps, StopDeps, TapDeps, UnfurlDeps, register


@dataclass(frozen=True, kw_only=True)
class Core:
    """The bot's working parts, as built once from the settings."""

    settings: Settings
    policy: AccessPolicy
    service: RecreateService
    runner: Runner
    audit: AuditTrail
    delivery: Delivery
    links: DashboardLinks
    lane: Lane
    baseten: BasetenClient
    reader: BasetenClient
    web_client: WebClient
    store: AuditStore
    clock: Clock
    origin: str


def app_hosts(settings: Settings) -> frozenset[str]:
    """BASETEN_APP_URL's host: links to jobs on it are understood in commands and messages, and unfurled."""
    return frozenset({(urlsplit(str(settings.baseten_app_url)).hostname or "").lower()})


def register_entry_points(app: App, core: Core) -> None:
    """Every way in feeds one Intake: the same allowlist, guards and record, whichever it is."""
    c = core
    response_urls = ResponseUrls(str(c.settings.slack_api_url))
    hosts = app_hosts(c.settings)
    desk = watch_desk(c.settings, c.audit, c.delivery, c.links, c.lane, clock=c.clock, origin=c.origin)
    intake = Intake(c.policy, c.service, c.runner, c.audit, app_hosts=hosts, clock=c.clock, origin=c.origin, watch=desk)
    taps = Taps(intake, c.delivery, c.web_client, app_hosts=hosts, origin=c.origin)
    unfurl_rules = UnfurlRules(hosts, shared_channels=c.settings.unfurl_shared_channels)
    stopper = Stopper(c.baseten, c.reader, c.policy, c.audit, c.delivery, c.links, clock=c.clock, origin=c.origin)
    watching = bool(c.settings.watch_project_ids)
    alert_taps = AlertTaps(
        intake, c.audit, c.delivery, watch_channel_id=c.settings.watch_channel_id, clock=c.clock, origin=c.origin
    )
    register(
        app,
        CommandDeps(intake, response_urls),
        ButtonDeps(
            confirmations=Confirmations(c.service, c.policy, c.audit, c.delivery, clock=c.clock),
            runner=c.runner,
            delivery=c.delivery,
            background=c.lane.submit,
            response_urls=response_urls,
        ),
        unfurls=UnfurlDeps(
            Unfurler(c.policy, c.reader, c.web_client, c.links, unfurl_rules, clock=c.clock), c.lane.submit
        ),
        taps=TapDeps(taps, c.runner, c.delivery, c.lane.submit, response_urls),
        stop=StopDeps(stopper, c.runner, c.delivery, c.lane.submit, response_urls),
        alerts=AlertButtonDeps(alert_taps, c.runner, c.delivery, c.lane.submit, response_urls),
        home=HomeDeps(HomeTab(c.web_client, c.store, c.reader, c.policy, c.links, watching=watching), c.lane.submit),
    )
