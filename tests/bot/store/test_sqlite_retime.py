"""A file written by the bot before SQLite kept times as integers: every row reads back the same after the
migration, and the queries that pick rows by time pick the right ones, though text order was not time order."""

from __future__ import annotations

import sqlite3
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from bot.records import InFlight, Lease, Outcome, PreviewState, PruneBefore
from bot.store import SqliteAuditStore, StoreError
from bot.store.schema import SCHEMA_VERSION
from bot.store.sqlite import migrate
from bot.watch.record import SeenFailure
from tests.bot.store.contract import T0, attempt
from tests.bot.store.test_contract import followed, preview

BEFORE = SCHEMA_VERSION - 1
EAST = timezone(timedelta(hours=2))
WEST = timezone(timedelta(hours=-5))
# 10:15 at +02:00 is 08:15 UTC: earlier than T0 (09:30 UTC), though its text sorts after T0's.
EARLY_EAST = datetime(2026, 11, 26, 10, 15, tzinfo=EAST)
# 06:00 at -05:00 is 11:00 UTC: later than T0, though its text sorts before.
LATE_WEST = datetime(2026, 11, 26, 6, 0, tzinfo=WEST)


def old_text(value: Any) -> Any:
    """How the bot wrote a value before: a time as ISO text with whatever offset it had."""
    return value.isoformat(timespec="microseconds") if isinstance(value, datetime) else value


def write_old(db: sqlite3.Connection, table: str, row: object, **extra: Any) -> None:
    values = {f.name: old_text(getattr(row, f.name)) for f in fields(row)}  # type: ignore[arg-type]
    values.update(extra)
    marks = ", ".join("?" for _ in values)
    db.execute(f"INSERT INTO {table} ({', '.join(values)}) VALUES ({marks})", list(values.values()))  # noqa: S608


def schema(path: Path) -> tuple[dict[str, list[tuple[Any, ...]]], list[tuple[str, str]]]:
    """Each table's columns (name, type, not null, default, key) and every index's name and SQL."""
    with sqlite3.connect(path) as db:
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        columns = {table: [row[1:] for row in db.execute(f"PRAGMA table_info({table})")] for table in tables}
        indexes = db.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' ORDER BY name").fetchall()
    return columns, [(name, table) for name, table in indexes]


@pytest.fixture
def old_file(tmp_path: Path) -> Path:
    """A file at the previous version holding rows of every table, times with UTC, non-UTC and no offsets."""
    path = tmp_path / "audit.db"
    db = sqlite3.connect(path, isolation_level=None)
    try:
        migrate(db, target=BEFORE)
        write_old(db, "attempts", attempt("at-t0", created_at=T0, updated_at=T0, sent_at=T0, copy_key="ck"))
        write_old(
            db,
            "attempts",
            attempt(
                "early-east",
                outcome=Outcome.PENDING,
                created_at=EARLY_EAST,
                updated_at=EARLY_EAST,
                sent_at=EARLY_EAST,
                copy_key="ck",
            ),
        )
        write_old(db, "attempts", attempt("late-west", created_at=LATE_WEST, updated_at=LATE_WEST, gpu_total=8))
        write_old(
            db,
            "attempts",
            attempt(
                "in-doubt",
                outcome=Outcome.OUTCOME_UNKNOWN,
                created_at=T0 - timedelta(hours=2),
                sent_at=LATE_WEST,
                copy_key="ck",
            ),
        )
        write_old(db, "leases", Lease("at-t0", "proc-a", T0))
        write_old(db, "leases", Lease("early-east", "proc-b", EARLY_EAST))
        write_old(db, "leases", Lease("late-west", "proc-c", LATE_WEST))
        write_old(db, "previews", preview("p-east", expires_at=EARLY_EAST, created_at=EARLY_EAST))
        write_old(db, "previews", preview("p-west", expires_at=LATE_WEST, created_at=T0))
        write_old(db, "in_flight", InFlight("p7qr9qv", "at-t0", "UALLOWED01", EARLY_EAST))
        write_old(
            db,
            "followed",
            followed("f-west", next_poll_at=LATE_WEST, started_at=T0, outage_since=LATE_WEST),
            taken_by="proc-z",
            taken_until=old_text(EARLY_EAST),
        )
        write_old(db, "followed", followed("f-east", next_poll_at=EARLY_EAST, started_at=EARLY_EAST))
        write_old(db, "watch_failures", SeenFailure("j-east", "n4q95w5", "TRAINING_JOB_FAILED", EARLY_EAST, T0, True))
        write_old(db, "watch_failures", SeenFailure("j-west", "n4q95w5", "TRAINING_JOB_FAILED", T0, LATE_WEST, True))
        # No offset at all: the bot's clock was UTC.
        db.execute("INSERT INTO watch_scopes (scope, begun_at) VALUES ('all', '2026-11-26T09:30:00.000000')")
    finally:
        db.close()
    return path


def test_every_row_reads_back_the_same_in_utc(old_file: Path) -> None:
    store = SqliteAuditStore(old_file)
    try:
        assert store.get("early-east") == attempt(
            "early-east",
            outcome=Outcome.PENDING,
            created_at=EARLY_EAST,
            updated_at=EARLY_EAST,
            sent_at=EARLY_EAST,
            copy_key="ck",
        )
        late = store.get("late-west")
        assert late is not None and late.created_at == LATE_WEST and late.created_at.tzinfo is UTC
        assert late.gpu_total == 8
        assert store.get_preview("p-east") == preview("p-east", expires_at=EARLY_EAST, created_at=EARLY_EAST)
        assert store.followed("f-west") == followed(
            "f-west", next_poll_at=LATE_WEST, started_at=T0, outage_since=LATE_WEST
        )
        assert store.in_flight("p7qr9qv", 3600, EARLY_EAST) == InFlight("p7qr9qv", "at-t0", "UALLOWED01", EARLY_EAST)
        assert store.alerted_failures(10) == [
            SeenFailure("j-west", "n4q95w5", "TRAINING_JOB_FAILED", T0, LATE_WEST, True),
            SeenFailure("j-east", "n4q95w5", "TRAINING_JOB_FAILED", EARLY_EAST, T0, True),
        ]
        assert store.watch_begun("all", LATE_WEST) == T0
        assert store.schema_version() == SCHEMA_VERSION
    finally:
        store.close()


def test_queries_by_time_pick_rows_in_time_order_not_text_order(old_file: Path) -> None:
    store = SqliteAuditStore(old_file)
    try:
        assert [r.request_id for r in store.recent(10)] == ["late-west", "at-t0", "early-east", "in-doubt"]
        assert [lease.request_id for lease in store.expired_leases(T0, 10)] == ["early-east", "at-t0"]
        assert store.take_over("late-west", "proc-d", T0, T0 + timedelta(minutes=1)) is None
        assert store.contenders("ck", EARLY_EAST, LATE_WEST, excluding="nobody") == ["early-east", "in-doubt"]
        assert store.contenders("ck", T0, LATE_WEST, excluding="nobody") == ["in-doubt"]
        made = store.last_created("p7qr9qv", T0)
        assert made is not None and made.request_id == "late-west"
        # f-east is due; f-west not yet. f-west's old hold (08:15 UTC) has passed, so a due f-west could be taken.
        assert [f.job_id for f in store.followed_due(T0, 10)] == ["f-east"]
        assert [f.job_id for f in store.take_due("proc-a", LATE_WEST, 10, timedelta(minutes=1))] == ["f-east", "f-west"]
        assert store.expire_previews(T0) == ["p-east"]
        assert store.claim_preview("p-west", PreviewState.CONFIRMED, T0)
        assert sorted(s.request_id for s in store.spent_since(T0)) == ["at-t0", "in-doubt"]
    finally:
        store.close()


def test_pruning_a_migrated_file_removes_only_what_is_older(old_file: Path) -> None:
    store = SqliteAuditStore(old_file)
    try:
        cut = T0 - timedelta(minutes=1)  # after EARLY_EAST (08:15 UTC), before T0
        removed = store.prune(PruneBefore(attempts=cut, settled=cut, locks=cut, response_urls=cut))
        assert removed["attempts"] == 2
        assert store.get("early-east") is None and store.get("in-doubt") is None
        assert store.get("at-t0") is not None and store.get("late-west") is not None
        assert removed["in_flight"] == 1
        assert store.in_flight("p7qr9qv", 3600, EARLY_EAST) is None
    finally:
        store.close()


def test_columns_keys_and_indexes_stay_as_they_were_with_times_as_integers(old_file: Path, tmp_path: Path) -> None:
    before_columns, before_indexes = schema(old_file)
    SqliteAuditStore(old_file).close()
    after_columns, after_indexes = schema(old_file)

    assert after_indexes == before_indexes
    assert after_columns.keys() == before_columns.keys()
    for table, columns in before_columns.items():
        expected = [
            (name, "INTEGER" if name.endswith(("_at", "_until", "_since")) or name == "deadline" else kind, *rest)
            for name, kind, *rest in columns
        ]
        assert after_columns[table] == expected, table
    # A new file is built the same way as a migrated one.
    fresh = tmp_path / "fresh.db"
    SqliteAuditStore(fresh).close()
    assert schema(fresh) == (after_columns, after_indexes)


def test_a_time_that_cannot_be_read_stops_the_migration_and_leaves_the_file_as_it_was(old_file: Path) -> None:
    with sqlite3.connect(old_file) as db:
        db.execute("UPDATE previews SET created_at = 'yesterday' WHERE id = 'p-west'")

    with pytest.raises(StoreError, match=r"previews.*'yesterday'"):
        SqliteAuditStore(old_file)

    with sqlite3.connect(old_file) as db:
        (version,) = db.execute("PRAGMA user_version").fetchone()
        (kind,) = db.execute("SELECT typeof(created_at) FROM attempts WHERE request_id = 'at-t0'").fetchone()
    assert (version, kind) == (BEFORE, "text")


def test_a_write_after_the_migration_orders_with_the_migrated_rows(old_file: Path) -> None:
    store = SqliteAuditStore(old_file)
    try:
        between = T0 + timedelta(minutes=30)
        store.record(attempt("new", created_at=between, updated_at=between))
        assert [r.request_id for r in store.recent(10)] == ["late-west", "new", "at-t0", "early-east", "in-doubt"]
        with pytest.raises(ValueError, match="timezone-aware"):
            store.record(replace(attempt("naive"), created_at=datetime(2026, 11, 26, 9, 30)))
    finally:
        store.close()
