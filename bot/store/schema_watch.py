"""The schema steps of the failure watch: failures seen, watched scopes, mutes and recreates from an alert.

Never edit a released step: append a new one to HISTORY in bot/store/schema.py.
"""

from __future__ import annotations

from bot.store.schema_step import Step

WATCH = Step(
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
)

MUTES = Step(
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
)

ALERT_RECREATE = Step(
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
)
