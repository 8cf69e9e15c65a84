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

    def __init__(self, neighbours: int = 100, shrink: float = 10.0):
        super().__init__()
        self.neighbours = neighbours
        self.shrink = shrink

    def _fit(self, dataset: Dataset) -> None:
        X = dataset.matrix.tocsc().astype(np.float32)
        co = (X.T @ X).tocsr()
        norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=0)).ravel())
        co.setdiag(0)
        co.eliminate_zeros()
        co = co.tocoo()
        # Shrunk cosine: pairs seen together by few users are trusted less.
        data = co.data / (norms[co.row] * norms[co.col] + self.shrink)
        sim = sparse.csr_matrix((data.astype(np.float32), (co.row, co.col)), shape=co.shape)
        self._sim = _keep_top_per_row(sim, self.neighbours)
        self._sim_t = self._sim.T.tocsr()

    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {"neighbours": self.neighbours, "shrink": self.shrink}, csr_arrays("sim", self._sim)

    @classmethod
    def _from_state(cls, settings: Mapping[str, Any], arrays: StoredArrays, dataset: Dataset) -> ItemKNNRecommender:
        model = cls(int(settings["neighbours"]), float(settings["shrink"]))
        model._sim = arrays.csr("sim", (dataset.n_items, dataset.n_items))
        model._sim_t = model._sim.T.tocsr()
        return model

    def _scores(self, x: np.ndarray, user: UserState, query_vector: np.ndarray | None) -> np.ndarray:
        # score_i = sum_j x_j * sim(j, i)
        return np.asarray(self._sim_t @ x).ravel()

    def _contributions(self, x: np.ndarray, item: int) -> list[tuple[int, float]]:
        column = np.asarray(self._sim_t[item].todense()).ravel()
        return top_contributions(x, column)


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
