"""Recommenders with one small API (fit / recommend / similar_items / score).

Models: popularity, itemknn, ease, als (through `implicit`), and hybrid (the best
CF model blended with content similarity from the item embeddings).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chatrec_agent.recommender.als import ALSRecommender
from chatrec_agent.recommender.base import Contribution, Dataset, Recommendation, Recommender, UserState
from chatrec_agent.recommender.ease import EASE_MAX_ITEMS, EASERecommender
from chatrec_agent.recommender.hybrid import HybridRecommender
from chatrec_agent.recommender.itemknn import ItemKNNRecommender
from chatrec_agent.recommender.model_files import StoredArrays
from chatrec_agent.recommender.popularity import PopularityRecommender
from chatrec_agent.recommender.rating import AutoRec, BiasedMF, BlendedRating
from chatrec_agent.recommender.rating_model import RatingModel

MODELS = ("popularity", "itemknn", "ease", "als", "hybrid")

__all__ = [
    "MODELS", "AutoRec", "BiasedMF", "BlendedRating", "Contribution", "Dataset", "RatingModel", "Recommendation",
    "Recommender", "UserState", "make_model", "model_choice", "restore_model",
]


def model_choice(name: str, n_items: int, ease_max_items: int = EASE_MAX_ITEMS) -> tuple[str, str]:
    """(the model `name` makes for a catalog of n_items, and why), for `doctor` and the logs.
    `hybrid` wraps EASE where its dense item x item matrix fits, else item-KNN, whose memory
    grows with the items' kept neighbours, not with items squared."""
    if name != "hybrid":
        return name, "as configured (recommender.model)"
    matrix_mb = n_items * n_items * 4 / 1e6
    if n_items <= ease_max_items:
        return "hybrid(ease)", f"{n_items:,} items: EASE's item x item matrix fits ({matrix_mb:,.0f} MB)"
    return "hybrid(itemknn)", (f"{n_items:,} items is over EASE's {ease_max_items:,} (its item x item matrix would be "
                               f"{matrix_mb / 1000:,.1f} GB): item-KNN, its memory growing with items x neighbours")


def make_model(name: str, n_items: int | None = None, **params: Any) -> Recommender:
    """A fresh, unfitted model by name. `hybrid` wraps EASE, or item-KNN when the catalog is
    too large for EASE's dense matrix (see `model_choice`)."""
    if name == "popularity":
        return PopularityRecommender()
    if name == "itemknn":
        return ItemKNNRecommender(**params)
    if name == "ease":
        return EASERecommender(**params)
    if name == "als":
        return ALSRecommender(**params)
    if name == "hybrid":
        chosen, _ = model_choice(name, n_items or 0)
        return HybridRecommender(EASERecommender(**params) if chosen == "hybrid(ease)" else ItemKNNRecommender())
    raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")


def restore_model(name: str, settings: Mapping[str, Any], arrays: StoredArrays, dataset: Dataset) -> Recommender:
    """A fitted model back from its saved state (`Recommender.state`), which must be of the
    kind `name`; ValueError when it is not, or does not fit `dataset`."""
    for cls in (PopularityRecommender, ItemKNNRecommender, EASERecommender, ALSRecommender, HybridRecommender):
        if cls.name == name:
            return cls.from_state(settings, arrays, dataset)
    raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")
