"""Opening a first connection to storage.url with errors a person can act on, shared by
the history store and the conversation memory (both live in the same database)."""

from __future__ import annotations

import psycopg
from psycopg.conninfo import conninfo_to_dict

from chatrec_agent.errors import ConfigError, StoreError


def connect(url: str, what: str, connect_timeout_s: int = 10, autocommit: bool = True) -> psycopg.Connection:
    """A connection (autocommit unless asked otherwise); a ConfigError or StoreError that never
    quotes the URL (psycopg's parse errors can echo the password). `what` names the database in
    messages."""
    try:
        return psycopg.connect(url, autocommit=autocommit, connect_timeout=connect_timeout_s)
    except psycopg.ProgrammingError:  # not a URL; its message could quote the password
        raise ConfigError("storage.url is not a PostgreSQL URL like postgresql://user:password@host:5432/dbname.") from None
    except psycopg.Error as exc:
        reason = (str(exc).strip() or type(exc).__name__).splitlines()[0]
        raise StoreError(f"Cannot connect to the PostgreSQL {what} at {where(url)} (storage.url): "
                         f"{reason}. Check that the server runs and the URL is right.") from None


def where(url: str) -> str:
    """host:port/dbname of a connection URL, without its password, for messages."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "(an unreadable storage.url)"
    return f"{parts.get('host', 'localhost')}:{parts.get('port', 5432)}/{parts.get('dbname', '')}"
