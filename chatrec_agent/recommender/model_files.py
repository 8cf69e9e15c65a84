"""A fitted model as data: numpy arrays in an .npz (read with allow_pickle=False) and
settings, ids and the data fingerprint in a JSON header, kept in a ModelStore (files in
storage.dir/models, or the PostgreSQL database replicas share). Loading runs no code,
whoever wrote them: the store holds data, never a program.

    write_model(store, name, fingerprint, settings, arrays)
    read_model(store, name, fingerprint) -> (settings, StoredArrays) or None

The header names the digest of the arrays it belongs to, so arrays from another fit (or a
crash between two file writes) are refused. Every array is handed out only with the shape
and kind its reader expects.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy import sparse

from chatrec_agent.store.model_store import ModelStore

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

    def unchecked(self) -> Mapping[str, np.ndarray]:
        """Every array as read, for a reader that checks shapes itself (RatingModel.from_state)."""
        return {name[len(self._prefix):]: value for name, value in self._arrays.items() if name.startswith(self._prefix)}

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


def write_model(store: ModelStore, name: str, fingerprint: str, settings: Mapping[str, Any],
                arrays: Mapping[str, np.ndarray]) -> None:
    """Save the arrays and a JSON header naming their digest under `name` in `store`."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    blob = buffer.getvalue()
    header = {"format": FORMAT, "fingerprint": fingerprint, "npz_blake2b": _digest(blob), "settings": settings}
    store.put(name, json.dumps(header, allow_nan=False).encode(), blob)


def read_model(store: ModelStore, name: str, fingerprint: str) -> tuple[dict[str, Any], StoredArrays] | None:
    """The settings and arrays saved for data with this fingerprint; None when there is no
    such model. ValueError (or another plain exception) when what is saved is damaged.
    The header is read first: a model fitted on other data is never fetched whole (on
    postgres that is a transfer of the whole matrix)."""
    origin = store.where(name)
    header = store.header(name)
    if header is None or _header(header, origin).get("fingerprint") != fingerprint:
        return None  # none saved, or fitted on other data: not an error, just out of date
    saved = store.get(name)
    if saved is None:
        return None
    meta = _header(saved[0], origin)  # the header of the pair read together, a save may have come between
    blob = saved[1]
    if meta.get("fingerprint") != fingerprint:
        return None
    if meta.get("npz_blake2b") != _digest(blob):
        raise ValueError(f"{origin}: the arrays are not the ones its header was written with")
    settings = meta.get("settings")
    if not isinstance(settings, dict):
        raise ValueError(f"{origin}: no settings")
    with np.load(io.BytesIO(blob), allow_pickle=False) as npz:  # an object array raises here, it is never unpickled
        arrays = {key: npz[key] for key in npz.files}
    return settings, StoredArrays(arrays, origin)


def _header(raw: bytes, origin: str) -> dict[str, Any]:
    header = json.loads(raw.decode("utf-8"))
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ValueError(f"{origin}: not a {FORMAT} model")
    return header


def _digest(blob: bytes) -> str:
    return hashlib.blake2b(blob, digest_size=16).hexdigest()
