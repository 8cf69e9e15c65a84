"""A fitted recommender on disk: numpy arrays in `<name>.npz` (read with allow_pickle=False)
and settings, ids and the data fingerprint in `<name>.json`. Loading runs no code, whoever
wrote the files: storage.dir is data, never a program.

    write_model(stem, fingerprint, settings, arrays)
    read_model(stem, fingerprint) -> (settings, StoredArrays) or None

The JSON is written last and names the digest of the .npz it belongs to, so it is the commit
point: after a crash between the two writes, or beside an .npz from another fit, it is
refused. Every array is handed out only with the shape and kind its reader expects.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np
from scipy import sparse

FORMAT = "chatrec-recommender/1"

# Numpy dtype kinds by what an array holds.
_KINDS = {"f": "fiu", "i": "iu", "b": "b"}


class StoredArrays:
    """Arrays read from an .npz; each is checked against the shape its reader expects."""

    def __init__(self, arrays: Mapping[str, np.ndarray], origin: str, prefix: str = ""):
        self._arrays = arrays
        self._origin = origin
        self._prefix = prefix

    def within(self, prefix: str) -> StoredArrays:
        """The arrays saved under `prefix` (see `prefixed`), named without it."""
        return StoredArrays(self._arrays, self._origin, self._prefix + prefix)

    def has(self, name: str) -> bool:
        return self._prefix + name in self._arrays

    def array(self, name: str, shape: tuple[int | None, ...], dtype: type = np.float32,
              below: int | None = None) -> np.ndarray:
        """The array `name` as `dtype`; `shape` gives each dimension (None: any length) and
        `below` bounds an index array, so a tampered file fails here, not at query time."""
        value = self._arrays.get(self._prefix + name)
        kind = np.dtype(dtype).kind
        if value is None or value.dtype.kind not in _KINDS[kind] or value.ndim != len(shape) \
                or any(want is not None and got != want for got, want in zip(value.shape, shape)):
            raise ValueError(f"{self._origin}: {self._prefix}{name} is missing, not numbers, or has the wrong shape")
        if below is not None and value.size and (value.min() < 0 or value.max() >= below):
            raise ValueError(f"{self._origin}: {self._prefix}{name} indexes outside [0, {below})")
        return value.astype(dtype, copy=False)

    def csr(self, name: str, shape: tuple[int, int]) -> sparse.csr_matrix:
        """A sparse matrix saved by `csr_arrays`, with its structure checked in full."""
        indptr = self.array(f"{name}.indptr", (shape[0] + 1,), np.int64)
        indices = self.array(f"{name}.indices", (None,), np.int64, below=shape[1])
        data = self.array(f"{name}.data", (len(indices),))
        matrix = sparse.csr_matrix((data, indices, indptr), shape=shape)
        matrix.check_format(full_check=True)  # indptr monotonic and ending at len(indices)
        return matrix


def csr_arrays(name: str, matrix: sparse.csr_matrix) -> dict[str, np.ndarray]:
    """A CSR matrix as three plain arrays (read back with `StoredArrays.csr`)."""
    return {f"{name}.data": matrix.data, f"{name}.indices": matrix.indices, f"{name}.indptr": matrix.indptr}


def prefixed(prefix: str, arrays: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Arrays of a part (the dataset, a wrapped model) named apart from the rest."""
    return {prefix + name: value for name, value in arrays.items()}


def write_model(stem: Path, fingerprint: str, settings: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> None:
    """Write `stem`.npz and then `stem`.json, each through a temporary file and a rename."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    _replace(stem.with_suffix(".npz"), lambda f: np.savez(f, **arrays))
    meta = {"format": FORMAT, "fingerprint": fingerprint, "npz_blake2b": _digest(stem.with_suffix(".npz")),
            "settings": settings}
    _replace(stem.with_suffix(".json"), lambda f: f.write(json.dumps(meta, allow_nan=False).encode()))


def read_model(stem: Path, fingerprint: str) -> tuple[dict[str, Any], StoredArrays] | None:
    """The settings and arrays saved for data with this fingerprint; None when there is no
    such model. ValueError (or another plain exception) when the files are damaged."""
    meta_path, npz_path = stem.with_suffix(".json"), stem.with_suffix(".npz")
    if not meta_path.is_file():
        return None
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"{meta_path}: not a {FORMAT} file")
    if meta.get("fingerprint") != fingerprint:
        return None  # fitted on other data: not an error, just out of date
    if meta.get("npz_blake2b") != _digest(npz_path):
        raise ValueError(f"{npz_path} is not the array file {meta_path.name} was written with")
    settings = meta.get("settings")
    if not isinstance(settings, dict):
        raise ValueError(f"{meta_path}: no settings")
    with np.load(npz_path, allow_pickle=False) as npz:  # an object array raises here, it is never unpickled
        arrays = {name: npz[name] for name in npz.files}
    return settings, StoredArrays(arrays, str(npz_path))


def _digest(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, lambda: hashlib.blake2b(digest_size=16)).hexdigest()


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
