"""User-facing errors: one sentence that says what is wrong and what to do.

The CLI prints these without a traceback; anything else escaping is a bug.
"""

from __future__ import annotations

from pathlib import Path


class ChatrecError(Exception):
    """An error caused by the user's input, config or environment, not by our code."""


class ConfigError(ChatrecError):
    """The config file is missing, unreadable or invalid."""


class CatalogError(ChatrecError):
    """A catalog or interactions file cannot be imported as it is."""

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None):
        self.path = Path(path) if path is not None else None
        self.line = line
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(where + message)


class VectorIndexError(ChatrecError):
    """The vector index cannot be reached or used."""


class StoreError(ChatrecError):
    """The history store's database cannot be reached or used."""
