"""The history in one SQLite file under storage.dir: for a single bot process."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from chatrec_agent.store.history import Executor, HistoryStore
from chatrec_agent.store.schema import upgrade_sqlite


class SqliteHistoryStore(HistoryStore):
    """One connection shared by the process's threads, one statement or transaction at a time."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        upgrade_sqlite(path, "history file")  # the schema: schema/, one for both backends
        self.path = path
        self.location = str(path)
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._lock = threading.RLock()

    @classmethod
    def in_dir(cls, storage_dir: Path) -> SqliteHistoryStore:
        return cls(storage_dir / "history.sqlite3")

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def _read(self) -> Iterator[Executor]:
        with self._lock:
            yield self._conn

    @contextmanager
    def _tx(self) -> Iterator[Executor]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _serialise(self, db: Executor, scope: str, key: str = "") -> None:
        pass  # BEGIN IMMEDIATE already holds the file's one write lock until the transaction ends

    def _load_interactions(self, db: Executor, rows: list[tuple[str, str, float | None, int]]) -> None:
        self._conn.executemany("INSERT INTO interactions VALUES (?, ?, ?, ?)", rows)
