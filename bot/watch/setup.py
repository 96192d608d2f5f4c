"""The failure watch as the settings ask for it: its rules, the watcher thread, and the watch/mute desk."""

from __future__ import annotations

from bot.audit import AuditTrail
from bot.background import Lane
from bot.baseten import BasetenClient
from bot.baseten.links import DashboardLinks
from bot.clock import Clock
from bot.delivery import Delivery
from bot.messages.watch import Watching
from bot.settings import Settings
from bot.store import AuditStore
from bot.watch.desk import WatchDesk
from bot.watch.watcher import Watcher, WatchRules


def watch_rules(settings: Settings) -> WatchRules | None:
    """None when WATCH_PROJECT_IDS names nothing (settings make sure a channel is set when it does)."""
    if not settings.watch_project_ids or settings.watch_channel_id is None:
        return None
    projects = () if settings.watch_all else tuple(settings.watch_project_ids)
    return WatchRules(settings.watch_channel_id, projects, interval=settings.watch_interval)


def watcher(
    settings: Settings,
    reader: BasetenClient,
    store: AuditStore,
    delivery: Delivery,
    links: DashboardLinks,
    clock: Clock,
) -> Watcher | None:
    rules = watch_rules(settings)
    return None if rules is None else Watcher(reader, store, delivery, links, rules, clock=clock)


def watch_desk(
    settings: Settings,
    audit: AuditTrail,
    delivery: Delivery,
    links: DashboardLinks,
    lane: Lane,
    *,
    clock: Clock,
    origin: str,
) -> WatchDesk:
    """`watch`, `mute` and `unmute`; mute lines go out on the side lane, never holding up an ack."""
    rules = watch_rules(settings)
    watching = Watching(rules.channel_id, rules.projects, rules.interval) if rules else None
    return WatchDesk(audit, delivery, watching, links, background=lane.submit, clock=clock, origin=origin)
