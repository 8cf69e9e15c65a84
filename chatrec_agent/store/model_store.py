"""Where fitted models are kept, as the two blobs `model_files` writes: a JSON header and
an .npz of arrays, under a name ("ease", "rating").

One process (storage.backend sqlite) keeps them as files in storage.dir/models
(`DirectoryModelStore`); replicas sharing a PostgreSQL database keep them there
(postgres_models.py), so a model one replica fitted is loaded by the others, not refitted
by each. `fitting(name)` lets one fit run at a time per name: whoever waited then finds
the fitted model and loads it.
"""

from __future__ import annotations

import os
import tempfile
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import IO


class ModelStore(ABC):
    shared: bool  # True when other processes load what this one saves

    @abstractmethod
    def put(self, name: str, header: bytes, arrays: bytes) -> None:
        """Save both blobs; a reader sees the old pair or the new pair, never a mix
        (a mix that slips through is caught by the header's digest of the arrays)."""

    @abstractmethod
    def header(self, name: str) -> bytes | None:
        """The header saved under `name` alone (small: whether the arrays are worth fetching)."""

    @abstractmethod
    def get(self, name: str) -> tuple[bytes, bytes] | None:
        """The header and arrays saved under `name`; None when nothing is."""

    @abstractmethod
    def fitting(self, name: str) -> AbstractContextManager[None]:
        """Held while `name` is fitted and saved: one fit at a time (across replicas where shared)."""

    def where(self, name: str) -> str:
        """Where `name` is kept, for messages."""
        return name

    def close(self) -> None:
        pass



class DirectoryModelStore(ModelStore):
    """`<folder>/<name>.npz` and `<name>.json`, each written through a temporary file and a
    rename; the JSON last, so it is the commit point."""

    shared = False

    def __init__(self, folder: Path):
        self.folder = folder
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def put(self, name: str, header: bytes, arrays: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        _replace(self.folder / f"{name}.npz", lambda f: f.write(arrays))
        _replace(self.folder / f"{name}.json", lambda f: f.write(header))

    def header(self, name: str) -> bytes | None:
        path = self.folder / f"{name}.json"
        return path.read_bytes() if path.is_file() else None

    def get(self, name: str) -> tuple[bytes, bytes] | None:
        arrays_path = self.folder / f"{name}.npz"
        header = self.header(name)
        if header is None:
            return None
        try:
            arrays = arrays_path.read_bytes()
        except FileNotFoundError:
            raise ValueError(f"{arrays_path} is missing; {name}.json names it") from None
        return header, arrays

    @contextmanager
    def fitting(self, name: str) -> Iterator[None]:
        with self._guard:
            lock = self._locks.setdefault(name, threading.Lock())
        with lock:
            yield

    def where(self, name: str) -> str:
        return str(self.folder / f"{name}.npz")


def _replace(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Atomic: readers see the old file or the whole new one, never half of it. The temporary
    name is unique, so two processes saving at once do not write into one file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
