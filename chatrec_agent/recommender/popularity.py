"""Most-interacted items first: the cold-start baseline."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from chatrec_agent.recommender.base import Dataset, Recommender, UserState
from chatrec_agent.recommender.model_files import StoredArrays


class PopularityRecommender(Recommender):
    name = "popularity"

    def _fit(self, dataset: Dataset) -> None:
        self._popularity = np.log1p(dataset.item_popularity).astype(np.float32)

    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {}, {"popularity": self._popularity}

    @classmethod
    def _from_state(cls, settings: Mapping[str, Any], arrays: StoredArrays, dataset: Dataset) -> PopularityRecommender:
        model = cls()
        model._popularity = arrays.array("popularity", (dataset.n_items,))
        return model

    def _scores(self, x: np.ndarray, user: UserState, query_vector: np.ndarray | None,
                rows: np.ndarray | None = None) -> np.ndarray:
        return self._popularity

    def _item_similarities(self, seeds: list[int]) -> np.ndarray:
        return self._popularity
