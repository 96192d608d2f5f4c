"""The SQLite audit store: schema and migrations, what it returns, concurrent writers, and how it fails."""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest

from bot.settings import ConfigError, load_settings
from bot.store import AttemptRecord, AuditStore, Outcome, SqliteAuditStore, StoreError, Verdict, open_store, sqlite_path
from bot.store.schema import SCHEMA_VERSION
from bot.store.sqlite import MIGRATIONS, migrate
from tests.bot.store.contract import T0, attempt

__all__ = ["T0", "attempt"]  # other store tests take them from here too


def user_version(path: Path) -> int:
    with sqlite3.connect(path) as db:
        (version,) = db.execute("PRAGMA user_version").fetchone()
    return int(version)


def row_count(path: Path) -> int:
    with sqlite3.connect(path) as db:
        (count,) = db.execute("SELECT count(*) FROM attempts").fetchone()
    return int(count)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "audit.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[SqliteAuditStore]:
    opened = SqliteAuditStore(db_path)
    yield opened
    opened.close()


# --- schema ------------------------------------------------------------------------------------------------------


def test_a_new_file_and_its_directories_are_created_at_the_current_schema(tmp_path: Path) -> None:
    path = tmp_path / "data" / "nested" / "audit.db"

    SqliteAuditStore(path).close()

    assert path.is_file()
    assert user_version(path) == SCHEMA_VERSION
    with sqlite3.connect(path) as db:
        columns = {row[1] for row in db.execute("PRAGMA table_info(attempts)")}
    assert {name for name in AttemptRecord.__dataclass_fields__} <= columns


def test_reopening_a_current_file_keeps_its_records(db_path: Path) -> None:
    first = SqliteAuditStore(db_path)
    first.record(attempt("req-kept"))
    first.close()

    second = SqliteAuditStore(db_path)
    try:
        assert second.get("req-kept") == attempt("req-kept")
    finally:
        second.close()
    assert user_version(db_path) == SCHEMA_VERSION


# --- reading back what was written -------------------------------------------------------------------------------


def test_every_field_round_trips_with_its_type(db_path: Path) -> None:
    created = datetime(2026, 11, 26, 9, 30, 1, 123456, tzinfo=UTC)
    full = AttemptRecord(
        request_id="0123456789ab",
        user_id="UALLOWED01",
        channel_id="GPRIVATE01",
        team_id="T0TEAM0001",
        command_text="n4q95w5 p7qr9qv “smart” & <!channel> 🚀",
        decision=Verdict.ALLOWED,
        outcome=Outcome.CREATED,
        created_at=created,
        updated_at=created + timedelta(seconds=2, microseconds=5),
        source_project_id="n4q95w5",
        source_job_id="p7qr9qv",
        refusal=None,
        new_job_id="new0001",
        new_job_status="TRAINING_JOB_CREATED",
        instance_type="H100 x8",
        gpus="8 × H100",
        error="Confirmed after an error",
        baseten_ms=1234.5,
        card_route="channel",
        card_channel_id="GPRIVATE01",
        card_ts="1700000001.000100",
    )
    writer = SqliteAuditStore(db_path)
    writer.record(full)
    writer.close()

    reader = SqliteAuditStore(db_path)
    try:
        back = reader.get("0123456789ab")
    finally:
        reader.close()

    assert back == full
    assert back is not None
    assert back.decision is Verdict.ALLOWED
    assert back.outcome is Outcome.CREATED
    assert back.created_at.tzinfo is not None
    assert back.created_at == created
    assert isinstance(back.baseten_ms, float)


def test_a_refusal_round_trips_and_an_unknown_id_is_none(store: SqliteAuditStore) -> None:
    refused = attempt(
        "req-refused",
        decision=Verdict.REFUSED,
        outcome=Outcome.REFUSED,
        refusal="user_not_allowed",
        team_id=None,
        source_project_id=None,
    )
    store.record(refused)

    back = store.get("req-refused")
    assert back == refused
    assert back is not None
    assert back.decision is Verdict.REFUSED
    assert back.refusal == "user_not_allowed"
    assert back.team_id is None
    assert store.get("no-such-request") is None


def test_recording_the_same_request_again_replaces_it(store: SqliteAuditStore, db_path: Path) -> None:
    pending = attempt("req-1", outcome=Outcome.PENDING)
    store.record(pending)
    store.record(
        pending.made(
            job_id="new0001", status="TRAINING_JOB_CREATED", instance_type="H100 x8", gpus="8 × H100", note=None, at=T0
        )
    )

    back = store.get("req-1")
    assert back is not None
    assert back.outcome is Outcome.CREATED
    assert back.new_job_id == "new0001"
    assert back.created_at == pending.created_at
    assert row_count(db_path) == 1


def test_recent_lists_only_allowed_attempts_newest_first_up_to_the_limit(store: SqliteAuditStore) -> None:
    for minute in range(6):
        store.record(attempt(f"allowed-{minute}", created_at=T0 + timedelta(minutes=minute)))
    # Newer than every allowed attempt, but not recreations.
    store.record(
        attempt("refused", decision=Verdict.REFUSED, outcome=Outcome.REFUSED, created_at=T0 + timedelta(hours=1))
    )
    store.record(
        attempt("typo", decision=Verdict.BAD_INPUT, outcome=Outcome.BAD_INPUT, created_at=T0 + timedelta(hours=2))
    )
    # An allowed attempt that failed is still a recreation attempt.
    store.record(attempt("failed", outcome=Outcome.FAILED, created_at=T0 + timedelta(minutes=30)))

    listed = [record.request_id for record in store.recent(4)]

    assert listed == ["failed", "allowed-5", "allowed-4", "allowed-3"]
    assert len(store.recent(50)) == 7
    assert store.recent(1)[0].request_id == "failed"


def test_recent_is_empty_on_a_new_store(store: SqliteAuditStore) -> None:
    assert store.recent(10) == []
    assert store.involving("p7qr9qv", 10) == []


def test_involving_matches_the_source_or_the_new_job_newest_first(store: SqliteAuditStore) -> None:
    store.record(attempt("from-it", source_job_id="p7qr9qv", new_job_id="new0001", created_at=T0))
    store.record(
        attempt("made-it", source_job_id="a1b2c3d", new_job_id="p7qr9qv", created_at=T0 + timedelta(minutes=1))
    )
    store.record(
        attempt(
            "refused-on-it",
            decision=Verdict.REFUSED,
            outcome=Outcome.REFUSED,
            source_job_id="p7qr9qv",
            created_at=T0 + timedelta(minutes=2),
        )
    )
    store.record(attempt("unrelated", source_job_id="zz9yy8x", new_job_id="new0002", created_at=T0))

    assert [r.request_id for r in store.involving("p7qr9qv", 50)] == ["refused-on-it", "made-it", "from-it"]
    assert [r.request_id for r in store.involving("p7qr9qv", 2)] == ["refused-on-it", "made-it"]
    assert [r.request_id for r in store.involving("new0001", 50)] == ["from-it"]
    assert store.involving("nothing1", 50) == []


# --- migrations --------------------------------------------------------------------------------------------------


def _make_version_1_file(path: Path) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    try:
        assert migrate(db, target=1) == 0
        db.execute(
            "INSERT INTO attempts (request_id, created_at, updated_at, team_id, user_id, channel_id, command_text, "
            "decision, outcome, source_project_id, source_job_id, new_job_id, new_job_status, instance_type, gpus, "
            "baseten_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                "old-request",
                "2025-01-02T03:04:05.000006+00:00",
                "2025-01-02T03:04:07.000006+00:00",
                "T0TEAM0001",
                "UALLOWED01",
                "CCHANNEL01",
                "p7qr9qv",
                "allowed",
                "created",
                "n4q95w5",
                "p7qr9qv",
                "new0001",
                "TRAINING_JOB_CREATED",
                "H100 x8",
                "8 × H100",
                812.5,
            ),
        )
    finally:
        db.close()


def test_a_version_1_file_is_migrated_and_its_rows_kept(db_path: Path) -> None:
    _make_version_1_file(db_path)
    assert user_version(db_path) == 1
    assert len(MIGRATIONS) == SCHEMA_VERSION > 1

    store = SqliteAuditStore(db_path)
    try:
        old = store.get("old-request")
        assert old is not None
        assert old.outcome is Outcome.CREATED
        assert old.new_job_id == "new0001"
        assert old.created_at == datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
        assert old.baseten_ms == 812.5
        assert (old.card_route, old.card_channel_id, old.card_ts) == (None, None, None)
        assert old.origin == "slack"  # attempts made before origins were recorded all came from Slack
        assert [r.request_id for r in store.involving("new0001", 10)] == ["old-request"]

        # The columns added since version 1 are usable.
        store.record(
            attempt("new-request", card_route="channel", card_channel_id="CCHANNEL01", card_ts="1700000001.000100")
        )
        new = store.get("new-request")
        assert new is not None
        assert (new.card_route, new.card_channel_id, new.card_ts) == ("channel", "CCHANNEL01", "1700000001.000100")
        store.record(attempt("console-request", origin="console:alice as U0123ABC"))
        made = store.get("console-request")
        assert made is not None
        assert made.origin == "console:alice as U0123ABC"
    finally:
        store.close()
    assert user_version(db_path) == SCHEMA_VERSION


def test_a_file_from_a_newer_bot_is_refused_and_left_untouched(db_path: Path) -> None:
    with sqlite3.connect(db_path) as db:
        db.execute("CREATE TABLE attempts (request_id TEXT PRIMARY KEY, from_the_future TEXT)")
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")

    with pytest.raises(StoreError) as caught:
        SqliteAuditStore(db_path)

    message = str(caught.value)
    assert str(SCHEMA_VERSION + 1) in message
    assert "newer" in message
    assert user_version(db_path) == SCHEMA_VERSION + 1
    with sqlite3.connect(db_path) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(attempts)")]
    assert columns == ["request_id", "from_the_future"]


# --- concurrent writers ------------------------------------------------------------------------------------------


def _write_many(store: AuditStore, prefix: str, count: int) -> None:
    for number in range(count):
        store.record(attempt(f"{prefix}-{number}", created_at=T0 + timedelta(microseconds=number)))


def _run_at_once(jobs: list[Callable[[], None]]) -> None:
    """Start every job together; re-raise the first error any of them hit."""
    start = threading.Barrier(len(jobs))

    def run(job: Callable[[], None]) -> None:
        start.wait(timeout=10)
        job()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = [pool.submit(run, job) for job in jobs]
    for future in futures:
        future.result()


def test_eight_threads_writing_to_one_store_lose_nothing(store: SqliteAuditStore, db_path: Path) -> None:
    _run_at_once([partial(_write_many, store, f"t{n}", 50) for n in range(8)])

    assert row_count(db_path) == 400
    assert len(store.recent(1000)) == 400
    assert store.get("t7-49") is not None
    assert store.get("t0-0") is not None


def test_two_stores_on_one_file_writing_at_once_lose_nothing(db_path: Path) -> None:
    first, second = SqliteAuditStore(db_path), SqliteAuditStore(db_path)
    try:
        jobs: list[Callable[[], None]] = []
        for n in range(4):
            jobs.append(partial(_write_many, first, f"a{n}", 50))
            jobs.append(partial(_write_many, second, f"b{n}", 50))
        _run_at_once(jobs)

        assert row_count(db_path) == 400
        # Each store sees what the other wrote.
        assert first.get("b3-49") is not None
        assert second.get("a3-49") is not None
        assert len(second.recent(1000)) == 400
    finally:
        first.close()
        second.close()


def test_several_bots_opening_a_new_file_at_once_all_start_and_migrate_it_once(tmp_path: Path) -> None:
    """Replicas starting together on a fresh volume. The race is narrow, so it is run many times."""
    for round_number in range(60):
        path = tmp_path / f"round{round_number}.db"
        opened: list[SqliteAuditStore] = []
        lock = threading.Lock()

        def open_and_write(
            prefix: str,
            path: Path = path,
            opened: list[SqliteAuditStore] = opened,
            lock: threading.Lock = lock,
        ) -> None:
            store = SqliteAuditStore(path)
            with lock:
                opened.append(store)
            _write_many(store, prefix, 3)

        try:
            _run_at_once([partial(open_and_write, f"s{n}") for n in range(8)])
        finally:
            for store in opened:
                store.close()

        assert user_version(path) == SCHEMA_VERSION
        assert row_count(path) == 24


# --- failures are StoreError, never sqlite3.Error or OSError -----------------------------------------------------


def test_a_path_under_a_regular_file_is_a_store_error(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "plain-file"
    not_a_dir.write_text("I am a file")

    for path in (not_a_dir / "audit.db", not_a_dir / "deeper" / "audit.db"):
        with pytest.raises(StoreError) as caught:
            SqliteAuditStore(path)
        assert str(path) in str(caught.value)


def test_a_directory_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as caught:
        SqliteAuditStore(tmp_path)
    assert "cannot open the audit database" in str(caught.value)


def test_a_file_that_is_not_a_database_is_a_store_error_and_is_not_overwritten(db_path: Path) -> None:
    db_path.write_text("these are somebody's notes, not a database\n" * 100)

    with pytest.raises(StoreError):
        SqliteAuditStore(db_path)

    assert db_path.read_text().startswith("these are somebody's notes")


@pytest.mark.parametrize(
    "use",
    [
        pytest.param(lambda s: s.record(attempt("late")), id="record"),
        pytest.param(lambda s: s.get("late"), id="get"),
        pytest.param(lambda s: s.recent(10), id="recent"),
        pytest.param(lambda s: s.involving("p7qr9qv", 10), id="involving"),
    ],
)
def test_a_store_that_can_no_longer_reach_its_file_raises_store_error(
    db_path: Path, use: Callable[[SqliteAuditStore], object]
) -> None:
    store = SqliteAuditStore(db_path)
    store.close()

    with pytest.raises(StoreError) as caught:
        use(store)

    assert not isinstance(caught.value, sqlite3.Error)
    assert isinstance(caught.value.__cause__, sqlite3.Error)


def test_a_read_only_database_refuses_writes_with_store_error(db_path: Path) -> None:
    """A file the bot may read but not write (e.g. a read-only mount): the write fails as StoreError."""
    SqliteAuditStore(db_path).close()
    store = SqliteAuditStore(db_path)
    try:
        # Swap in a read-only handle on the same file: what the bot sees when the mount turns read-only.
        store._db.close()
        store._db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
        with pytest.raises(StoreError) as caught:
            store.record(attempt("cannot-write"))
        assert "readonly" in str(caught.value) or "read-only" in str(caught.value)
        assert store.get("cannot-write") is None
    finally:
        store.close()


# --- DATABASE_URL ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///relative.db", "relative.db"),
        ("sqlite:///data/audit.db", "data/audit.db"),
        ("sqlite:////abs/path.db", "/abs/path.db"),
        ("sqlite:///:memory:", ":memory:"),
    ],
)
def test_sqlite_urls_name_the_file(url: str, path: str) -> None:
    assert sqlite_path(url) == path


@pytest.mark.parametrize("url", ["sqlite://host/audit.db", "sqlite:///", "sqlite:"])
def test_sqlite_urls_without_a_usable_path_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match=re.escape("sqlite:///path/to/audit.db")):
        sqlite_path(url)


def test_open_store_with_a_relative_url_creates_the_file_under_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    store = open_store("sqlite:///state/relative.db")
    try:
        store.record(attempt("rel"))
    finally:
        store.close()

    assert user_version(tmp_path / "state" / "relative.db") == SCHEMA_VERSION
    assert row_count(tmp_path / "state" / "relative.db") == 1


def test_open_store_with_an_absolute_url_uses_that_file(tmp_path: Path) -> None:
    path = tmp_path / "abs" / "audit.db"

    store = open_store(f"sqlite:///{path}")
    try:
        store.record(attempt("abs"))
    finally:
        store.close()

    assert str(path).startswith("/")
    assert row_count(path) == 1


def test_open_store_in_memory_works_and_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)

    store = open_store("sqlite:///:memory:")
    try:
        store.record(attempt("mem"))
        assert store.get("mem") == attempt("mem")
    finally:
        store.close()

    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("url", "scheme"),
    [("mysql://user:pw@db.internal/audit", "mysql"), ("oracle://db/audit", "oracle")],
)
def test_open_store_refuses_other_databases_naming_the_scheme(url: str, scheme: str) -> None:
    with pytest.raises(StoreError) as caught:
        open_store(url)
    message = str(caught.value)
    assert repr(scheme) in message
    assert "not supported" in message
    assert "pw" not in message


def test_open_store_with_a_malformed_sqlite_url_is_a_store_error() -> None:
    with pytest.raises(StoreError, match=re.escape("sqlite:///path/to/audit.db")):
        open_store("sqlite://host/audit.db")


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mysql://user:pw@db.internal/audit", "'mysql' is not supported"),
        ("audit.db", "'audit.db' is not supported"),
        ("sqlite://host/audit.db", "must look like sqlite:///path/to/audit.db"),
        ("sqlite:///", "names no file"),
    ],
)
def test_settings_with_a_bad_database_url_give_one_line_naming_it(url: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(
            _env_file=None,
            slack_bot_token="xoxb-test-bot-token-000000",
            slack_signing_secret="test-signing-secret-0123456789",
            baseten_api_key="bt-test-key-123456",
            database_url=url,
        )
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("Configuration error: DATABASE_URL ")
    assert says in message
    assert "pw@" not in message


def test_a_new_job_can_be_claimed_by_one_request_only(tmp_path: Path) -> None:
    first = SqliteAuditStore(tmp_path / "audit.db")
    second = SqliteAuditStore(tmp_path / "audit.db")
    try:
        assert first.claim_new_job("new0001", "request-a")
        assert not second.claim_new_job("new0001", "request-b")
        assert second.claim_new_job("new0001", "request-a")  # the owner asking again keeps it
    finally:
        first.close()
        second.close()
