"""The schema steps of the followed jobs whose cards are kept current.

Never edit a released step: append a new one to HISTORY in bot/store/schema.py.
"""

from __future__ import annotations

from bot.store.schema_step import Step

FOLLOWED = Step(
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
)

FOLLOWED_VERSION = Step(
    why="A version on each followed job, so of two processes saving one poll's result only the first is kept.",
    sqlite="""
    ALTER TABLE followed ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
    """,
    postgres="""
    ALTER TABLE followed ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
    """,
)

FOLLOWED_TAKER = Step(
    why="Who polls each followed job and until when (see take_due), so no job is polled by two replicas at once.",
    sqlite="""
    ALTER TABLE followed ADD COLUMN taken_by TEXT;
    ALTER TABLE followed ADD COLUMN taken_until TEXT;
    """,
    postgres="""
    ALTER TABLE followed ADD COLUMN taken_by TEXT;
    ALTER TABLE followed ADD COLUMN taken_until TIMESTAMPTZ;
    """,
)
