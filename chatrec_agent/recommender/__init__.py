"""Recommenders with one small API (fit / recommend / similar_items / score).

Models: popularity, itemknn, ease, als (through `implicit`), and hybrid (the best
CF model blended with content similarity from the item embeddings).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chatrec_agent.recommender.als import ALSRecommender
from chatrec_agent.recommender.base import Contribution, Dataset, Recommendation, Recommender, UserState
from chatrec_agent.recommender.ease import EASERecommender
from chatrec_agent.recommender.hybrid import HybridRecommender
from chatrec_agent.recommender.itemknn import ItemKNNRecommender
from chatrec_agent.recommender.model_files import StoredArrays
from chatrec_agent.recommender.popularity import PopularityRecommender
from chatrec_agent.recommender.rating import AutoRec, BiasedMF, BlendedRating
from chatrec_agent.recommender.rating_model import RatingModel

MODELS = ("popularity", "itemknn", "ease", "als", "hybrid")

__all__ = [
    "MODELS", "AutoRec", "BiasedMF", "BlendedRating", "Contribution", "Dataset", "RatingModel", "Recommendation",
    "Recommender", "UserState", "make_model", "restore_model",
]


def make_model(name: str, n_items: int | None = None, **params: Any) -> Recommender:
    """A fresh, unfitted model by name. `hybrid` wraps EASE, or item-KNN when the catalog is
    too large for EASE's dense matrix."""
    if name == "popularity":
        return PopularityRecommender()
    if name == "itemknn":
        return ItemKNNRecommender(**params)
    if name == "ease":
        return EASERecommender(**params)
    if name == "als":
        return ALSRecommender(**params)
    if name == "hybrid":
        cf: Recommender = EASERecommender(**params)
        if n_items is not None and n_items > cf.max_items:  # type: ignore[attr-defined]
            cf = ItemKNNRecommender()
        return HybridRecommender(cf)
    raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")


def restore_model(name: str, settings: Mapping[str, Any], arrays: StoredArrays, dataset: Dataset) -> Recommender:
    """A fitted model back from its saved state (`Recommender.state`), which must be of the
    kind `name`; ValueError when it is not, or does not fit `dataset`."""
    for cls in (PopularityRecommender, ItemKNNRecommender, EASERecommender, ALSRecommender, HybridRecommender):
        if cls.name == name:
            return cls.from_state(settings, arrays, dataset)
    raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")
