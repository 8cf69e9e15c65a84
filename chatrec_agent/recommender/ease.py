"""EASE (Steck, 2019): a closed-form item-item model, strong on MovieLens-sized catalogs.

B = -P / diag(P) with P = (XᵀX + λI)⁻¹ and a zero diagonal. The inverse is dense
(items x items), so EASE is for catalogs up to `max_items` items.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy import linalg

from chatrec_agent.errors import ChatrecError
from chatrec_agent.recommender.base import Dataset, Recommender, UserState, top_contributions
from chatrec_agent.recommender.model_files import StoredArrays


# Rows converted at a time when B is written out in float32.
_ROWS = 1024


def ease_weights(matrix, l2: float) -> np.ndarray:
    """B as float32, in about 12 bytes per items x items cell at its peak (the float64 Gram
    matrix, factorised and inverted in place, and B) instead of the 28 a plain inverse and
    its copies take: 1.2 GB rather than 2.8 GB at 10,000 items."""
    n = matrix.shape[1]
    X = matrix.astype(np.float64)
    P = (X.T @ X).toarray()
    P[np.diag_indices(n)] += l2
    # The Gram matrix plus λI is symmetric positive definite: Cholesky, then its inverse, both
    # in place (LAPACK potrf/potri); potri fills the upper triangle only.
    factor, lower = linalg.cho_factor(P, lower=False, overwrite_a=True, check_finite=False)
    P, info = linalg.lapack.dpotri(factor, lower=lower, overwrite_c=True)
    if info != 0:
        raise ChatrecError(f"EASE: the regularised Gram matrix could not be inverted (LAPACK info {info}).")
    scale = -np.diag(P).copy()
    B = np.empty((n, n), dtype=np.float32)
    for start in range(0, n, _ROWS):
        stop = min(start + _ROWS, n)
        rows = P[start:stop]
        rows[:, :start] = P[:start, start:stop].T  # the lower triangle, mirrored from the upper
        block = rows[:, start:stop]
        block[np.tril_indices(stop - start, -1)] = block.T[np.tril_indices(stop - start, -1)]
        B[start:stop] = rows / scale
    B[np.diag_indices(n)] = 0.0
    return B


# Its fit holds an items x items float64 matrix: 3.2 GB at 20k items.
EASE_MAX_ITEMS = 20_000


class EASERecommender(Recommender):
    name = "ease"

    def __init__(self, l2: float = 400.0, max_items: int = EASE_MAX_ITEMS):
        super().__init__()
        self.l2 = l2
        self.max_items = max_items

    def _fit(self, dataset: Dataset) -> None:
        n = dataset.n_items
        if n > self.max_items:
            raise ChatrecError(
                f"EASE needs an items x items matrix; {n} items exceeds recommender.ease_max_items "
                f"({self.max_items}). Use the als or itemknn model for catalogs this large."
            )
        self._B = ease_weights(dataset.matrix, self.l2)

    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {"l2": self.l2, "max_items": self.max_items}, {"B": self._B}

    @classmethod
    def _from_state(cls, settings: Mapping[str, Any], arrays: StoredArrays, dataset: Dataset) -> EASERecommender:
        model = cls(float(settings["l2"]), int(settings["max_items"]))
        model._B = arrays.array("B", (dataset.n_items, dataset.n_items))
        return model

    def _scores(self, x: np.ndarray, user: UserState, query_vector: np.ndarray | None,
                rows: np.ndarray | None = None) -> np.ndarray:
        # Only the history's rows of B: the whole product reads all of B (400 MB at 10k items).
        history = np.flatnonzero(x)
        return x[history] @ self._B[history] if len(history) else np.zeros(len(x), dtype=np.float32)

    def _contributions(self, x: np.ndarray, item: int) -> list[tuple[int, float]]:
        history = np.flatnonzero(x)  # the history's cells of the column, not a strided read of every row
        return top_contributions(history, x[history] * self._B[history, item])

    def _item_similarities(self, seeds: list[int]) -> np.ndarray:
        # The seeds' fold-in times B is the sum of their rows: no items x items product.
        return self._B[seeds].sum(axis=0)
