"""Where the agent's conversation memory lives, so the agent does not care which database
holds it: a SQLite file under storage.dir for one bot process (sqlite_memory.py), or the
PostgreSQL database of storage.url that several replicas share (postgres_memory.py)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

from langgraph.checkpoint.base import BaseCheckpointSaver

from chatrec_agent.conversation.sqlite_memory import SqliteMemory
from chatrec_agent.errors import ConfigError
from chatrec_agent.settings import StorageSettings


class MemoryStore(Protocol):
    """LangGraph's checkpointer (one thread per conversation id) and the bookkeeping around
    it that the saver has no API for: pruning, when each conversation last spoke, lookup
    by id prefix."""

    checkpointer: BaseCheckpointSaver

    def conversations(self, conversation: str, *, threads: bool = False) -> list[str]:
        """The conversation if it has memory and, with `threads`, every `<conversation>:…`
        under it (a channel's threads); sorted."""
        ...

    def keep_latest(self, conversation: str) -> None:
        """Keep only the conversation's latest checkpoint: it holds the whole state; the
        earlier ones are per-step history nobody reads."""
        ...

    def touch(self, conversation: str, at: float) -> None:
        """Note that the conversation had a turn at `at` (epoch seconds)."""
        ...

    def idle_since(self, cutoff: float) -> list[str]:
        """The conversations with no turn since `cutoff`, sorted."""
        ...

    def delete(self, conversation: str) -> None:
        """Forget the conversation: its checkpoints and its bookkeeping."""
        ...

    def exclusive(self, conversation: str) -> AbstractContextManager[None]:
        """Held around a turn or a forget: no other process works on the conversation meanwhile."""
        ...

    def close(self) -> None: ...


def open_memory(storage: StorageSettings, concurrent_turns: int = 16) -> MemoryStore:
    """The memory for storage.backend. `concurrent_turns`: how many turns this process may
    run at once (on postgres each holds a connection for its conversation's lock)."""
    if storage.backend == "sqlite":
        return SqliteMemory(storage.dir)
    try:  # psycopg and the saver come with the `postgres` extra only
        from chatrec_agent.conversation.postgres_memory import PostgresMemory
    except ImportError as exc:
        raise ConfigError(f"storage.backend postgres needs {exc.name}: pip install 'chatrec[postgres]'.") from None
    assert storage.url is not None  # StorageSettings refuses postgres without a url
    return PostgresMemory(storage.url.get_secret_value(), concurrent_turns=concurrent_turns)
