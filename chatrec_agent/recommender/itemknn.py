"""Item-KNN: cosine similarity of items' co-occurrence, top neighbours kept per item."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy import sparse

from chatrec_agent.recommender.base import Dataset, Recommender, UserState, top_contributions
from chatrec_agent.recommender.model_files import StoredArrays, csr_arrays


class ItemKNNRecommender(Recommender):
    name = "itemknn"

    def __init__(self, neighbours: int = 100, shrink: float = 10.0, block_cells: int = 20_000_000):
        super().__init__()
        self.neighbours = neighbours
        self.shrink = shrink
        self.block_cells = block_cells  # items x items cells computed at once, at most (~240 MB as COO)

    def _fit(self, dataset: Dataset) -> None:
        X = dataset.matrix.astype(np.float32).tocsr()  # csr once: a csc right operand is converted every block
        norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=0)).ravel())
        Xt = X.T.tocsr()
        # Items' co-occurrence a block of rows at a time, each row cut to its top neighbours at
        # once: with popular items the whole items x items product is nearly dense (GBs at 30k
        # items), while a block of it and the kept neighbours stay small.
        block = max(1, min(dataset.n_items, self.block_cells // max(dataset.n_items, 1)))
        parts = []
        for start in range(0, dataset.n_items, block):
            stop = min(start + block, dataset.n_items)
            co = (Xt[start:stop] @ X).tocoo()
            keep = co.row + start != co.col  # not an item with itself
            rows, cols = co.row[keep], co.col[keep]
            # Shrunk cosine: pairs seen together by few users are trusted less.
            data = (co.data[keep] / (norms[rows + start] * norms[cols] + self.shrink)).astype(np.float32)
            sim = sparse.csr_matrix((data, (rows, cols)), shape=(stop - start, dataset.n_items))
            parts.append(_keep_top_per_row(sim, self.neighbours))
        self._sim = sparse.vstack(parts, format="csr", dtype=np.float32) if parts else \
            sparse.csr_matrix((dataset.n_items, dataset.n_items), dtype=np.float32)

    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {"neighbours": self.neighbours, "shrink": self.shrink}, csr_arrays("sim", self._sim)

    @classmethod
    def _from_state(cls, settings: Mapping[str, Any], arrays: StoredArrays, dataset: Dataset) -> ItemKNNRecommender:
        model = cls(int(settings["neighbours"]), float(settings["shrink"]))
        model._sim = arrays.csr("sim", (dataset.n_items, dataset.n_items))
        return model

    def _scores(self, x: np.ndarray, user: UserState, query_vector: np.ndarray | None,
                rows: np.ndarray | None = None) -> np.ndarray:
        # score_i = sum_j x_j * sim(j, i): only the rows of the history's items are read (a
        # whole matrix-vector product reads every kept neighbour, 10M at 100k items).
        history = np.flatnonzero(x)
        scores = np.zeros(len(x), dtype=np.float32)
        if len(history):
            scores += np.asarray(self._sim[history].T @ x[history]).ravel()
        return scores

    def _contributions(self, x: np.ndarray, item: int) -> list[tuple[int, float]]:
        history = np.flatnonzero(x)
        return top_contributions(history, x[history] * self._sim[history][:, [item]].toarray().ravel())


def _keep_top_per_row(matrix: sparse.csr_matrix, k: int) -> sparse.csr_matrix:
    rows, cols, vals = [], [], []
    for r in range(matrix.shape[0]):
        start, end = matrix.indptr[r], matrix.indptr[r + 1]
        if start == end:
            continue
        data = matrix.data[start:end]
        idx = matrix.indices[start:end]
        if len(data) > k:
            keep = np.argpartition(-data, k - 1)[:k]
            data, idx = data[keep], idx[keep]
        rows.append(np.full(len(idx), r, dtype=np.int32))
        cols.append(idx)
        vals.append(data)
    if not rows:
        return sparse.csr_matrix(matrix.shape, dtype=np.float32)
    return sparse.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=matrix.shape, dtype=np.float32
    )
