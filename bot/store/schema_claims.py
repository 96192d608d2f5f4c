"""The schema steps of the claims that keep one action to one job: previews, the in-flight lock, job claims, stops.

Never edit a released step: append a new one to HISTORY in bot/store/schema.py.
"""

from __future__ import annotations

from bot.store.schema_step import Step

PREVIEWS_AND_LOCK = Step(
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
)

JOB_CLAIMS = Step(
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
)

STOPS = Step(
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
)
