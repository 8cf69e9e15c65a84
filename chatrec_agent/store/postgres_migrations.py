"""Versioned schema migrations for the PostgreSQL history store.

The SQL files under migrations/postgres/ are named `NNNN_what.sql` and run in order of
NNNN, each in its own transaction, each once: `schema_migrations` records the versions a
database has. Replicas starting together take turns under one advisory lock, so a
migration never runs twice; a database migrated by a newer chatrec is refused rather than
written with an older idea of its tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import psycopg

from chatrec_agent.errors import StoreError

_FILE = re.compile(r"^(\d{4})_(\w+)\.sql$")
_LOCK = "chatrec schema migrations"  # hashed to the advisory lock's key


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def shipped_migrations() -> list[Migration]:
    """The migrations shipped with this chatrec, oldest first."""
    folder = resources.files("chatrec_agent.store") / "migrations" / "postgres"
    found = [
        Migration(int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir() if (match := _FILE.match(entry.name))
    ]
    return sorted(found, key=lambda m: m.version)


def migrate(conn: psycopg.Connection, migrations: list[Migration] | None = None) -> list[int]:
    """Bring the database up to the newest migration; the versions applied now.

    `conn` must be in autocommit mode: each migration opens its own transaction.
    """
    migrations = shipped_migrations() if migrations is None else migrations
    newest = max(m.version for m in migrations)
    conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (_LOCK,))
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        applied = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
        if applied and max(applied) > newest:
            raise StoreError(
                f"The history database is at schema version {max(applied)}, newer than this chatrec knows "
                f"(up to {newest}): upgrade chatrec here to the version the other replicas run."
            )
        done = []
        for migration in migrations:
            if migration.version in applied:
                continue
            with conn.transaction():
                conn.execute(migration.sql)  # several statements: allowed without parameters
                conn.execute("INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                             (migration.version, migration.name))
            done.append(migration.version)
        return done
    finally:
        conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (_LOCK,))
