"""The one place that wires the bot together: settings and collaborators in, a ready Bolt app out."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

import httpx
from slack_bolt import App, BoltResponse
from slack_sdk import WebClient

from bot.access import AccessPolicy, GroupDirectory
from bot.audit import AuditTrail
from bot.audit_channel import WINDOW_SECONDS, AuditChannel
from bot.background import Lane
from bot.baseten import BasetenClient
from bot.baseten.links import DashboardLinks
from bot.budget import Budget
from bot.confirm import Confirmations
from bot.delivery import Delivery, WebhookFactory, default_webhook, retry_handlers
from bot.follow import Follower, FollowRules
from bot.intake import Intake
from bot.leases import LeaseKeeper, Leases
from bot.reconcile import Reconciler
from bot.records import SLACK_ORIGIN
from bot.recovery import Recovery
from bot.recreate import RecreateService, Rules
from bot.retention import Pruner
from bot.runner import Runner
from bot.settings import Settings
from bot.slack_payloads import ResponseUrls
from bot.startup import check_bot_token
from bot.store import AuditStore, open_store, utcnow
from bot.watch.recreated import AlertFollowUp
from bot.watch.taps import AlertTaps
from bot.watch.watcher import Watcher, WatchRules
from handlers import AlertButtonDeps, ButtonDeps, CommandDeps, register

log = logging.getLogger(__name__)

GROUP_LOOKUP_TIMEOUT = 2


@dataclass
class Collaborators:
    """What tests and the console swap for fakes; production leaves every field at its default."""

    web_client: WebClient | None = None
    baseten_transport: httpx.BaseTransport | None = None
    baseten_timeout: httpx.Timeout | None = None
    webhook_factory: WebhookFactory = default_webhook
    sleep: Callable[[float], None] = field(default=time.sleep)
    runner: Runner | None = None
    store: AuditStore | None = None
    clock: Callable[[], datetime] = field(default=utcnow)
    origin: str = SLACK_ORIGIN
    """Recorded with every attempt this bot starts: where it was asked (see AttemptRecord.origin)."""
    token_team_id: str | None = None
    """The bot token's workspace, when start-up has already asked auth.test; else build() asks."""
    audit_window: float = WINDOW_SECONDS
    """How long refusals of one person are combined into one audit-channel line."""


@dataclass
class Bot:
    app: App
    settings: Settings
    runner: Runner
    baseten: BasetenClient
    web_client: WebClient
    store: AuditStore
    follower: Follower | None = None
    reader: BasetenClient | None = None
    groups: GroupDirectory | None = None
    leases: LeaseKeeper | None = None
    lane: Lane | None = None
    audit_channel: AuditChannel | None = None
    watcher: Watcher | None = None

    def close(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
        if self.lane is not None:
            self.lane.stop()
        if self.audit_channel is not None:
            self.audit_channel.stop()
        if self.leases is not None:
            self.leases.stop()
        if self.follower is not None:
            self.follower.stop()
        for client in (self.baseten, self.reader):
            if client is not None:
                client.close()
        self.store.close()


def build_web_client(settings: Settings) -> WebClient:
    return WebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=str(settings.slack_api_url),
        timeout=15,
        retry_handlers=list(retry_handlers()),
    )


def _group_client(settings: Settings) -> WebClient:
    """Group lookups run before the ack: a short timeout and no waiting out a 429, or Slack's 3 s pass."""
    return WebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=str(settings.slack_api_url),
        timeout=GROUP_LOOKUP_TIMEOUT,
        retry_handlers=[],
    )


def build(settings: Settings, collaborators: Collaborators | None = None) -> Bot:
    """Raises StoreError when the audit database cannot be opened."""
    parts = collaborators or Collaborators()
    store = parts.store or open_store(settings.database_url)
    web_client = parts.web_client or build_web_client(settings)
    baseten_kwargs: dict[str, object] = {}
    if parts.baseten_timeout is not None:
        baseten_kwargs["timeout"] = parts.baseten_timeout
    baseten = BasetenClient(
        settings.baseten_api_key.get_secret_value(),
        str(settings.baseten_api_url),
        transport=parts.baseten_transport,
        sleep=parts.sleep,
        **baseten_kwargs,  # type: ignore[arg-type]
    )
    links = DashboardLinks(str(settings.baseten_app_url))
    # Group refreshes and "busy" replies, for allowed users: never the runner's recreate capacity.
    lane = Lane("slack-side")
    groups = GroupDirectory(_group_client(settings), background=lane.submit) if settings.allowed_usergroup_ids else None
    policy = AccessPolicy(
        user_ids=settings.allowed_user_ids,
        group_ids=settings.allowed_usergroup_ids,
        channel_ids=settings.allowed_channel_ids,
        team_id=_workspace(settings, parts, web_client),
        enterprise_id=settings.slack_enterprise_id,
        groups=groups,
    )
    runner = parts.runner or Runner()
    delivery = Delivery(web_client, parts.webhook_factory)
    leases = Leases(store, ttl=settings.recover_after, clock=parts.clock)
    # Audit-channel lines have a queue of their own: a flood of refusals cannot delay anything an allowed user asked.
    audit_channel = (
        AuditChannel(delivery, settings.audit_channel_id, window=parts.audit_window)
        if settings.audit_channel_id
        else None
    )
    audit = AuditTrail(store, channel=audit_channel, leases=leases)
    budget = Budget(per_user=settings.recreate_limit_per_user, gpus_per_hour=settings.gpu_limit_per_hour)
    rules = Rules(
        confirm=settings.confirm, confirm_ttl=settings.confirm_ttl, cooldown=settings.recreate_cooldown, budget=budget
    )
    pruner = Pruner(
        store,
        retention_days=settings.audit_retention_days,
        lock_stale_after=rules.in_flight_stale_after,
        clock=parts.clock,
    )
    reader = _quick_reader(settings, parts)
    reconciler = Reconciler(reader, store, sleep=parts.sleep)
    follower = _follower(settings, parts, reader, store, delivery, links, leases.owner) if settings.follow else None
    alerts = AlertFollowUp(reader, store, delivery, links, clock=parts.clock)
    service = RecreateService(
        baseten,
        delivery,
        links,
        audit,
        rules,
        reconciler=reconciler,
        follower=follower,
        clock=parts.clock,
        alerts=alerts,
    )
    recovery = Recovery(service, store, leases, runner, clock=parts.clock)
    app = App(
        client=web_client,
        signing_secret=(settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None),
        # Socket Mode has no signatures; Bolt's check is skipped there and enforced in HTTP mode.
        request_verification_enabled=settings.slack_signing_secret is not None,
        # Bolt then checks the token once here and caches the answer; without it, every request of a burst
        # that arrives before the first answer calls auth.test again.
        token_verification_enabled=True,
        # The listener acks and hands the slow work to our Runner, so Bolt need not run it on its own pool.
        process_before_response=True,
        logger=_bolt_logger(),
    )
    response_urls = ResponseUrls(str(settings.slack_api_url))
    app_host = urlsplit(str(settings.baseten_app_url)).hostname or ""
    intake = Intake(
        policy,
        service,
        runner,
        audit,
        app_hosts=frozenset({app_host.lower()}),
        clock=parts.clock,
        origin=parts.origin,
    )
    taps = AlertTaps(
        intake,
        policy,
        audit,
        delivery,
        watch_channel_id=settings.watch_channel_id,
        clock=parts.clock,
        origin=parts.origin,
    )
    register(
        app,
        CommandDeps(intake, response_urls),
        ButtonDeps(
            confirmations=Confirmations(service, policy, audit, delivery, clock=parts.clock),
            runner=runner,
            delivery=delivery,
            background=lane.submit,
            response_urls=response_urls,
        ),
        AlertButtonDeps(taps, runner, delivery, lane.submit, response_urls),
    )
    app.error(_last_net)
    return Bot(
        app=app,
        settings=settings,
        runner=runner,
        baseten=baseten,
        web_client=web_client,
        store=store,
        follower=follower,
        reader=reader,
        groups=groups,
        leases=LeaseKeeper(leases, recovery.submit, retry=audit.backlog.retry, also=pruner.tick),
        lane=lane,
        audit_channel=audit_channel,
        watcher=_watcher(settings, parts, reader, store, delivery, links),
    )


def _workspace(settings: Settings, parts: Collaborators, web_client: WebClient) -> str | None:
    """The workspace whose people may use the bot: SLACK_TEAM_ID, else the bot token's own, so someone from
    another organization in a shared channel is refused. With SLACK_ENTERPRISE_ID alone, any of its workspaces."""
    if settings.slack_team_id or settings.slack_enterprise_id:
        return settings.slack_team_id
    return parts.token_team_id or check_bot_token(settings, web_client) or None


def _quick_reader(settings: Settings, parts: Collaborators) -> BasetenClient:
    """For reads that repeat on their own schedule (following jobs, looking for a lost job): a short timeout,
    no waiting out a 429, so a Baseten brownout cannot stretch one look into minutes."""
    return BasetenClient(
        settings.baseten_api_key.get_secret_value(),
        str(settings.baseten_api_url),
        transport=parts.baseten_transport,
        attempts=2,
        max_rate_limit_wait=0,
        sleep=parts.sleep,
        timeout=httpx.Timeout(10.0, read=15.0),
    )


def _follower(
    settings: Settings,
    parts: Collaborators,
    polling: BasetenClient,
    store: AuditStore,
    delivery: Delivery,
    links: DashboardLinks,
    owner: str,
) -> Follower:
    rules = FollowRules(
        interval=settings.follow_interval,
        follow_for=settings.follow_for,
        cap=settings.follow_max,
        max_interval=max(600.0, settings.follow_interval),
    )
    return Follower(polling, store, delivery, links, rules, clock=parts.clock, owner=owner)


def _watcher(
    settings: Settings,
    parts: Collaborators,
    reader: BasetenClient,
    store: AuditStore,
    delivery: Delivery,
    links: DashboardLinks,
) -> Watcher | None:
    """The failure watch, when WATCH_PROJECT_IDS names anything (settings make sure a channel is set then)."""
    if not settings.watch_project_ids or settings.watch_channel_id is None:
        return None
    projects = () if settings.watch_all else tuple(settings.watch_project_ids)
    rules = WatchRules(settings.watch_channel_id, projects, interval=settings.watch_interval)
    return Watcher(reader, store, delivery, links, rules, clock=parts.clock)


class _TokenFromEnvironment(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN itself and warns that it is unused beside our client: true, and expected."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def _bolt_logger() -> logging.Logger:
    logger = logging.getLogger("slack_bolt")
    if not any(isinstance(f, _TokenFromEnvironment) for f in logger.filters):
        logger.addFilter(_TokenFromEnvironment())
    return logger


def _last_net(error: Exception, body: dict[str, object]) -> BoltResponse:
    """Errors no listener caught: logged with their traceback; Slack gets an empty 200 so it shows no retry."""
    log.error("unhandled error for %s", body.get("type") or body.get("command"), exc_info=error)
    return BoltResponse(status=200, body="")
