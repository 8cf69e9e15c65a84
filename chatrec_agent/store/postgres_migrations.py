"""Bringing a PostgreSQL database to the newest schema revision (schema/, shared with SQLite),
on connections opened the way the stores open theirs (errors that never quote the URL)."""

from __future__ import annotations

from chatrec_agent.store.postgres_connection import connect
from chatrec_agent.store.schema import postgres_engine, upgrade


def migrate(url: str, what: str, connect_timeout_s: int = 10) -> list[str]:
    """The revisions applied now (none: the database was up to date)."""
    return upgrade(postgres_engine(lambda: connect(url, what, connect_timeout_s, autocommit=False)), what)
