"""One versioned schema (Alembic) for the SQLite and the PostgreSQL history: fresh databases
reach the newest revision, files and databases written by the releases before Alembic are
upgraded without losing a row, and a database from a newer chatrec is refused."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import psycopg
import pytest

from chatrec_agent.errors import StoreError
from chatrec_agent.settings import StorageSettings
from chatrec_agent.store.backends import open_history
from chatrec_agent.store.schema import FOLDER, revisions

LEGACY_POSTGRES = sorted((FOLDER / "postgres_before_alembic").glob("*.sql"))
LEGACY_SQLITE = (FOLDER / "sqlite_before_alembic.sql").read_text(encoding="utf-8")

# A row in every table of the history, as the previous release wrote them (the same columns
# on both databases).
ROWS = {
    "interactions": "('ann', 'fargo', 5.0, 100)",
    "feedback": "(DEFAULT, 'ann', 'heat', 'rated', 4.5, 1.0, 'slack')",
    "identity_links": "('slack', 'T1', 'U1', 'c1', 2.0, 'op')",
    "catalog_users": "('c1', 3.0, 'op')",
    "meta": "('interactions_hash', 'abc')",
    "taste_sharing": "('ann', 1, 4.0)",
    "polls": "('p1', 'slack:T1:C1', 'slack', 'T1', '[]', '[]', 'pick', 5.0, NULL, NULL)",
    "poll_votes": "('p1', 'U1', 'fargo', 6.0)",
    "catalog_user_grants": "('c1', 'slack', 'T1', 2.0, 'op')",
    "installations": "('slack', 'T1', '{}', 7.0)",
    "watchlist": "('ann', 'alien', 8.0)",
}


def legacy_postgres(conn: psycopg.Connection, below: int | None = None) -> None:
    """A database as a release before Alembic left it: its numbered files run by its own
    runner (`schema_migrations`), those before `below` when given."""
    conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                 " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
    for path in LEGACY_POSTGRES:
        version, name = re.match(r"(\d{4})_(\w+)\.sql", path.name).groups()
        if below is None or int(version) < below:
            with conn.transaction():
                conn.execute(path.read_text(encoding="utf-8"))
                conn.execute("INSERT INTO schema_migrations (version, name) VALUES (%s, %s)", (int(version), name))


def rows_of(query) -> dict[str, list[tuple]]:
    return {table: sorted(map(tuple, query(f"SELECT * FROM {table}")), key=repr) for table in ROWS}


def test_the_revisions_are_one_line_from_the_schema_before_alembic():
    assert revisions()[0] == "0001" and revisions() == sorted(revisions()) and len(revisions()) >= 2


def test_a_fresh_sqlite_file_reaches_the_newest_revision_with_every_table(tmp_path):
    open_history(StorageSettings(dir=tmp_path)).close()
    with closing(sqlite3.connect(tmp_path / "history.sqlite3")) as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [(revisions()[-1],)]
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        indexes = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert set(ROWS) <= tables and "feedback_by_user_item" in indexes  # revision 0002, written for both


def test_a_sqlite_file_of_the_release_before_alembic_upgrades_without_losing_a_row(tmp_path):
    path = tmp_path / "history.sqlite3"
    with closing(sqlite3.connect(path)) as old:
        old.executescript(LEGACY_SQLITE)
        for table, values in ROWS.items():
            old.execute(f"INSERT INTO {table} VALUES {values.replace('DEFAULT', 'NULL')}")
        old.commit()
        before = rows_of(lambda sql: old.execute(sql).fetchall())
    store = open_history(StorageSettings(dir=tmp_path))
    try:
        with closing(sqlite3.connect(path)) as db:
            assert rows_of(lambda sql: db.execute(sql).fetchall()) == before
            assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [(revisions()[-1],)]
        assert [e.item_id for e in store.user_history("ann") if e.source == "slack"] == ["heat"]
        assert store.watchlist("ann") == ["alien"] and store.catalog_user("slack", "T1", "U1") == "c1"
    finally:
        store.close()
    open_history(StorageSettings(dir=tmp_path)).close()  # and again: nothing left to do, nothing lost
    with closing(sqlite3.connect(path)) as db:
        assert rows_of(lambda sql: db.execute(sql).fetchall()) == before


def test_a_sqlite_file_from_a_newer_chatrec_is_refused(tmp_path):
    open_history(StorageSettings(dir=tmp_path)).close()
    with closing(sqlite3.connect(tmp_path / "history.sqlite3")) as db:
        db.execute("UPDATE alembic_version SET version_num = '9999'")
        db.commit()
    with pytest.raises(StoreError, match=r"history file is at schema revision 9999, newer than this chatrec knows"):
        open_history(StorageSettings(dir=tmp_path))


@pytest.mark.postgres
def test_a_postgres_database_of_the_release_before_alembic_upgrades_without_losing_a_row(postgres_url, tmp_path):
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        legacy_postgres(conn)
        for table, values in ROWS.items():
            conn.execute(f"INSERT INTO {table} VALUES {values}")
        before = rows_of(lambda sql: conn.execute(sql).fetchall())
        legacy = conn.execute("SELECT * FROM schema_migrations ORDER BY version").fetchall()
    store = open_history(StorageSettings(dir=tmp_path, backend="postgres", url=postgres_url))
    try:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            assert rows_of(lambda sql: conn.execute(sql).fetchall()) == before
            now = conn.execute("SELECT * FROM schema_migrations ORDER BY version").fetchall()
            assert now[:len(legacy)] == legacy  # none run twice
            # The revisions past them are recorded too: the release before Alembic refuses this database.
            assert [row[0] for row in now[len(legacy):]] == [10 + n for n in range(1, len(revisions()))]
            assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(revisions()[-1],)]
        assert store.watchlist("ann") == ["alien"] and store.catalog_user("slack", "T1", "U1") == "c1"
    finally:
        store.close()


@pytest.mark.postgres
def test_both_databases_hold_the_same_history_tables(postgres_url, tmp_path):
    open_history(StorageSettings(dir=tmp_path, backend="postgres", url=postgres_url)).close()
    open_history(StorageSettings(dir=tmp_path / "lite")).close()
    with psycopg.connect(postgres_url) as conn:
        on_postgres = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        pg_indexes = {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")}
    with closing(sqlite3.connect(Path(tmp_path / "lite" / "history.sqlite3"))) as db:
        on_sqlite = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}
    assert on_sqlite <= on_postgres, on_sqlite - on_postgres
    assert "feedback_by_user_item" in pg_indexes


def test_processes_opening_one_new_sqlite_file_together_upgrade_it_once(tmp_path):
    """A bot and a CLI command starting together: the file's lock file lets one upgrade, the
    others find it done."""
    script = ("import sys; from pathlib import Path; from chatrec_agent.store.sqlite_history import SqliteHistoryStore; "
              "SqliteHistoryStore(Path(sys.argv[1])).close()")
    path = tmp_path / "history.sqlite3"
    runs = [subprocess.Popen([sys.executable, "-c", script, str(path)], stderr=subprocess.PIPE, text=True) for _ in range(4)]
    errors = [run.communicate(timeout=120)[1] for run in runs]
    assert [run.returncode for run in runs] == [0] * 4, errors
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [(revisions()[-1],)]


def test_threads_upgrading_several_files_take_turns(tmp_path):
    """Alembic's context is module-wide: two upgrades in one process at once would mix them."""
    folders = [tmp_path / f"s{n}" for n in range(6)]
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda folder: open_history(StorageSettings(dir=folder)).close(), folders))
    for folder in folders:
        with closing(sqlite3.connect(folder / "history.sqlite3")) as db:
            assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [(revisions()[-1],)]


@pytest.mark.parametrize("name", ["my%20bot", "what?", "a#b"])
def test_a_folder_name_is_a_path_not_url_syntax(tmp_path, name):
    store = open_history(StorageSettings(dir=tmp_path / name))
    try:
        assert store.save_for_later("ann", "heat") and store.watchlist("ann") == ["heat"]
    finally:
        store.close()
    assert sorted(p.name for p in (tmp_path / name).iterdir() if p.suffix == ".sqlite3") == ["history.sqlite3"]
