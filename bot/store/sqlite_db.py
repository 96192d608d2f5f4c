"""The SQLite file behind the store: opened private, in WAL, migrated; one connection guarded by a lock."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

from bot.store.interface import StoreError
from bot.store.sqlite_migrate import migrate

_PRIVATE = 0o600
P = ParamSpec("P")
R = TypeVar("R")
Operation = Callable[Concatenate[sqlite3.Connection, P], R]


class SqliteConnection:
    """One connection guarded by a lock; WAL so readers never wait on the writer, busy_timeout for other processes.
    `_read`, `_write` and `_atomic` run one function of a per-feature module (bot/store/sqlite_*.py) on it."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        db: sqlite3.Connection | None = None
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
                _create_private(self.path)
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA busy_timeout = 10000")
            _use_wal(db)
            db.execute("PRAGMA synchronous = NORMAL")
            migrate(db)
            if self.path != ":memory:":
                _tighten(self.path)
        except (sqlite3.Error, OSError, StoreError) as error:
            # OSError: the parent "directory" is a file, or cannot be created. Never leave a half-open file behind.
            if db is not None:
                db.close()
            if isinstance(error, StoreError):
                raise
            raise StoreError(f"cannot open the audit database {self.path}: {error}") from error
        self._db = db
        self._lock = threading.Lock()

    @contextmanager
    def _locked(self, action: str) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._db
            except sqlite3.Error as error:
                raise StoreError(f"could not {action} the audit database {self.path}: {error}") from error

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT under the lock: the writes inside land together or not at all, and no other
        connection writes between its reads and its writes."""
        with self._locked("write to") as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def _read(self, operation: Operation[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        with self._locked("read") as db:
            return operation(db, *args, **kwargs)

    def _write(self, operation: Operation[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """One statement, or several that need not land together."""
        with self._locked("write to") as db:
            return operation(db, *args, **kwargs)

    def _atomic(self, operation: Operation[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        with self._transaction() as db:
            return operation(db, *args, **kwargs)

    def schema_version(self) -> int:
        with self._locked("read") as db:
            (version,) = db.execute("PRAGMA user_version").fetchone()
        return int(version)

    def check_writable(self) -> None:
        with self._locked("write to") as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute("CREATE TABLE doctor_probe (x INTEGER)")
            finally:
                db.execute("ROLLBACK")

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _use_wal(db: sqlite3.Connection, patience: float = 10.0) -> None:
    """Switch a file to WAL. SQLite answers "database is locked" at once, without its busy handler, while another
    connection is switching the same new file, so several processes starting together wait and retry here."""
    deadline = time.monotonic() + patience
    while True:
        try:
            db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)


def _create_private(path: str) -> None:
    """Create a new file readable by its owner only; SQLite gives its -wal and -shm the same mode."""
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, _PRIVATE))


def _tighten(path: str) -> None:
    """A file made world-readable by an older bot is made private; one owned by someone else is left alone."""
    for name in (path, f"{path}-wal", f"{path}-shm"):
        try:
            if os.stat(name).st_mode & 0o077:
                os.chmod(name, _PRIVATE)
        except OSError:
            continue
