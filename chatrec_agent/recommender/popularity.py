"""Most-interacted items first: the cold-start baseline."""

from __future__ import annotations

import numpy as np

from chatrec_agent.recommender.base import Dataset, Recommender, UserState


class PopularityRecommender(Recommender):
    name = "popularity"

    def _fit(self, dataset: Dataset) -> None:
        self._popularity = np.log1p(dataset.item_popularity).astype(np.float32)

    def _scores(self, x: np.ndarray, user: UserState, query_vector: np.ndarray | None) -> np.ndarray:
        return self._popularity

    def _item_similarities(self, seeds: list[int]) -> np.ndarray:
        return self._popularity
