"""The schema steps of the audit trail: the attempts table and the columns added to it since, one per version.

Never edit a released step: append a new one to HISTORY in bot/store/schema.py.
"""

from __future__ import annotations

from bot.store.schema_step import Step

ATTEMPTS = Step(
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
)

CARD_PLACE = Step(
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
)

SENT_AND_LEASES = Step(
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
)

ORIGIN = Step(
    why="Where each attempt was made: from Slack, or from the console and by whom (see AttemptRecord.origin).",
    sqlite="""
    ALTER TABLE attempts ADD COLUMN origin TEXT NOT NULL DEFAULT 'slack';
    """,
    postgres="""
    ALTER TABLE attempts ADD COLUMN origin TEXT NOT NULL DEFAULT 'slack';
    """,
)

GPU_TOTAL = Step(
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
)
