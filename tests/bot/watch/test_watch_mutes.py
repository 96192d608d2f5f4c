"""A muted project's failures are not alerted, nor replayed at its unmute; the mute ends by itself."""

from __future__ import annotations

from datetime import timedelta

from bot.store import SqliteAuditStore
from bot.watch.mutes import Mute
from tests.bot.watch.test_watcher import OTHER, PROJECT, World, world

__all__ = ["world"]  # fixture


def mute(world: World, project: str, hours: float) -> SqliteAuditStore:
    """Mutes from another connection to the same file, as the slash command's process would."""
    store = SqliteAuditStore(world.path)
    store.mute(Mute(project, world.now + timedelta(hours=hours), "UALLOWED01", world.now))
    return store


def alerted_ids(world: World) -> list[str]:
    return [job for alert in world.alerts() for job in ("f4i1ed1", "0ther001", "l8ter001") if job in alert["text"]]


def test_a_muted_project_is_not_alerted_while_other_projects_are(world: World) -> None:
    watcher = world.watcher(projects=(PROJECT, OTHER))
    watcher.tick()
    mute(world, PROJECT, hours=2).close()
    world.now += timedelta(minutes=1)
    world.fail("f4i1ed1")
    world.fail("0ther001", project=OTHER)
    watcher.tick()
    assert alerted_ids(world) == ["0ther001"]


def test_a_mute_also_holds_when_every_project_is_watched(world: World) -> None:
    watcher = world.watcher(projects=())
    watcher.tick()
    mute(world, PROJECT, hours=2).close()
    world.now += timedelta(minutes=1)
    world.fail("f4i1ed1")
    world.fail("0ther001", project=OTHER)
    watcher.tick()
    assert alerted_ids(world) == ["0ther001"]


def test_an_unmute_does_not_replay_the_failures_of_the_mute(world: World) -> None:
    watcher = world.watcher()
    watcher.tick()
    store = mute(world, PROJECT, hours=2)
    world.now += timedelta(minutes=1)
    world.fail("f4i1ed1")
    watcher.tick()
    assert store.unmute(PROJECT, world.now) is not None
    world.now += timedelta(minutes=1)
    world.fail("l8ter001")
    watcher.tick()
    store.close()
    assert alerted_ids(world) == ["l8ter001"]
    assert [seen.job_id for seen in SqliteAuditStore(world.path).alerted_failures(5)] == ["l8ter001"]


def test_a_mute_ends_by_itself_and_alerts_resume(world: World) -> None:
    watcher = world.watcher()
    watcher.tick()
    mute(world, PROJECT, hours=1).close()
    world.now += timedelta(minutes=30)
    world.fail("f4i1ed1")
    watcher.tick()
    world.now += timedelta(minutes=31)
    world.fail("l8ter001")
    watcher.tick()
    assert alerted_ids(world) == ["l8ter001"]
