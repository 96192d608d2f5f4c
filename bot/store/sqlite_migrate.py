"""Bringing a SQLite file up to the schema: the shared history's SQLite texts, and the table rebuilds that turn the
ISO text times older bots wrote into INTEGER microseconds since the epoch, UTC (Step.sqlite_times)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from bot.store.interface import StoreError
from bot.store.schema import HISTORY, SCHEMA_VERSION
from bot.store.sqlite_time import to_micros


def migrate(connection: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Bring the file up to `target`; returns the version it was at. Safe if several processes race: BEGIN
    IMMEDIATE makes the second wait, then find the file migrated."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        (version,) = connection.execute("PRAGMA user_version").fetchone()
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the database is at schema version {version}, newer than this bot knows ({SCHEMA_VERSION})"
            )
        for number in range(version, target):
            step = HISTORY[number]
            for statement in step.statements("sqlite"):
                connection.execute(statement)
            for table, times in step.sqlite_times:
                retime(connection, table, times)
            connection.execute(f"PRAGMA user_version = {number + 1}")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return int(version)


def iso_micros(value: object) -> int | None:
    """A time as older bots wrote it (ISO 8601 text, any offset) as microseconds UTC. Text without an offset came
    from the bot's UTC clock, so it is read as UTC; NULL stays NULL."""
    if value is None or isinstance(value, int):
        return value
    moment = datetime.fromisoformat(str(value))
    return to_micros(moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC))


def retime(db: sqlite3.Connection, table: str, times: tuple[str, ...]) -> None:
    """Rebuild `table` with `times` as INTEGER columns holding iso_micros of the old text. Its columns (order, types,
    NOT NULL, defaults, primary key) and indexes are read from the file, so columns added by any step are kept."""
    info = db.execute(f"PRAGMA table_info({_quoted(table)})").fetchall()  # cid, name, type, notnull, default, pk
    names = [row[1] for row in info]
    if not set(times) <= set(names):
        raise StoreError(f"cannot convert the times of {table}: it has no column {sorted(set(times) - set(names))}")
    indexes = db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", (table,)
    ).fetchall()
    keys = [row[1] for row in sorted(info, key=lambda row: row[5]) if row[5]]
    columns = []
    for _, name, kind, notnull, default, key in info:
        column = f"{_quoted(name)} {'INTEGER' if name in times else kind}"
        column += " PRIMARY KEY" if key and len(keys) == 1 else ""
        column += " NOT NULL" if notnull else ""
        column += f" DEFAULT {default}" if default is not None else ""
        columns.append(column)
    if len(keys) > 1:
        columns.append(f"PRIMARY KEY ({', '.join(map(_quoted, keys))})")
    unreadable: list[str] = []

    def convert(value: object) -> int | None:
        try:
            return iso_micros(value)
        except (ValueError, TypeError):
            unreadable.append(repr(value))
            raise

    db.create_function("iso_micros", 1, convert, deterministic=True)
    rebuilt = _quoted(f"{table}__retimed")
    selected = ", ".join(f"iso_micros({_quoted(name)})" if name in times else _quoted(name) for name in names)
    db.execute(f"CREATE TABLE {rebuilt} ({', '.join(columns)})")
    try:
        db.execute(f"INSERT INTO {rebuilt} ({', '.join(map(_quoted, names))}) SELECT {selected} FROM {_quoted(table)}")  # noqa: S608
    except sqlite3.OperationalError as error:
        if unreadable:
            raise StoreError(f"cannot convert the times of {table}: {unreadable[0]} is not an ISO 8601 time") from None
        raise StoreError(f"cannot convert the times of {table}: {error}") from error
    db.execute(f"DROP TABLE {_quoted(table)}")
    db.execute(f"ALTER TABLE {rebuilt} RENAME TO {_quoted(table)}")
    for (statement,) in indexes:
        db.execute(statement)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
