"""Hybrid: the collaborative score blended with content similarity from item embeddings.

Content comes from the same vectors that are in Chroma, so an item nobody has rated yet is
still reachable (it is close to what the user liked, or to their text wish), and a user
with no history still gets sensible results (popularity plus their stated wish).
"""

from __future__ import annotations

import numpy as np

from chatrec_agent.recommender.base import Dataset, Recommender, UserState, normalise


class HybridRecommender(Recommender):
    name = "hybrid"
    uses_content = True

    def __init__(self, cf: Recommender, content_weight: float = 0.15, wish_weight: float = 3.0,
                 popularity_weight: float = 0.05, warm_history: int = 10):
        super().__init__()
        self.cf = cf
        self.content_weight = content_weight
        self.wish_weight = wish_weight
        self.popularity_weight = popularity_weight
        self.warm_history = warm_history  # history size at which CF gets its full weight
        self.vectors: np.ndarray | None = None

    def set_vectors(self, vectors: np.ndarray) -> HybridRecommender:
        """Unit item vectors, one row per dataset item (missing items: zero rows)."""
        self.vectors = np.asarray(vectors, dtype=np.float32)
        return self

    def __getstate__(self) -> dict:
        # Vectors live in Chroma; a saved model is re-attached to them when loaded.
        return {**self.__dict__, "vectors": None}

    def _fit(self, dataset: Dataset) -> None:
        self.cf.fit(dataset)
        self._popularity = normalise(np.log1p(dataset.item_popularity).astype(np.float32))

    def content_profile(self, x: np.ndarray) -> np.ndarray | None:
        """The user's taste as a direction in embedding space: liked minus disliked items."""
        if self.vectors is None or not np.any(x):
            return None
        profile = x @ self.vectors
        norm = float(np.linalg.norm(profile))
        return profile / norm if norm > 0 else None

    def content_scores(self, x: np.ndarray) -> np.ndarray | None:
        profile = self.content_profile(x)
        return None if profile is None else self.vectors @ profile

    def wish_scores(self, query_vector: np.ndarray | None) -> np.ndarray | None:
        if query_vector is None or self.vectors is None:
            return None
        return self.vectors @ np.asarray(query_vector, dtype=np.float32)

    def _scores(self, x: np.ndarray, user: UserState, query_vector: np.ndarray | None) -> np.ndarray:
        history = int(np.count_nonzero(x))
        warmth = min(1.0, history / self.warm_history)
        scores = self.popularity_weight * self._popularity
        if history:
            scores = scores + warmth * normalise(self.cf._scores(x, user, None))
            content = self.content_scores(x)
            if content is not None:
                # New users lean on content more; content also lifts never-rated items.
                scores = scores + (self.content_weight + (1 - warmth) * 0.5) * content
        wish = self.wish_scores(query_vector)
        if wish is not None:
            scores = scores + self.wish_weight * wish
        return scores

    def _contributions(self, x: np.ndarray, item: int) -> list[tuple[int, float]]:
        return self.cf._contributions(x, item)

    def _item_similarities(self, seeds: list[int]) -> np.ndarray:
        cf = normalise(self.cf._item_similarities(seeds))
        if self.vectors is None:
            return cf
        content = (self.vectors @ self.vectors[seeds].T).mean(axis=1)
        return cf + self.content_weight * 2 * content

    def _decorate(self, recs, x, query_vector):
        wish = self.wish_scores(query_vector)
        content = self.content_scores(x)
        for rec in recs:
            n = self.ds.item_index[rec.item_id]
            rec.wish_similarity = None if wish is None else float(wish[n])
            rec.content_similarity = None if content is None else float(content[n])
        return recs
