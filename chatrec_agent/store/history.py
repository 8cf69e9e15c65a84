"""The history store: imported interactions, feedback, identity links.

Feedback is committed before `record_feedback` returns and is read by the next
recommendation directly (recommenders fold a user's current history in at query time), so
nobody has to retrain anything for a click to count.

`HistoryStore` holds every rule and every query; a backend only says how to reach its
database (sqlite_history.py: one file under storage.dir; postgres_history.py: a database
several bot replicas share). The queries are plain SQL both understand, with `?` for values.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from chatrec_agent.catalog import Catalog, Interaction, Item
from chatrec_agent.catalog.model import Interactions, interactions_fingerprint

FeedbackKind = Literal["liked", "disliked", "rated", "seen"]
FEEDBACK_KINDS: tuple[str, ...] = ("liked", "disliked", "rated", "seen")

# The prefixes of the catalog ids unlinked chat identities get (see `resolve_user`): never
# a link target, or an admin anywhere could read and change a stranger's history.
PLATFORM_PREFIXES = ("slack:", "discord:")

_FINGERPRINT_KEY = "interactions_fingerprint"


class Rows(Protocol):
    """What a backend's `execute` returns (an sqlite3 or a psycopg cursor)."""

    rowcount: int

    def fetchone(self) -> Sequence[Any] | None: ...
    def fetchall(self) -> Sequence[Sequence[Any]]: ...
    def __iter__(self) -> Iterator[Sequence[Any]]: ...


class Executor(Protocol):
    """Runs one statement with `?` placeholders."""

    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Rows: ...


@dataclass(frozen=True)
class HistoryEntry:
    """One item in a user's history: the latest signal about it wins."""

    item_id: str
    signal: Literal["rated", "liked", "disliked", "seen", "interacted"]
    rating: float | None
    timestamp: float
    source: str  # "catalog" for imported interactions, else the feedback's source
    # False when record_feedback found this very signal already the latest and stored nothing.
    stored: bool = field(default=True, compare=False)

    @property
    def preference(self) -> float:
        """-1 (hated) .. +1 (loved); 0 means seen without an opinion."""
        if self.signal == "liked":
            return 1.0
        if self.signal == "disliked":
            return -1.0
        if self.signal == "seen":
            return 0.0
        if self.rating is None:
            return 0.5  # an implicit interaction (a view, a purchase) is a mild positive
        return max(-1.0, min(1.0, (self.rating - 3.0) / 2.0))


@dataclass(frozen=True)
class TasteWeight:
    name: str
    share: float  # fraction of the user's favourites with this genre / in this era
    count: int


@dataclass(frozen=True)
class TasteProfile:
    favourites: int
    genres: tuple[TasteWeight, ...]
    eras: tuple[TasteWeight, ...]

    def genre_share(self, genre: str) -> float:
        return next((g.share for g in self.genres if g.name == genre), 0.0)


def era_of(year: int | None) -> str | None:
    return f"{year // 10 * 10}s" if year else None


class HistoryStore(ABC):
    """The rules of the history; every write is committed before the method returns."""

    location: str  # where the data lives, for messages: a file, or host:port/dbname

    @staticmethod
    def open(storage_dir: Path) -> HistoryStore:
        """The SQLite store under `storage_dir` (`backends.open_history` opens any backend)."""
        from chatrec_agent.store.sqlite_history import SqliteHistoryStore

        return SqliteHistoryStore.in_dir(storage_dir)

    # --- what a backend provides ------------------------------------------------------

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def _read(self) -> AbstractContextManager[Executor]:
        """A connection for reading; each statement sees what is committed when it starts."""

    @abstractmethod
    def _tx(self) -> AbstractContextManager[Executor]:
        """A write transaction: committed when the block ends, rolled back if it raises."""

    @abstractmethod
    def _serialise(self, db: Executor, scope: str, key: str = "") -> None:
        """Inside `_tx`: wait until no other transaction (thread or replica) holds (scope,
        key), and hold it until this one ends, so that a check and the write it decides on
        cannot interleave with another's."""

    @abstractmethod
    def _load_interactions(self, db: Executor, rows: list[tuple[str, str, float | None, int]]) -> None:
        """Inside `_tx`: insert these rows into the emptied interactions table."""

    # --- interactions -----------------------------------------------------------------

    @staticmethod
    def fingerprint(interactions: Iterable[Interaction]) -> str:
        if isinstance(interactions, Interactions):
            return interactions.fingerprint  # computed once per catalog
        return interactions_fingerprint(interactions)

    def import_interactions(self, catalog: Catalog) -> bool:
        """Replace the imported interactions with the catalog's, in one transaction.

        Returns False (and writes nothing) when they are unchanged since the last import,
        here or by another replica. Feedback and identity links are kept.
        """
        fingerprint = self.fingerprint(catalog.interactions)
        if self.get_meta(_FINGERPRINT_KEY) == fingerprint:
            return False
        # One row per (user, item): the last of the catalog's wins.
        rows = {(i.user_id, i.item_id): (i.user_id, i.item_id, i.rating, i.timestamp) for i in catalog.interactions}
        with self._tx() as db:
            self._serialise(db, "import")
            if _meta(db, _FINGERPRINT_KEY) == fingerprint:
                return False  # a replica starting at the same time imported it meanwhile
            db.execute("DELETE FROM interactions")
            self._load_interactions(db, list(rows.values()))
            _put_meta(db, _FINGERPRINT_KEY, fingerprint)
        return True

    def get_meta(self, key: str) -> str | None:
        with self._read() as db:
            return _meta(db, key)

    def set_meta(self, key: str, value: str) -> None:
        with self._tx() as db:
            _put_meta(db, key, value)

    def all_interactions(self) -> list[Interaction]:
        """Imported interactions plus feedback, as the recommenders are fitted on."""
        return list(self.iter_interactions())

    def iter_interactions(self) -> Iterator[Interaction]:
        """The same, one at a time from the cursor: a million interactions held at once as
        rows and objects cost ~350 MB at the fit's peak."""
        with self._read() as db:
            for u, i, r, t in db.execute("SELECT user_id, item_id, rating, timestamp FROM interactions"):
                yield Interaction(u, i, r, t)
        for user_id in self.feedback_users():
            for entry in self.user_history(user_id, include_imported=False):
                yield Interaction(user_id, entry.item_id, _as_rating(entry), int(entry.timestamp))

    def feedback_users(self) -> list[str]:
        with self._read() as db:
            return [r[0] for r in db.execute("SELECT DISTINCT user_id FROM feedback ORDER BY user_id")]

    def users(self) -> list[str]:
        with self._read() as db:
            rows = db.execute("SELECT user_id FROM interactions UNION SELECT user_id FROM feedback ORDER BY 1").fetchall()
        return [r[0] for r in rows]

    # --- feedback ---------------------------------------------------------------------

    def record_feedback(
        self, user_id: str, item_id: str, kind: FeedbackKind, rating: float | None = None, source: str = ""
    ) -> HistoryEntry:
        """Store one signal; committed when this returns. The same signal again (a double
        click, a repeated "I loved it") is not stored twice, even when two replicas get it at
        once: the earlier one is returned."""
        if kind not in FEEDBACK_KINDS:
            raise ValueError(f"unknown feedback kind {kind!r}")
        if kind == "rated" and rating is None:
            raise ValueError("a 'rated' feedback needs a rating")
        rating = rating if kind == "rated" else None
        now = time.time()
        with self._tx() as db:
            self._serialise(db, "feedback", f"{user_id}\x1f{item_id}")
            last = db.execute(
                "SELECT kind, rating, created_at, source FROM feedback WHERE user_id = ? AND item_id = ? ORDER BY id DESC LIMIT 1",
                (user_id, item_id),
            ).fetchone()
            # Watched (or judged): no longer one to watch later, even when the signal repeats one.
            db.execute("DELETE FROM watchlist WHERE user_id = ? AND item_id = ?", (user_id, item_id))
            if last is not None and last[0] == kind and last[1] == rating:
                return HistoryEntry(item_id, kind, rating, last[2], last[3] or "feedback", stored=False)
            db.execute(
                "INSERT INTO feedback (user_id, item_id, kind, rating, created_at, source) VALUES (?, ?, ?, ?, ?, ?)",
                (user_id, item_id, kind, rating, now, source),
            )
        return HistoryEntry(item_id, kind, rating, now, source)

    # --- a user's history -------------------------------------------------------------

    def user_history(self, user_id: str, include_imported: bool = True) -> list[HistoryEntry]:
        """Every item the user has a signal for, latest signal per item, newest first."""
        latest: dict[str, HistoryEntry] = {}
        with self._read() as db:
            if include_imported:
                for item_id, rating, ts in db.execute(
                    "SELECT item_id, rating, timestamp FROM interactions WHERE user_id = ?", (user_id,)
                ):
                    signal = "rated" if rating is not None else "interacted"
                    latest[item_id] = HistoryEntry(item_id, signal, rating, float(ts), "catalog")
            for item_id, kind, rating, created, source in db.execute(
                "SELECT item_id, kind, rating, created_at, source FROM feedback WHERE user_id = ? ORDER BY id",
                (user_id,),
            ):
                previous = latest.get(item_id)
                if kind == "seen" and previous is not None:
                    continue  # "seen it" adds nothing to an existing opinion
                latest[item_id] = HistoryEntry(item_id, kind, rating, created, source or "feedback")
        return sorted(latest.values(), key=lambda e: -e.timestamp)

    def recent(self, user_id: str, n: int = 10) -> list[HistoryEntry]:
        return self.user_history(user_id)[:n]

    def top_rated(self, user_id: str, n: int = 10) -> list[HistoryEntry]:
        liked = [e for e in self.user_history(user_id) if e.preference > 0]
        return sorted(liked, key=lambda e: (-e.preference, -e.timestamp))[:n]

    def disliked(self, user_id: str) -> list[HistoryEntry]:
        return [e for e in self.user_history(user_id) if e.preference < 0]

    def entry(self, user_id: str, item_id: str) -> HistoryEntry | None:
        """The user's latest signal about one item, if any."""
        return next((e for e in self.user_history(user_id) if e.item_id == item_id), None)

    def seen(self, user_id: str) -> set[str]:
        return {e.item_id for e in self.user_history(user_id)}

    def taste_profile(self, user_id: str, items: dict[str, Item], top: int = 8) -> TasteProfile:
        """Genres and eras among the user's favourites (positive preference), with shares."""
        favourites = [items[e.item_id] for e in self.user_history(user_id) if e.preference > 0 and e.item_id in items]
        n = len(favourites)
        genres = Counter(g for item in favourites for g in item.genres)
        eras = Counter(era for item in favourites if (era := era_of(item.year)))
        return TasteProfile(
            favourites=n,
            genres=tuple(TasteWeight(g, c / n, c) for g, c in genres.most_common(top)) if n else (),
            eras=tuple(TasteWeight(e, c / n, c) for e, c in eras.most_common(top)) if n else (),
        )

    # --- catalog users and identity links ----------------------------------------------

    def is_catalog_user(self, user_id: str) -> bool:
        """A user of the imported interactions or one an operator created; chat identities
        that only left feedback are not."""
        if user_id.startswith(PLATFORM_PREFIXES):
            return False
        with self._read() as db:
            return db.execute(
                "SELECT 1 FROM interactions WHERE user_id = ? UNION ALL SELECT 1 FROM catalog_users WHERE user_id = ? LIMIT 1",
                (user_id, user_id),
            ).fetchone() is not None

    def catalog_users(self) -> list[str]:
        with self._read() as db:
            rows = db.execute(
                "SELECT DISTINCT user_id FROM interactions UNION SELECT user_id FROM catalog_users ORDER BY 1"
            ).fetchall()
        return [r[0] for r in rows]

    def create_user(self, user_id: str, created_by: str = "") -> bool:
        """Make `user_id` a catalog user (operators only; the caller checks). False if it already was."""
        if not user_id.strip() or user_id.startswith(PLATFORM_PREFIXES):
            raise ValueError(f"{user_id!r} is a chat identity, not a catalog user id")
        if self.is_catalog_user(user_id):
            return False
        with self._tx() as db:
            cursor = db.execute(
                "INSERT INTO catalog_users VALUES (?, ?, ?) ON CONFLICT DO NOTHING", (user_id, time.time(), created_by)
            )
        return cursor.rowcount > 0  # 0: another replica created it just now

    def grant(self, user_id: str, platform: str, workspace: str, granted_by: str = "") -> None:
        """Let the admins of (platform, workspace) link their members to catalog user `user_id`
        (operators only; the caller checks)."""
        with self._tx() as db:
            db.execute("INSERT INTO catalog_user_grants VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                       (user_id, platform, workspace, time.time(), granted_by))

    def granted(self, user_id: str, platform: str, workspace: str) -> bool:
        with self._read() as db:
            return db.execute("SELECT 1 FROM catalog_user_grants WHERE user_id = ? AND platform = ? AND workspace = ?",
                              (user_id, platform, workspace)).fetchone() is not None

    def granted_users(self, platform: str, workspace: str) -> list[str]:
        """The catalog users this server's admins may link to."""
        with self._read() as db:
            rows = db.execute("SELECT user_id FROM catalog_user_grants WHERE platform = ? AND workspace = ? ORDER BY 1",
                              (platform, workspace)).fetchall()
        return [r[0] for r in rows]

    def link(self, platform: str, workspace: str, platform_user_id: str, catalog_user_id: str, linked_by: str = "") -> None:
        """Link a chat identity to a catalog user; refused (ValueError) for anything else."""
        if not self.is_catalog_user(catalog_user_id):
            raise ValueError(f"{catalog_user_id!r} is not a catalog user")
        with self._tx() as db:
            db.execute(
                "INSERT INTO identity_links VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (platform, workspace, platform_user_id) DO UPDATE SET"
                " catalog_user_id = excluded.catalog_user_id, linked_at = excluded.linked_at, linked_by = excluded.linked_by",
                (platform, workspace, platform_user_id, catalog_user_id, time.time(), linked_by),
            )

    def unlink(self, platform: str, workspace: str, platform_user_id: str) -> bool:
        with self._tx() as db:
            cursor = db.execute(
                "DELETE FROM identity_links WHERE platform = ? AND workspace = ? AND platform_user_id = ?",
                (platform, workspace, platform_user_id),
            )
        return cursor.rowcount > 0

    def catalog_user(self, platform: str, workspace: str, platform_user_id: str) -> str | None:
        with self._read() as db:
            row = db.execute(
                "SELECT catalog_user_id FROM identity_links WHERE platform = ? AND workspace = ? AND platform_user_id = ?",
                (platform, workspace, platform_user_id),
            ).fetchone()
        return row[0] if row else None

    # --- a person's list of films to watch later ------------------------------------------

    def save_for_later(self, user_id: str, item_id: str) -> bool:
        """Put the item on the person's watchlist; False when it was there already."""
        with self._tx() as db:
            cursor = db.execute("INSERT INTO watchlist VALUES (?, ?, ?) ON CONFLICT DO NOTHING", (user_id, item_id, time.time()))
        return cursor.rowcount > 0

    def watchlist(self, user_id: str) -> list[str]:
        """The items on the person's list, in the order they were saved."""
        with self._read() as db:
            rows = db.execute("SELECT item_id FROM watchlist WHERE user_id = ? ORDER BY saved_at, item_id", (user_id,)).fetchall()
        return [r[0] for r in rows]

    def remove_from_watchlist(self, user_id: str, item_id: str) -> bool:
        """Take the item off the person's list; False when it was not on it."""
        with self._tx() as db:
            cursor = db.execute("DELETE FROM watchlist WHERE user_id = ? AND item_id = ?", (user_id, item_id))
        return cursor.rowcount > 0

    def forget_person(self, user_id: str) -> int:
        """Delete what chat collected under `user_id` ("forget me"): their feedback, their list
        and their taste-sharing choice. How many rows. The catalog's imported interactions stay;
        so do votes in group polls (forgotten with their conversation's `forget`) and what models
        fitted before learnt (gone at the next refit)."""
        with self._tx() as db:
            return sum(db.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,)).rowcount
                       for table in ("feedback", "watchlist", "taste_sharing"))

    # --- the app's installations in workspaces -----------------------------------------------

    def save_installation(self, platform: str, workspace: str, data: str) -> None:
        """Keep (or replace) what an adapter stores of its installation in a workspace."""
        with self._tx() as db:
            db.execute("INSERT INTO installations VALUES (?, ?, ?, ?) ON CONFLICT (platform, workspace) "
                       "DO UPDATE SET data = excluded.data, installed_at = excluded.installed_at",
                       (platform, workspace, data, time.time()))

    def installation(self, platform: str, workspace: str) -> str | None:
        with self._read() as db:
            row = db.execute("SELECT data FROM installations WHERE platform = ? AND workspace = ?", (platform, workspace)).fetchone()
        return row[0] if row else None

    def delete_installation(self, platform: str, workspace: str) -> bool:
        with self._tx() as db:
            return db.execute("DELETE FROM installations WHERE platform = ? AND workspace = ?", (platform, workspace)).rowcount > 0

    def forget_workspace(self, platform: str, workspace: str) -> int:
        """Delete what chat collected in a workspace (the app uninstalled): its installation,
        its links and grants, and the feedback, lists and choices of its people's own histories
        (`platform:workspace:user`). Catalog users linked from it keep theirs: they are the
        catalog's. How many rows."""
        if not workspace:
            return 0  # an empty id would match every person's history on the platform
        prefix = f"{platform}:{workspace}:"
        with self._tx() as db:
            rows = sum(db.execute(f"DELETE FROM {table} WHERE platform = ? AND workspace = ?", (platform, workspace)).rowcount
                       for table in ("installations", "identity_links", "catalog_user_grants"))
            return rows + sum(db.execute(f"DELETE FROM {table} WHERE substr(user_id, 1, ?) = ?", (len(prefix), prefix)).rowcount
                              for table in ("feedback", "watchlist", "taste_sharing"))

    # --- who lets a group answer name their own ratings -----------------------------------

    def set_taste_sharing(self, user_id: str, share: bool) -> None:
        """`/chatrec share-taste on|off`: whether a group answer in a channel may name this
        person's own ratings (off until they turn it on)."""
        with self._tx() as db:
            db.execute("INSERT INTO taste_sharing VALUES (?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET"
                       " share = excluded.share, changed_at = excluded.changed_at", (user_id, int(share), time.time()))

    def sharing_taste(self, user_ids: Iterable[str]) -> set[str]:
        """Those of `user_ids` who turned taste sharing on."""
        wanted = list(dict.fromkeys(user_ids))
        if not wanted:
            return set()
        with self._read() as db:
            rows = db.execute(f"SELECT user_id FROM taste_sharing WHERE share = 1 AND user_id IN ({', '.join('?' * len(wanted))})",
                              wanted).fetchall()
        return {r[0] for r in rows}

    def resolve_user(self, platform: str, workspace: str, platform_user_id: str) -> str:
        """The catalog user behind a chat identity; unlinked people get their own empty history."""
        return self.catalog_user(platform, workspace, platform_user_id) or f"{platform}:{workspace}:{platform_user_id}"


def _meta(db: Executor, key: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def _put_meta(db: Executor, key: str, value: str) -> None:
    db.execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))


def _as_rating(entry: HistoryEntry) -> float | None:
    """Feedback as a rating for fitting: liked 5, disliked 1, rated N, seen none."""
    if entry.signal == "liked":
        return 5.0
    if entry.signal == "disliked":
        return 1.0
    return entry.rating
