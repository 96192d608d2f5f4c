"""The one place that wires the bot together: settings and collaborators in, a ready Bolt app out."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import httpx
from slack_bolt import App
from slack_sdk import WebClient

from bot.access import AccessPolicy, GroupDirectory
from bot.audit import AuditTrail
from bot.audit_channel import WINDOW_SECONDS, AuditChannel
from bot.background import Lane
from bot.baseten import BasetenClient
from bot.baseten.links import DashboardLinks
from bot.budget import Budget
from bot.clients import baseten_client, bolt_app, build_web_client, group_client, quick_reader, workspace
from bot.delivery import Delivery, WebhookFactory, default_webhook
from bot.entry_points import Core, register_entry_points
from bot.follow import Follower, FollowRules
from bot.leases import LeaseKeeper, Leases
from bot.reconcile import Reconciler
from bot.records import SLACK_ORIGIN
from bot.recovery import Recovery
from bot.recreate import RecreateService, Rules
from bot.retention import Pruner
from bot.runner import Runner
from bot.settings import Settings
from bot.slack_client import SlackWebClient
from bot.store import AuditStore, open_store, utcnow
from bot.watch.recreated import AlertFollowUp
from bot.watch.setup import watcher
from bot.watch.watcher import Watcher

__all__ = ["Bot", "Collaborators", "build", "build_web_client"]


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
        if isinstance(self.web_client, SlackWebClient):
            self.web_client.close_connections()
        self.store.close()


def build(settings: Settings, collaborators: Collaborators | None = None) -> Bot:
    """Raises StoreError when the audit database cannot be opened."""
    parts = collaborators or Collaborators()
    store = parts.store or open_store(settings.database_url)
    web_client = parts.web_client or build_web_client(settings)
    # One trust store for both Baseten clients: loading one takes tens of milliseconds.
    tls = httpx.create_ssl_context()
    baseten = baseten_client(settings, tls, parts.baseten_transport, parts.sleep, parts.baseten_timeout)
    reader = quick_reader(settings, tls, parts.baseten_transport, parts.sleep)
    links = DashboardLinks(str(settings.baseten_app_url))
    # Group refreshes and "busy" replies, for allowed users: never the runner's recreate capacity.
    lane = Lane("slack-side")
    groups = GroupDirectory(group_client(settings), background=lane.submit) if settings.allowed_usergroup_ids else None
    policy = AccessPolicy(
        user_ids=settings.allowed_user_ids,
        group_ids=settings.allowed_usergroup_ids,
        channel_ids=settings.allowed_channel_ids,
        team_id=workspace(settings, parts.token_team_id, web_client),
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
    app = bolt_app(settings, web_client)
    core = Core(
        settings=settings,
        policy=policy,
        service=service,
        runner=runner,
        audit=audit,
        delivery=delivery,
        links=links,
        lane=lane,
        baseten=baseten,
        reader=reader,
        web_client=web_client,
        store=store,
        clock=parts.clock,
        origin=parts.origin,
    )
    register_entry_points(app, core)
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
        watcher=watcher(settings, reader, store, delivery, links, parts.clock),
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
