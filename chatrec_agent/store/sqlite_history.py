"""The history in one SQLite file under storage.dir: for a single bot process."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from chatrec_agent.store.history import Executor, HistoryStore

_SCHEMA = """
CREATE TABLE IF NOT EXISTS interactions (
    user_id   TEXT NOT NULL,
    item_id   TEXT NOT NULL,
    rating    REAL,
    timestamp INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, item_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS feedback (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    TEXT NOT NULL,
    item_id    TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('liked', 'disliked', 'rated', 'seen')),
    rating     REAL,
    created_at REAL NOT NULL,
    source     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS feedback_by_user ON feedback (user_id, created_at);
CREATE TABLE IF NOT EXISTS identity_links (
    platform         TEXT NOT NULL,
    workspace        TEXT NOT NULL,
    platform_user_id TEXT NOT NULL,
    catalog_user_id  TEXT NOT NULL,
    linked_at        REAL NOT NULL,
    linked_by        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (platform, workspace, platform_user_id)
);
-- Catalog users an operator created (for people with no imported history); a link may
-- point only at these or at users of the imported interactions.
CREATE TABLE IF NOT EXISTS catalog_users (
    user_id    TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    created_by TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- Who lets a group answer in a channel name their own ratings (/chatrec share-taste).
CREATE TABLE IF NOT EXISTS taste_sharing (
    user_id    TEXT PRIMARY KEY,
    share      INTEGER NOT NULL CHECK (share IN (0, 1)),
    changed_at REAL NOT NULL
) WITHOUT ROWID;
-- Group polls (store/polls.py): a group's picks, and one vote per member.
CREATE TABLE IF NOT EXISTS polls (
    id           TEXT PRIMARY KEY,
    conversation TEXT NOT NULL,
    platform     TEXT NOT NULL,
    workspace    TEXT NOT NULL,
    members      TEXT NOT NULL,
    items        TEXT NOT NULL,
    text         TEXT NOT NULL DEFAULT '',
    created_at   REAL NOT NULL,
    winner       TEXT,
    decided_at   REAL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS poll_votes (
    poll_id  TEXT NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    voter    TEXT NOT NULL,
    item_id  TEXT NOT NULL,
    voted_at REAL NOT NULL,
    PRIMARY KEY (poll_id, voter)
) WITHOUT ROWID;
-- Which servers may link their members to a catalog user: granted by an operator's link (or
-- creation) there. Links made before grants existed grant their server, once.
CREATE TABLE IF NOT EXISTS catalog_user_grants (
    user_id    TEXT NOT NULL,
    platform   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    granted_at REAL NOT NULL,
    granted_by TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, platform, workspace)
) WITHOUT ROWID;
INSERT OR IGNORE INTO catalog_user_grants
    SELECT DISTINCT catalog_user_id, platform, workspace, linked_at, 'an earlier link' FROM identity_links;
-- The app's installations in chat workspaces (Slack's OAuth flow): what the adapter keeps of
-- each (its tokens encrypted by the adapter before they get here).
CREATE TABLE IF NOT EXISTS installations (
    platform     TEXT NOT NULL,
    workspace    TEXT NOT NULL,
    data         TEXT NOT NULL,
    installed_at REAL NOT NULL,
    PRIMARY KEY (platform, workspace)
) WITHOUT ROWID;
-- Films a person saved to watch later (the card's Save button, "add it to my list").
CREATE TABLE IF NOT EXISTS watchlist (
    user_id  TEXT NOT NULL,
    item_id  TEXT NOT NULL,
    saved_at REAL NOT NULL,
    PRIMARY KEY (user_id, item_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS polls_by_conversation ON polls (conversation);
CREATE INDEX IF NOT EXISTS polls_by_age ON polls (created_at);
"""


class SqliteHistoryStore(HistoryStore):
    """One connection shared by the process's threads, one statement or transaction at a time."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.location = str(path)
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)
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
