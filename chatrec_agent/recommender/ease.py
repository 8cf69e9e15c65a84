"""EASE (Steck, 2019): a closed-form item-item model, strong on MovieLens-sized catalogs.

B = -P / diag(P) with P = (XᵀX + λI)⁻¹ and a zero diagonal. The inverse is dense
(items x items), so EASE is for catalogs up to `max_items` items.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from chatrec_agent.errors import ChatrecError
from chatrec_agent.recommender.base import Dataset, Recommender, UserState, top_contributions
from chatrec_agent.recommender.model_files import StoredArrays


class EASERecommender(Recommender):
    name = "ease"

    def __init__(self, l2: float = 400.0, max_items: int = 20_000):
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
        X = dataset.matrix.astype(np.float64)
        gram = (X.T @ X).toarray()
        gram[np.diag_indices(n)] += self.l2
        P = np.linalg.inv(gram)
        B = P / (-np.diag(P))
        B[np.diag_indices(n)] = 0.0
        self._B = B.astype(np.float32)

    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {"l2": self.l2, "max_items": self.max_items}, {"B": self._B}

    @classmethod
    def _from_state(cls, settings: Mapping[str, Any], arrays: StoredArrays, dataset: Dataset) -> EASERecommender:
        model = cls(float(settings["l2"]), int(settings["max_items"]))
        model._B = arrays.array("B", (dataset.n_items, dataset.n_items))
        return model

    def _scores(self, x: np.ndarray, user: UserState, query_vector: np.ndarray | None) -> np.ndarray:
        return x @ self._B

    def _contributions(self, x: np.ndarray, item: int) -> list[tuple[int, float]]:
        return top_contributions(x, self._B[:, item])

    def _item_similarities(self, seeds: list[int]) -> np.ndarray:
        # The seeds' fold-in times B is the sum of their rows: no items x items product.
        return self._B[seeds].sum(axis=0)
