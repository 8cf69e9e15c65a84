"""Explained recommendations for catalog users: the recommender, history and explanations
wired together. This is what the agent's tools call.

The fitted model is saved under storage.dir/models and refitted only when the catalog's
items or interactions changed; a user's own feedback needs no refit, because their current
history is folded in at every call.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from chatrec_agent.catalog import Catalog, Item, phrase_words
from chatrec_agent.catalog.attributes import TAGS, AttributeCondition
from chatrec_agent.catalog.filters import SearchFilter
from chatrec_agent.recommender import Dataset, Recommender, UserState, make_model
from chatrec_agent.recommender.explain import Explainer, Explanation
from chatrec_agent.recommender.hybrid import HybridRecommender
from chatrec_agent.recommender.rating import BiasedMF
from chatrec_agent.settings import Settings
from chatrec_agent.store.history import HistoryStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExplainedItem:
    item: Item
    score: float
    explanation: Explanation

    def as_dict(self) -> dict:
        return {
            "id": self.item.id, "title": self.item.title, "year": self.item.year, "genres": list(self.item.genres),
            "score": round(self.score, 4), "explanation": self.explanation.text,
            "evidence": [e.as_dict() for e in self.explanation.evidence],
        }


class Recommendations:
    def __init__(self, settings: Settings, catalog: Catalog, history: HistoryStore, index=None, embedder=None):
        self.settings = settings
        self.catalog = catalog
        self.history = history
        self.index = index
        self.embedder = embedder if embedder is not None else getattr(index, "embedder", None)
        self.explainer = Explainer(settings.recommender.template_dir)
        self._model: Recommender | None = None
        self._fingerprint: str | None = None  # of the data the loaded model was fitted on
        self._rating_model = None

    # --- the fitted model ---------------------------------------------------------------

    @property
    def model_path(self) -> Path:
        return self.settings.storage.dir / "models" / f"{self.settings.recommender.model}.pkl"

    def fingerprint(self) -> str:
        digest = hashlib.blake2b(digest_size=16)
        digest.update(self.settings.recommender.model_dump_json(exclude={"template_dir"}).encode())
        for item_id in self.catalog.items:
            digest.update(item_id.encode() + b"\n")
        digest.update(self.history.fingerprint(self.catalog.interactions).encode())
        return digest.hexdigest()

    def refresh(self, force: bool = False) -> bool:
        """Import the catalog's interactions and refit if anything changed; True if refitted."""
        self.history.import_interactions(self.catalog)
        fingerprint = self.fingerprint()
        if not force and self._model is None and self.model_path.is_file():
            try:
                saved = pickle.loads(self.model_path.read_bytes())
                if saved.get("fingerprint") == fingerprint:
                    self._model, self._fingerprint = self._attach(saved["model"]), fingerprint
                    return False
            except Exception as exc:  # an unreadable model file is rebuilt, not fatal
                log.warning("could not load %s (%s); refitting", self.model_path, exc)
        if not force and self._model is not None and self._fingerprint == fingerprint:
            return False
        dataset = Dataset(self.history.all_interactions(), list(self.catalog.items.values()))
        params = {"l2": self.settings.recommender.ease_l2} if self.settings.recommender.model in ("ease", "hybrid") else {}
        model = make_model(self.settings.recommender.model, n_items=dataset.n_items, **params)
        self._attach(model, dataset)
        model.fit(dataset)
        self.model_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.model_path.with_suffix(".tmp")
        tmp.write_bytes(pickle.dumps({"fingerprint": fingerprint, "model": model}))
        tmp.replace(self.model_path)  # atomic: a crash never leaves half a model file
        self._model, self._fingerprint = model, fingerprint
        return True

    def _attach(self, model: Recommender, dataset: Dataset | None = None) -> Recommender:
        if isinstance(model, HybridRecommender):
            ids = (dataset or model.ds).item_ids
            model.set_vectors(self._vectors(ids))
        return model

    def _vectors(self, ids: list[str]) -> np.ndarray:
        if self.index is not None:
            return self.index.vectors(ids)
        if self.embedder is None:
            raise RuntimeError("the hybrid recommender needs the index or an embedder")
        return self.embedder.encode([self.catalog[i].document() for i in ids])

    @property
    def model(self) -> Recommender:
        if self._model is None:
            self.refresh()
        assert self._model is not None
        return self._model

    # --- answers --------------------------------------------------------------------

    def user_state(self, user_id: str) -> UserState:
        return UserState.from_history(user_id, self.history.user_history(user_id))

    def recommend(
        self, user_id: str, k: int = 5, filters: SearchFilter | None = None, exclude: Iterable[str] = (),
        like_items: Sequence[str] | None = None, wish: str | None = None, include_seen: bool = False,
    ) -> list[ExplainedItem]:
        user = self.user_state(user_id)
        filters = filters or SearchFilter()
        query_vector = self.embedder.encode([wish])[0] if wish and self.embedder is not None else None
        prefer: set[str] = set()
        tags = self.tags_named(wish) if wish else []
        if tags:
            # A tag the wish names is a constraint when enough unseen items carry it, else a preference.
            constrained = replace(filters, attributes=filters.attributes + (AttributeCondition(TAGS, tuple(tags)),))
            if self.model.available(user, constrained, exclude, like_items, include_seen) >= k:
                filters = constrained
            else:
                prefer = {i for tag in tags for i in self.catalog.tag_index.get(tag, ())}
        recs = self.model.recommend(user, k, filters, exclude, like_items, query_vector, include_seen, prefer)
        return self._explained(user, recs, wish, filters)

    def tags_named(self, wish: str) -> list[str]:
        """Catalog tags the wish names word for word (“a feel-good movie”, “a heist”): the
        catalog's own words beat embedding similarity, which is weak on moods and themes."""
        words = f" {phrase_words(wish)} "
        return [tag for tag in self.catalog.tag_index if f" {tag} " in words]

    def similar_items(self, item_ids: Sequence[str], k: int = 5, filters: SearchFilter | None = None,
                      user_id: str | None = None) -> list[ExplainedItem]:
        """The items' neighbourhood; for a person, re-ranked by their taste and without what
        they have rated (the same path as `recommend(like_items=…)`)."""
        if user_id:
            return self.recommend(user_id, k, filters, like_items=item_ids)
        user = UserState("anonymous")
        return self._explained(user, self.model.similar_items(item_ids, k, filters), None, filters)

    def predicted_stars(self, user_id: str, item_id: str) -> float | None:
        """The rating model's guess of the person's stars for an item (their ratings folded in),
        or None when the catalog has no star ratings to learn from."""
        model = self.rating_model
        n = self.model.ds.item_index.get(item_id)
        if model is None or n is None:
            return None
        user = self.user_state(user_id)
        rated = {self.model.ds.item_index[i]: r for i, r in user.ratings.items() if i in self.model.ds.item_index}
        factors, bias = model.fold_in(np.fromiter(rated, dtype=np.int64, count=len(rated)),
                                      np.fromiter(rated.values(), dtype=np.float64, count=len(rated)))
        return round(float(model.predict_for(factors, bias, np.array([n]))[0]), 2)

    @property
    def rating_model(self):
        if self._rating_model is None:
            ds = self.model.ds
            if len(ds.ratings) < 20:
                return None
            self._rating_model = BiasedMF().fit(ds.ratings, ds.n_users, ds.n_items)
        return self._rating_model

    def explain(self, user_id: str, item_id: str, wish: str | None = None) -> Explanation:
        """Why `item_id` suits the user (also for items that were not recommended)."""
        user = self.user_state(user_id)
        query_vector = self.embedder.encode([wish])[0] if wish and self.embedder is not None else None
        explained = self._explained(user, self.model.score_items(user, [item_id], query_vector), wish, None)
        if not explained:
            return Explanation(item_id, "That item is not in the catalog.", ())
        return explained[0].explanation

    def _explained(self, user: UserState, recs, wish: str | None, filters: SearchFilter | None) -> list[ExplainedItem]:
        profile = self.history.taste_profile(user.user_id, self.catalog.items)
        out = []
        for rec in recs:
            item = self.catalog.items.get(rec.item_id)
            if item is None:
                continue  # never name an item that is not in the catalog
            explanation = self.explainer.explain(item, user, profile, self.model.ds, rec, wish, self.catalog.items, filters)
            out.append(ExplainedItem(item, rec.score, explanation))
        return out
