"""Hybrid: the collaborative score blended with content similarity from item embeddings.

Content comes from the same vectors that are in Chroma, so an item nobody has rated yet is
still reachable (it is close to what the user liked, or to their text wish), and a user
with no history still gets sensible results (popularity plus their stated wish).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from chatrec_agent.recommender.base import Dataset, Recommender, UserState, normalise
from chatrec_agent.recommender.ease import EASERecommender
from chatrec_agent.recommender.itemknn import ItemKNNRecommender
from chatrec_agent.recommender.model_files import StoredArrays, prefixed
from chatrec_agent.recommender.neighbourhood import (
    Shrinkage, blend, co_raters, collaborative_similarities, content_similarities, fit_shrinkage, genre_matrix,
)
from chatrec_agent.search.lexical import LEXICAL_WEIGHT

# How many interacted items a never-interacted item borrows its CF score from.
BORROW_NEIGHBOURS = 10
BORROW_BLOCK_CELLS = 20_000_000  # cold x warm similarities computed at once (80 MB)


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
        # "Like X": how much X's collaborative neighbours count against its content ones.
        self.shrinkage = Shrinkage(0.0)

    @property
    def lexical_weight(self) -> float:  # type: ignore[override]
        """A wish's words as an item's tags count as in search: LEXICAL_WEIGHT on the cosine."""
        return self.wish_weight * LEXICAL_WEIGHT

    def set_vectors(self, vectors: np.ndarray) -> HybridRecommender:
        """Unit item vectors, one row per dataset item (missing items: zero rows)."""
        self.vectors = np.asarray(vectors, dtype=np.float32)
        return self

    def _fit(self, dataset: Dataset) -> None:
        self.cf.fit(dataset)
        self._popularity = normalise(np.log1p(dataset.item_popularity).astype(np.float32))
        self._borrow = self._borrowed_neighbours(dataset)
        self._like_evidence(dataset)
        self.shrinkage = fit_shrinkage(dataset, self.vectors)

    def _like_evidence(self, dataset: Dataset) -> None:
        """What a like-X blend reads besides the models: co-rater counts and genre sets."""
        self._co_raters = co_raters(dataset.matrix)
        self._genres = genre_matrix(dataset)

    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        # The vectors are not saved: they live in the index, and are re-attached after loading.
        cf_settings, cf_arrays = self.cf.state()
        settings = {"content_weight": self.content_weight, "wish_weight": self.wish_weight,
                    "popularity_weight": self.popularity_weight, "warm_history": self.warm_history, "cf": cf_settings,
                    "like_shrinkage": self.shrinkage.state()}
        arrays = {"popularity": self._popularity, **prefixed("cf.", cf_arrays)}
        if self._borrow is not None:
            arrays.update(zip(("borrow_cold", "borrow_neighbours", "borrow_weights"), self._borrow))
        return settings, arrays

    @classmethod
    def _from_state(cls, settings: Mapping[str, Any], arrays: StoredArrays, dataset: Dataset) -> HybridRecommender:
        cf = _cf_model(settings["cf"]).from_state(settings["cf"], arrays.within("cf."), dataset)
        model = cls(cf, float(settings["content_weight"]), float(settings["wish_weight"]),
                    float(settings["popularity_weight"]), int(settings["warm_history"]))
        if model.warm_history < 1:
            raise ValueError("a saved hybrid model with no warm-up history size")
        model.shrinkage = Shrinkage.from_state(settings.get("like_shrinkage"))
        model._like_evidence(dataset)
        n = dataset.n_items
        model._popularity = arrays.array("popularity", (n,))
        model._borrow = None
        if arrays.has("borrow_cold"):
            cold = arrays.array("borrow_cold", (None,), np.int64, below=n)
            neighbours = arrays.array("borrow_neighbours", (len(cold), None), np.int64, below=n)
            model._borrow = cold, neighbours, arrays.array("borrow_weights", neighbours.shape)
        return model

    def _borrowed_neighbours(self, dataset: Dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """For items nobody has interacted with: their closest interacted items by content.

        A cold item then borrows a CF score from those neighbours (weighted by similarity),
        so a new western can outrank old westerns for a western fan, not only trail them.
        """
        cold = np.flatnonzero(dataset.item_popularity == 0)
        warm = np.flatnonzero(dataset.item_popularity > 0)
        if self.vectors is None or len(cold) == 0 or len(warm) == 0:
            return None
        m = min(BORROW_NEIGHBOURS, len(warm))
        warm_vectors = self.vectors[warm].T
        top = np.empty((len(cold), m), dtype=np.int64)
        top_sims = np.empty((len(cold), m), dtype=np.float32)
        # A block of cold items at a time: all of them against all warm ones at once is
        # cold x warm floats (10 GB at 100k items with half of them never rated).
        rows = max(1, BORROW_BLOCK_CELLS // len(warm))
        for start in range(0, len(cold), rows):
            sims = self.vectors[cold[start:start + rows]] @ warm_vectors
            best = np.argpartition(-sims, m - 1, axis=1)[:, :m]
            top[start:start + rows] = best
            top_sims[start:start + rows] = np.clip(np.take_along_axis(sims, best, axis=1), 0, None)
        weights = top_sims / np.maximum(top_sims.sum(axis=1, keepdims=True), 1e-9)
        # Confidence: a cold item only borrows as much as it resembles its neighbours.
        weights *= top_sims.max(axis=1, keepdims=True)
        return cold, warm[top], weights.astype(np.float32)

    def _cf_with_borrowing(self, x: np.ndarray, user: UserState) -> np.ndarray:
        cf = normalise(self.cf._scores(x, user, None))
        if self._borrow is not None:
            cold, neighbours, weights = self._borrow
            cf = cf.copy()
            cf[cold] = (cf[neighbours] * weights).sum(axis=1)
        return cf

    def content_profile(self, x: np.ndarray) -> np.ndarray | None:
        """The user's taste as a direction in embedding space: liked minus disliked items."""
        history = np.flatnonzero(x)
        if self.vectors is None or not len(history):
            return None
        profile = x[history] @ self.vectors[history]  # the history's rows only, not all items
        norm = float(np.linalg.norm(profile))
        return profile / norm if norm > 0 else None

    def content_scores(self, x: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray | None:
        profile = self.content_profile(x)
        return None if profile is None else _matvec(self.vectors, profile, rows)

    def wish_scores(self, query_vector: np.ndarray | None, rows: np.ndarray | None = None) -> np.ndarray | None:
        if query_vector is None or self.vectors is None:
            return None
        return _matvec(self.vectors, np.asarray(query_vector, dtype=np.float32), rows)

    def _scores(self, x: np.ndarray, user: UserState, query_vector: np.ndarray | None,
                rows: np.ndarray | None = None) -> np.ndarray:
        history = int(np.count_nonzero(x))
        warmth = min(1.0, history / self.warm_history)
        scores = self.popularity_weight * self._popularity
        if history:
            scores = scores + warmth * self._cf_with_borrowing(x, user)
            content = self.content_scores(x, rows)
            if content is not None:
                # New users lean on content more; content also lifts never-rated items.
                scores = scores + (self.content_weight + (1 - warmth) * 0.5) * content
        wish = self.wish_scores(query_vector, rows)
        if wish is not None:
            scores = scores + self.wish_weight * wish
        return scores

    def _contributions(self, x: np.ndarray, item: int) -> list[tuple[int, float]]:
        return self.cf._contributions(x, item)

    def _item_similarities(self, seeds: list[int]) -> np.ndarray:
        """Each seed's collaborative and content neighbours, blended by the evidence about
        the seed (see neighbourhood.py), averaged over the seeds."""
        at = np.asarray(seeds, dtype=np.int64)
        cf = collaborative_similarities(np.stack([self.cf._item_similarities([int(s)]) for s in at]), at)
        content = None if self.vectors is None else content_similarities(self.vectors, self._genres, at)
        return blend(cf, content, self.shrinkage.weight(self._co_raters[at])).mean(axis=0)

    def _kind_similarities(self, seeds: list[int]) -> np.ndarray:
        if self.vectors is None:
            return self._item_similarities(seeds)
        return content_similarities(self.vectors, self._genres, np.asarray(seeds, dtype=np.int64)).mean(axis=0)

    def _decorate(self, recs, x, query_vector):
        if not recs:
            return recs
        picks = np.array([self.ds.item_index[rec.item_id] for rec in recs])
        wish, content = self.wish_scores(query_vector, picks), self.content_scores(x, picks)  # the picks' rows only
        for n, rec in zip(picks, recs):
            rec.wish_similarity = None if wish is None else float(wish[n])
            rec.content_similarity = None if content is None else float(content[n])
        return recs


def _matvec(vectors: np.ndarray, direction: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
    """vectors @ direction, for `rows` only when given (the rest left at 0): at 100k items the
    whole product reads 150 MB, a genre-and-decade filter's rows a few MB."""
    if rows is None:
        return vectors @ direction
    out = np.zeros(len(vectors), dtype=np.float32)
    out[rows] = vectors[rows] @ direction
    return out


def _cf_model(settings: Mapping[str, Any]) -> type[Recommender]:
    """The class of a saved hybrid's CF part: one of those `make_model` wraps."""
    for cls in (EASERecommender, ItemKNNRecommender):
        if settings.get("kind") == cls.name:
            return cls
    raise ValueError(f"a hybrid model does not wrap {settings.get('kind')!r}")
