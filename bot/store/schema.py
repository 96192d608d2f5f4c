"""The schema history both backends share: version N is one SQLite text and one PostgreSQL text, applied in order.

Plain versioned SQL, not a migration tool: the project has no ORM, and Alembic would bring SQLAlchemy in for a
dozen small tables; the history is short, each step is a few DDL statements, and keeping both dialects side by side
under one number makes a step that exists for one backend only impossible to write by accident. SQLite records the
version in PRAGMA user_version (files written by older bots carry it already); PostgreSQL in a `schema_version`
table, updated in the migrating transaction, which holds an advisory lock so replicas starting together take turns.

Never edit a released step: append one, so a database written by an older bot is migrated when a newer one opens it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    """One schema version: the same change written for each backend."""

    why: str
    sqlite: str
    postgres: str
    sqlite_times: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Tables and their time columns that SQLite rebuilds after `sqlite` runs: ISO 8601 text becomes INTEGER
    microseconds since the epoch, UTC (bot/store/sqlite_time.py); every other column, key and index stays as it is.
    A rebuild needs Python to read each text, so it is data here and bot/store/sqlite_migrate.py carries it out."""

    def statements(self, dialect: str) -> list[str]:
        text = self.sqlite if dialect == "sqlite" else self.postgres
        return [statement for statement in text.split(";") if statement.strip()]


HISTORY: tuple[Step, ...] = (
    Step(
        why="The audit trail: one row per attempt.",
        sqlite="""
    CREATE TABLE attempts (
        request_id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        team_id TEXT,
        user_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        command_text TEXT NOT NULL,
        decision TEXT NOT NULL,
        outcome TEXT NOT NULL,
        source_project_id TEXT,
        source_job_id TEXT,
        refusal TEXT,
        new_job_id TEXT,
        new_job_status TEXT,
        instance_type TEXT,
        gpus TEXT,
        error TEXT,
        baseten_ms REAL
    );
    CREATE INDEX attempts_created_at ON attempts (created_at);
    CREATE INDEX attempts_source_job ON attempts (source_job_id);
    CREATE INDEX attempts_new_job ON attempts (new_job_id);
    """,
        postgres="""
    CREATE TABLE attempts (
        request_id TEXT PRIMARY KEY,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        team_id TEXT,
        user_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        command_text TEXT NOT NULL,
        decision TEXT NOT NULL,
        outcome TEXT NOT NULL,
        source_project_id TEXT,
        source_job_id TEXT,
        refusal TEXT,
        new_job_id TEXT,
        new_job_status TEXT,
        instance_type TEXT,
        gpus TEXT,
        error TEXT,
        baseten_ms DOUBLE PRECISION
    );
    CREATE INDEX attempts_created_at ON attempts (created_at);
    CREATE INDEX attempts_source_job ON attempts (source_job_id);
    CREATE INDEX attempts_new_job ON attempts (new_job_id);
    """,
    ),
    Step(
        why="Where the card went, so it can be found and edited later.",
        sqlite="""
    ALTER TABLE attempts ADD COLUMN card_route TEXT;
    ALTER TABLE attempts ADD COLUMN card_channel_id TEXT;
    ALTER TABLE attempts ADD COLUMN card_ts TEXT;
    """,
        postgres="""
    ALTER TABLE attempts ADD COLUMN card_route TEXT;
    ALTER TABLE attempts ADD COLUMN card_channel_id TEXT;
    ALTER TABLE attempts ADD COLUMN card_ts TEXT;
    """,
    ),
    Step(
        why="Confirmations that any process can complete, and the per-source-job lock against duplicate recreates.",
        sqlite="""
    CREATE TABLE previews (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        team_id TEXT,
        response_url TEXT,
        command_text TEXT NOT NULL,
        project_id TEXT NOT NULL,
        job_id TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        state TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE in_flight (
        source_job_id TEXT PRIMARY KEY,
        request_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        started_at TEXT NOT NULL
    );
    """,
        postgres="""
    CREATE TABLE previews (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        team_id TEXT,
        response_url TEXT,
        command_text TEXT NOT NULL,
        project_id TEXT NOT NULL,
        job_id TEXT NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL,
        state TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL
    );
    CREATE TABLE in_flight (
        source_job_id TEXT PRIMARY KEY,
        request_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        started_at TIMESTAMPTZ NOT NULL
    );
    """,
    ),
    Step(
        why="Jobs whose cards are kept current, so following survives restarts.",
        sqlite="""
    CREATE TABLE followed (
        job_id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL,
        request_id TEXT NOT NULL,
        requester_id TEXT NOT NULL,
        source_job_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        status TEXT NOT NULL,
        next_poll_at TEXT NOT NULL,
        interval REAL NOT NULL,
        started_at TEXT NOT NULL,
        deadline TEXT NOT NULL,
        card_channel_id TEXT,
        card_ts TEXT,
        response_url TEXT,
        outage_since TEXT,
        done INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX followed_active ON followed (done, started_at);
    """,
        postgres="""
    CREATE TABLE followed (
        job_id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL,
        request_id TEXT NOT NULL,
        requester_id TEXT NOT NULL,
        source_job_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        status TEXT NOT NULL,
        next_poll_at TIMESTAMPTZ NOT NULL,
        interval DOUBLE PRECISION NOT NULL,
        started_at TIMESTAMPTZ NOT NULL,
        deadline TIMESTAMPTZ NOT NULL,
        card_channel_id TEXT,
        card_ts TEXT,
        response_url TEXT,
        outage_since TIMESTAMPTZ,
        done BOOLEAN NOT NULL DEFAULT FALSE
    );
    CREATE INDEX followed_active ON followed (done, started_at);
    """,
    ),
    Step(
        why="Which request a new job belongs to: one row per job, so two lost answers never claim the same job.",
        sqlite="""
    CREATE TABLE job_claims (
        job_id TEXT PRIMARY KEY,
        request_id TEXT NOT NULL
    );
    INSERT OR IGNORE INTO job_claims (job_id, request_id)
        SELECT new_job_id, request_id FROM attempts WHERE new_job_id IS NOT NULL;
    CREATE INDEX attempts_source_updated ON attempts (source_job_id, updated_at);
    """,
        postgres="""
    CREATE TABLE job_claims (
        job_id TEXT PRIMARY KEY,
        request_id TEXT NOT NULL
    );
    INSERT INTO job_claims (job_id, request_id)
        SELECT new_job_id, request_id FROM attempts WHERE new_job_id IS NOT NULL ON CONFLICT DO NOTHING;
    CREATE INDEX attempts_source_updated ON attempts (source_job_id, updated_at);
    """,
    ),
    Step(
        why=(
            "When each recreate went out and what its source looked like, so a lost answer can be looked for by any "
            "process; and the leases that say which process is working on each attempt in flight."
        ),
        sqlite="""
    ALTER TABLE attempts ADD COLUMN sent_at TEXT;
    ALTER TABLE attempts ADD COLUMN copy_key TEXT;
    CREATE INDEX attempts_copy_key ON attempts (copy_key, sent_at);
    CREATE TABLE leases (
        request_id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        response_url TEXT
    );
    CREATE INDEX leases_expiry ON leases (expires_at);
    CREATE INDEX leases_owner ON leases (owner);
    """,
        postgres="""
    ALTER TABLE attempts ADD COLUMN sent_at TIMESTAMPTZ;
    ALTER TABLE attempts ADD COLUMN copy_key TEXT;
    CREATE INDEX attempts_copy_key ON attempts (copy_key, sent_at);
    CREATE TABLE leases (
        request_id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL,
        response_url TEXT
    );
    CREATE INDEX leases_expiry ON leases (expires_at);
    CREATE INDEX leases_owner ON leases (owner);
    """,
    ),
    Step(
        why="A version on each followed job, so of two processes saving one poll's result only the first is kept.",
        sqlite="""
    ALTER TABLE followed ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
    """,
        postgres="""
    ALTER TABLE followed ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
    """,
    ),
    Step(
        why="Where each attempt was made: from Slack, or from the console and by whom (see AttemptRecord.origin).",
        sqlite="""
    ALTER TABLE attempts ADD COLUMN origin TEXT NOT NULL DEFAULT 'slack';
    """,
        postgres="""
    ALTER TABLE attempts ADD COLUMN origin TEXT NOT NULL DEFAULT 'slack';
    """,
    ),
    Step(
        why=(
            "The failure watch: one row per failed job seen (its primary key is the claim that stops a second "
            "alert), and when each watched scope (a project ID, or all) was first watched."
        ),
        sqlite="""
    CREATE TABLE watch_failures (
        job_id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL,
        status TEXT NOT NULL,
        failed_at TEXT NOT NULL,
        seen_at TEXT NOT NULL,
        alerted INTEGER NOT NULL,
        channel_id TEXT,
        ts TEXT
    );
    CREATE INDEX watch_failures_seen ON watch_failures (seen_at);
    CREATE TABLE watch_scopes (
        scope TEXT PRIMARY KEY,
        begun_at TEXT NOT NULL
    );
    """,
        postgres="""
    CREATE TABLE watch_failures (
        job_id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL,
        status TEXT NOT NULL,
        failed_at TIMESTAMPTZ NOT NULL,
        seen_at TIMESTAMPTZ NOT NULL,
        alerted BOOLEAN NOT NULL,
        channel_id TEXT,
        ts TEXT
    );
    CREATE INDEX watch_failures_seen ON watch_failures (seen_at);
    CREATE TABLE watch_scopes (
        scope TEXT PRIMARY KEY,
        begun_at TIMESTAMPTZ NOT NULL
    );
    """,
    ),
    Step(
        why="The GPUs each recreate starts, for the budget; and indexes for it, for scoped history and for pruning.",
        sqlite="""
    ALTER TABLE attempts ADD COLUMN gpu_total INTEGER;
    CREATE INDEX attempts_sent_at ON attempts (sent_at);
    CREATE INDEX attempts_channel ON attempts (channel_id, created_at);
    CREATE INDEX attempts_user ON attempts (user_id, created_at);
    CREATE INDEX previews_created ON previews (created_at);
    """,
        postgres="""
    ALTER TABLE attempts ADD COLUMN gpu_total INTEGER;
    CREATE INDEX attempts_sent_at ON attempts (sent_at);
    CREATE INDEX attempts_channel ON attempts (channel_id, created_at);
    CREATE INDEX attempts_user ON attempts (user_id, created_at);
    CREATE INDEX previews_created ON previews (created_at);
    """,
    ),
    Step(
        why="Who polls each followed job and until when (see take_due), so no job is polled by two replicas at once.",
        sqlite="""
    ALTER TABLE followed ADD COLUMN taken_by TEXT;
    ALTER TABLE followed ADD COLUMN taken_until TEXT;
    """,
        postgres="""
    ALTER TABLE followed ADD COLUMN taken_by TEXT;
    ALTER TABLE followed ADD COLUMN taken_until TIMESTAMPTZ;
    """,
    ),
    Step(
        why="Projects whose failure alerts are muted, and until when (`/recreate-job mute`); SQLite times as "
        "INTEGER microseconds since the epoch, UTC (bot/store/sqlite_time.py).",
        sqlite="""
    CREATE TABLE watch_mutes (
        project_id TEXT PRIMARY KEY,
        until INTEGER NOT NULL,
        muted_by TEXT NOT NULL,
        muted_at INTEGER NOT NULL
    );
    """,
        postgres="""
    CREATE TABLE watch_mutes (
        project_id TEXT PRIMARY KEY,
        until TIMESTAMPTZ NOT NULL,
        muted_by TEXT NOT NULL,
        muted_at TIMESTAMPTZ NOT NULL
    );
    """,
    ),
    Step(
        why=(
            "Stop from the card: what each attempt asked for (a recreate or a stop), and one row per job whose stop "
            "is under way or done (its primary key is the claim that stops a double tap sending two)."
        ),
        sqlite="""
    ALTER TABLE attempts ADD COLUMN action TEXT NOT NULL DEFAULT 'recreate';
    CREATE TABLE stops (
        job_id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL,
        request_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        requested_at INTEGER NOT NULL,
        stopped INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX stops_requested ON stops (requested_at);
    """,
        postgres="""
    ALTER TABLE attempts ADD COLUMN action TEXT NOT NULL DEFAULT 'recreate';
    CREATE TABLE stops (
        job_id TEXT PRIMARY KEY,
        project_id TEXT NOT NULL,
        request_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        requested_at TIMESTAMPTZ NOT NULL,
        stopped BOOLEAN NOT NULL DEFAULT FALSE
    );
    CREATE INDEX stops_requested ON stops (requested_at);
    """,
    ),
    Step(
        why=(
            "Who recreated each alerted failure from its Recreate button, when, and the job it made: set only while "
            "unclaimed, so one alert makes at most one job; the claiming request is cleared if it ends without one."
        ),
        sqlite="""
    ALTER TABLE watch_failures ADD COLUMN recreate_request TEXT;
    ALTER TABLE watch_failures ADD COLUMN recreated_by TEXT;
    ALTER TABLE watch_failures ADD COLUMN recreated_at INTEGER;
    ALTER TABLE watch_failures ADD COLUMN recreated_job_id TEXT;
    CREATE INDEX watch_failures_recreate ON watch_failures (recreate_request);
    """,
        postgres="""
    ALTER TABLE watch_failures ADD COLUMN recreate_request TEXT;
    ALTER TABLE watch_failures ADD COLUMN recreated_by TEXT;
    ALTER TABLE watch_failures ADD COLUMN recreated_at TIMESTAMPTZ;
    ALTER TABLE watch_failures ADD COLUMN recreated_job_id TEXT;
    CREATE INDEX watch_failures_recreate ON watch_failures (recreate_request);
    """,
    ),
    Step(
        why=(
            "SQLite times as INTEGER microseconds since the epoch, UTC, not ISO text: text order is time order only "
            "while every value has the same offset and width. PostgreSQL has used TIMESTAMPTZ from the start."
        ),
        sqlite="",
        postgres="",
        sqlite_times=(
            ("attempts", ("created_at", "updated_at", "sent_at")),
            ("previews", ("expires_at", "created_at")),
            ("in_flight", ("started_at",)),
            ("followed", ("next_poll_at", "started_at", "deadline", "outage_since", "taken_until")),
            ("leases", ("expires_at",)),
            ("watch_failures", ("failed_at", "seen_at")),
            ("watch_scopes", ("begun_at",)),
        ),
    ),
)

SCHEMA_VERSION = len(HISTORY)
