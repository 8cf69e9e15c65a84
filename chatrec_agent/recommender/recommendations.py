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
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chatrec_agent.catalog import Catalog, Item, phrase_words
from chatrec_agent.catalog.filters import SearchFilter
from chatrec_agent.recommender import Dataset, Recommender, UserState, make_model
from chatrec_agent.recommender.explain import Explainer, Explanation
from chatrec_agent.recommender.hybrid import HybridRecommender
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
        query_vector = self.embedder.encode([wish])[0] if wish and self.embedder is not None else None
        prefer = self.tagged(wish) if wish else set()
        recs = self.model.recommend(user, k, filters, exclude, like_items, query_vector, include_seen, prefer)
        return self._explained(user, recs, wish)

    def tagged(self, wish: str) -> set[str]:
        """Items carrying a tag the wish names word for word (“a feel-good movie”, “a heist”):
        the catalog's own words beat embedding similarity, which is weak on moods and themes."""
        words = f" {phrase_words(wish)} "
        return {i for tag, ids in self.catalog.tag_index.items() if f" {tag} " in words for i in ids}

    def similar_items(self, item_ids: Sequence[str], k: int = 5, filters: SearchFilter | None = None,
                      user_id: str | None = None) -> list[ExplainedItem]:
        user = self.user_state(user_id) if user_id else UserState("anonymous")
        recs = self.model.similar_items(item_ids, k, filters)
        if user_id:
            seen = set(user.preferences)
            recs = [r for r in recs if r.item_id not in seen]
        return self._explained(user, recs, None)

    def explain(self, user_id: str, item_id: str, wish: str | None = None) -> Explanation:
        """Why `item_id` suits the user (also for items that were not recommended)."""
        user = self.user_state(user_id)
        query_vector = self.embedder.encode([wish])[0] if wish and self.embedder is not None else None
        explained = self._explained(user, self.model.score_items(user, [item_id], query_vector), wish)
        if not explained:
            return Explanation(item_id, "That item is not in the catalog.", ())
        return explained[0].explanation

    def _explained(self, user: UserState, recs, wish: str | None) -> list[ExplainedItem]:
        profile = self.history.taste_profile(user.user_id, self.catalog.items)
        out = []
        for rec in recs:
            item = self.catalog.items.get(rec.item_id)
            if item is None:
                continue  # never name an item that is not in the catalog
            explanation = self.explainer.explain(item, user, profile, self.model.ds, rec, wish, self.catalog.items)
            out.append(ExplainedItem(item, rec.score, explanation))
        return out
