"""One versioned schema for the SQLite and the PostgreSQL stores, kept by Alembic.

The revisions under versions/ are written once for both databases (Alembic's `op`, which
speaks each dialect); opening a store brings its database up to the newest. Revision 0001 is
the schema as chatrec made it before Alembic: on SQLite the old `CREATE … IF NOT EXISTS`
script, on PostgreSQL the numbered SQL files that `schema_migrations` tracked, each run unless
that table says it ran. So a file or a database written by any earlier chatrec is upgraded in
place, without losing a row. Replicas starting together take turns under one advisory lock;
a database at a revision this chatrec does not know (a newer chatrec's) is refused rather
than written with an older idea of its tables.

A new revision: `alembic -c chatrec_agent/store/schema/alembic.ini revision -m "what"`, then
write its upgrade with `op` (and test it on both backends, tests/test_schema.py).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from alembic import command, op
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from filelock import FileLock
from sqlalchemy.pool import NullPool

from chatrec_agent.errors import StoreError

FOLDER = Path(__file__).resolve().parent
_LOCK = "chatrec schema migrations"  # hashed to the advisory lock's key (as before Alembic)


def _config(connection: sa.Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(FOLDER))
    config.attributes["connection"] = connection
    return config


def revisions() -> list[str]:
    """Every revision shipped with this chatrec, oldest first."""
    script = ScriptDirectory.from_config(_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def current(connection: sa.Connection) -> tuple[str, ...]:
    """The revisions the database is at (none: never versioned)."""
    return MigrationContext.configure(connection).get_current_heads()


# Alembic's `context` and `op` are module-wide: one upgrade at a time in a process (on any
# database); between processes, PostgreSQL's advisory lock or the SQLite file's lock file.
_ONE_AT_A_TIME = threading.Lock()


def upgrade(engine: sa.Engine, what: str, lock_file: Path | None = None) -> list[str]:
    """Bring the database up to the newest revision; the revisions applied now, oldest first.
    `what` names the database in messages; `lock_file`, held while upgrading, keeps two
    processes from upgrading one SQLite file together (PostgreSQL takes an advisory lock)."""
    with _ONE_AT_A_TIME, (FileLock(lock_file) if lock_file is not None else contextlib.nullcontext()):
        return _upgrade(engine, what)


def _upgrade(engine: sa.Engine, what: str) -> list[str]:
    known = revisions()
    postgres = engine.dialect.name == "postgresql"
    with engine.connect() as conn:
        if postgres:
            conn.execute(sa.text("SELECT pg_advisory_lock(hashtext(:key))"), {"key": _LOCK})
            conn.commit()  # the lock is the session's; each revision runs in a transaction of its own
        try:
            before = current(conn)
            newer = [r for r in before if r not in known]
            if newer:
                raise StoreError(f"The {what} is at schema revision {', '.join(newer)}, newer than this chatrec knows "
                                 f"(up to {known[-1]}): upgrade chatrec here to the version the other replicas run.")
            conn.commit()
            command.upgrade(_config(conn), "head")
            conn.commit()
        finally:
            if postgres:
                conn.execute(sa.text("SELECT pg_advisory_unlock(hashtext(:key))"), {"key": _LOCK})
                conn.commit()
    # The history is one line: what lay past the revision the database was at.
    return known[max(known.index(r) for r in before) + 1:] if before else known


def sqlite_engine(path: Path) -> sa.Engine:
    """An engine on the file at `path` (opened as a path: "%20" or "?" in a folder's name is
    no URL syntax)."""
    return sa.create_engine("sqlite://", creator=lambda: sqlite3.connect(str(path)), poolclass=NullPool)


def upgrade_sqlite(path: Path, what: str) -> list[str]:
    return upgrade(sqlite_engine(path), what, lock_file=path.with_name(path.name + ".lock"))


def record_for_earlier_releases(version: int, name: str) -> None:
    """In a PostgreSQL revision: its number in `schema_migrations` too, so that a replica of a
    release before Alembic (which reads only that table) refuses the newer database."""
    if op.get_bind().dialect.name == "postgresql":
        op.get_bind().connection.driver_connection.execute(
            "INSERT INTO schema_migrations (version, name) VALUES (%s, %s) ON CONFLICT DO NOTHING", (version, name))


def postgres_engine(connect: Callable[[], object]) -> sa.Engine:
    """An engine on connections `connect` opens (psycopg's, from storage.url as written: a URL
    or a key=value string; SQLAlchemy need not parse it)."""
    return sa.create_engine("postgresql+psycopg://", creator=connect, poolclass=NullPool)
