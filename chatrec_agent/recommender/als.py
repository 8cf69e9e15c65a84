"""Matrix factorisation through the `implicit` library (alternating least squares)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from chatrec_agent.recommender.base import Dataset, Recommender, UserState
from chatrec_agent.recommender.model_files import StoredArrays


class ALSRecommender(Recommender):
    name = "als"

    def __init__(self, factors: int = 64, regularization: float = 0.05, alpha: float = 2.0,
                 iterations: int = 20, seed: int = 7, threads: int = 0):
        super().__init__()
        self.params = dict(factors=factors, regularization=regularization, alpha=alpha,
                           iterations=iterations, random_state=seed, num_threads=threads)

    def _make(self, factors: int):
        """implicit's model with these settings and `factors` factors, not fitted."""
        from implicit.cpu.als import AlternatingLeastSquares

        with warnings.catch_warnings():
            # implicit warns about BLAS threads at construction, before any limit applies.
            warnings.simplefilter("ignore", RuntimeWarning)
            return AlternatingLeastSquares(**{**self.params, "factors": factors}, calculate_training_loss=False)

    def _fit(self, dataset: Dataset) -> None:
        import threadpoolctl

        # More factors than the data can support just fits noise (tiny catalogs, few users).
        factors = max(2, min(self.params["factors"], min(dataset.n_users, dataset.n_items) // 4))
        # implicit asks for single-threaded BLAS: its own threads already use the cores.
        with threadpoolctl.threadpool_limits(1, "blas"):
            self._model = self._make(factors)
            self._model.fit(dataset.matrix.astype(np.float32), show_progress=False)

    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        # Answering folds a user in on the item factors (recalculate_user, explain): the
        # fitted users' factors are never used, so they are not saved.
        return {"params": self.params}, {"item_factors": self._model.item_factors}

    @classmethod
    def _from_state(cls, settings: Mapping[str, Any], arrays: StoredArrays, dataset: Dataset) -> ALSRecommender:
        p = settings["params"]
        model = cls(int(p["factors"]), float(p["regularization"]), float(p["alpha"]), int(p["iterations"]),
                    int(p["random_state"]), int(p["num_threads"]))
        if model.params["num_threads"] < 0:
            raise ValueError("a saved ALS model with a negative thread count")
        item_factors = arrays.array("item_factors", (dataset.n_items, None))
        model._model = model._make(item_factors.shape[1])
        model._model.item_factors = item_factors
        return model

    def _user_factors(self, x: np.ndarray) -> np.ndarray:
        from scipy import sparse

        positive = np.flatnonzero(x > 0)
        if len(positive) == 0:
            return np.zeros(self._model.factors, dtype=np.float32)
        row = sparse.csr_matrix(
            (x[positive].astype(np.float32), ([0] * len(positive), positive)), shape=(1, len(x))
        )
        return np.asarray(self._model.recalculate_user(0, row)).ravel()

    def _scores(self, x: np.ndarray, user: UserState, query_vector: np.ndarray | None,
                rows: np.ndarray | None = None) -> np.ndarray:
        scores = self._model.item_factors @ self._user_factors(x)
        negative = np.flatnonzero(x < 0)
        if len(negative):
            # ALS has no notion of dislike: demote items close to disliked ones instead.
            disliked = self._model.item_factors[negative]
            scores = scores - np.clip(self._model.item_factors @ disliked.T, 0, None).max(axis=1)
        return scores

    def _contributions(self, x: np.ndarray, item: int) -> list[tuple[int, float]]:
        from scipy import sparse

        positive = np.flatnonzero(x > 0)
        if len(positive) == 0:
            return []
        row = sparse.csr_matrix(
            (x[positive].astype(np.float32), ([0] * len(positive), positive)), shape=(1, len(x))
        )
        # implicit's own decomposition of the score into the user's items' contributions.
        _, contributions, _ = self._model.explain(0, row, item, N=5)
        return [(int(j), float(w)) for j, w in contributions]

    def _item_similarities(self, seeds: list[int]) -> np.ndarray:
        factors = self._model.item_factors
        norms = np.linalg.norm(factors, axis=1) + 1e-9
        unit = factors / norms[:, None]
        return (unit @ unit[seeds].T).mean(axis=1)
