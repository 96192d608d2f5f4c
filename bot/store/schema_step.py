"""One schema version, written for each backend (the history is in bot/store/schema.py)."""

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
