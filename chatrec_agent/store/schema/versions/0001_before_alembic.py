"""The schema as chatrec made it before Alembic versioned it.

On SQLite: the old script, every statement IF NOT EXISTS, so a file written by any earlier
chatrec gets only what it lacks. On PostgreSQL: the numbered files that `schema_migrations`
tracked, each run unless that table records it (and recorded there, so a replica of an
earlier chatrec, mid rolling upgrade, finds nothing left to run).
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

HERE = Path(__file__).resolve().parents[1]
_FILE = re.compile(r"^(\d{4})_(\w+)\.sql$")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in _statements((HERE / "sqlite_before_alembic.sql").read_text(encoding="utf-8")):
            bind.exec_driver_sql(statement)
        return
    driver = bind.connection.driver_connection  # psycopg: a file of several statements, no parameters
    driver.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                   " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
    applied = {row[0] for row in driver.execute("SELECT version FROM schema_migrations")}
    for path in sorted((HERE / "postgres_before_alembic").iterdir()):
        if (match := _FILE.match(path.name)) and int(match.group(1)) not in applied:
            driver.execute(path.read_text(encoding="utf-8"))
            driver.execute("INSERT INTO schema_migrations (version, name) VALUES (%s, %s)", (int(match.group(1)), match.group(2)))


def downgrade() -> None:
    raise NotImplementedError("chatrec's schema is not downgraded: restore a backup taken before the upgrade.")


def _statements(script: str) -> list[str]:
    """The script's statements, whole (a comment's ";" ends none)."""
    out, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            out.append(pending.strip())
            pending = ""
    return [s for s in out if s.strip("; \n")]
