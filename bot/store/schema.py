"""The schema history both backends share: version N is one SQLite text and one PostgreSQL text, applied in order.

Plain versioned SQL, not a migration tool: the project has no ORM, and Alembic would bring SQLAlchemy in for a
dozen small tables; the history is short, each step is a few DDL statements, and keeping both dialects side by side
under one number makes a step that exists for one backend only impossible to write by accident. SQLite records the
version in PRAGMA user_version (files written by older bots carry it already); PostgreSQL in a `schema_version`
table, updated in the migrating transaction, which holds an advisory lock so replicas starting together take turns.

Never edit a released step: append one, so a database written by an older bot is migrated when a newer one opens it.
"""

from __future__ import annotations

from bot.store.schema_attempts import ATTEMPTS, CARD_PLACE, GPU_TOTAL, ORIGIN, SENT_AND_LEASES
from bot.store.schema_claims import JOB_CLAIMS, PREVIEWS_AND_LOCK, STOPS
from bot.store.schema_follow import FOLLOWED, FOLLOWED_TAKER, FOLLOWED_VERSION
from bot.store.schema_step import Step
from bot.store.schema_watch import ALERT_RECREATE, MUTES, WATCH

SQLITE_TIMES = Step(
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
)

HISTORY: tuple[Step, ...] = (
    ATTEMPTS,  # 1
    CARD_PLACE,  # 2
    PREVIEWS_AND_LOCK,  # 3
    FOLLOWED,  # 4
    JOB_CLAIMS,  # 5
    SENT_AND_LEASES,  # 6
    FOLLOWED_VERSION,  # 7
    ORIGIN,  # 8
    WATCH,  # 9
    GPU_TOTAL,  # 10
    FOLLOWED_TAKER,  # 11
    MUTES,  # 12
    STOPS,  # 13
    ALERT_RECREATE,  # 14
    SQLITE_TIMES,  # 15
)

SCHEMA_VERSION = len(HISTORY)
