"""Explained recommendations for catalog users: the recommender, history and explanations
wired together. This is what the agent's tools call.

The fitted models (recommender and rating model) are saved as numpy arrays + JSON
(model_files.py, never pickle) in a ModelStore: storage.dir/models, or on postgres the
database every replica loads them from. They are refitted only when the catalog's items or
interactions changed, one fit at a time (replicas starting together wait, then load what the
first one fitted); a user's own feedback needs no refit, because their current history is
folded in at every call.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from chatrec_agent.catalog import Catalog, Item, genre_key, phrase_words
from chatrec_agent.catalog.attributes import TAGS, AttributeCondition
from chatrec_agent.catalog.filters import SearchFilter
from chatrec_agent.heap import release_freed_memory
from chatrec_agent.recommender import Dataset, Recommender, UserState, make_model, model_choice, restore_model
from chatrec_agent.recommender.explain import Explainer, Explanation, Favourites
from chatrec_agent.recommender.hybrid import HybridRecommender
from chatrec_agent.recommender.model_files import StoredArrays, prefixed, read_model, write_model
from chatrec_agent.recommender.rating import FitStopped
from chatrec_agent.recommender.rating_model import RatingModel
from chatrec_agent.search.lexical import LexicalIndex
from chatrec_agent.settings import Settings
from chatrec_agent.store.history import HistoryStore
from chatrec_agent.store.model_store import DirectoryModelStore, ModelStore

log = logging.getLogger(__name__)

RATING_MODEL = "rating"  # its name in the model store

# Fewer star ratings than this teach the rating model nothing: no predicted stars then.
MIN_RATINGS_FOR_STARS = 20

# How long closing waits for a background fit to reach its next step and stop (one epoch or
# candidate: well under a second on ML-100K, seconds on a busy machine).
STOP_WAIT_S = 30.0


@dataclass(frozen=True)
class ExplainedItem:
    item: Item
    score: float
    explanation: Explanation

    def as_dict(self) -> dict:
        card = {
            "id": self.item.id, "title": self.item.title, "year": self.item.year, "genres": list(self.item.genres),
            "score": round(self.score, 4), "explanation": self.explanation.text,
            "evidence": [e.as_dict() for e in self.explanation.evidence],
        }
        if self.item.image_url:
            card["image_url"] = self.item.image_url
        return card


class Recommendations:
    def __init__(self, settings: Settings, catalog: Catalog, history: HistoryStore, index=None, embedder=None,
                 models: ModelStore | None = None):
        self.settings = settings
        self.models = models if models is not None else DirectoryModelStore(settings.storage.dir / "models")
        self.catalog = catalog
        self.history = history
        self.index = index
        self.embedder = embedder if embedder is not None else getattr(index, "embedder", None)
        self.explainer = Explainer(settings.recommender.template_dir)
        self._model: Recommender | None = None
        self._fingerprint: str | None = None  # of the data the loaded model was fitted on
        self._rating_model: RatingModel | None = None
        self._rating_fingerprint: str | None = None
        self._rating_lock = threading.Lock()
        self._stop_fitting = threading.Event()
        self._warming: threading.Thread | None = None
        self._lexical: tuple[Dataset, LexicalIndex] | None = None  # over the model's items
        self._genre_keys: tuple[Catalog, frozenset[str]] | None = None  # of the catalog it was built for

    # --- the fitted model ---------------------------------------------------------------

    @property
    def model_name(self) -> str:
        """The name the fitted recommender is saved under in the model store."""
        return self.settings.recommender.model

    def fingerprint(self) -> str:
        digest = hashlib.blake2b(digest_size=16)
        digest.update(self.settings.recommender.model_dump_json(exclude={"template_dir"}).encode())
        for item_id in self.catalog.items:
            digest.update(item_id.encode() + b"\n")
        digest.update(self.history.fingerprint(self.catalog.interactions).encode())
        return digest.hexdigest()

    def refresh(self, force: bool = False, previous: Recommendations | None = None) -> bool:
        """Import the catalog's interactions and refit if anything changed; True if refitted.
        `previous`: the recommender this one replaces (a reindex), whose model is taken over
        when it was fitted on the same data."""
        self.history.import_interactions(self.catalog)
        fingerprint = self.fingerprint()
        if not force and self._model is None and \
                (saved := self._from_previous(previous, fingerprint) or self._load(fingerprint)) is not None:
            self._model, self._fingerprint = saved, fingerprint
            return False
        if not force and self._model is not None and self._fingerprint == fingerprint:
            return False
        with self.models.fitting(self.model_name):
            # Whoever fitted while this waited (another replica, another thread) saved it.
            if not force and (saved := self._load(fingerprint)) is not None:
                self._model, self._fingerprint = saved, fingerprint
                return False
            dataset = Dataset(self.history.iter_interactions(), list(self.catalog.items.values()))
            params = {"l2": self.settings.recommender.ease_l2} if self.settings.recommender.model in ("ease", "hybrid") else {}
            chosen, why = model_choice(self.settings.recommender.model, dataset.n_items)
            log.info("fitting the %s recommender: %s", chosen, why)
            model = make_model(self.settings.recommender.model, n_items=dataset.n_items, **params)
            self._attach(model, dataset)
            model.fit(dataset)
            self._save(model, fingerprint)
        self._model, self._fingerprint = model, fingerprint
        return True

    def _save(self, model: Recommender, fingerprint: str) -> None:
        data, data_arrays = model.ds.state()
        settings, arrays = model.state()
        write_model(self.models, self.model_name, fingerprint, {"dataset": data, "model": settings},
                    {**prefixed("dataset.", data_arrays), **prefixed("model.", arrays)})
        # Older versions pickled the model beside it; such a file is never read (unpickling
        # runs code), and is removed so that nobody takes it for the live model.
        (self.settings.storage.dir / "models" / f"{self.model_name}.pkl").unlink(missing_ok=True)

    def _from_previous(self, previous: Recommendations | None, fingerprint: str) -> Recommender | None:
        """The previous recommender's model when it was fitted on the same data (a reindex that
        changed only items' text), rebuilt from its arrays in memory, not read from disk: over
        this catalog's items (their new genres and tags) and with their new vectors. Its big
        arrays (EASE's B) are shared, not copied, while both serve."""
        if previous is None or previous._model is None or previous._fingerprint != fingerprint:
            return None
        model = previous._model
        (data, data_arrays), (settings, arrays) = model.ds.state(), model.state()
        dataset = Dataset.from_state(data, StoredArrays(data_arrays, "the previous model"), list(self.catalog.items.values()))
        return self._attach(restore_model(self.model_name, settings, StoredArrays(arrays, "the previous model"), dataset))

    def _load(self, fingerprint: str) -> Recommender | None:
        """The saved model fitted on data with this fingerprint, or None: none saved, fitted
        on other data, or the files are damaged (then with a warning; they are refitted)."""
        try:
            saved = read_model(self.models, self.model_name, fingerprint)
            if saved is None:
                return None
            settings, arrays = saved
            dataset = Dataset.from_state(settings["dataset"], arrays.within("dataset."),
                                         list(self.catalog.items.values()))
            model = restore_model(self.settings.recommender.model, settings["model"], arrays.within("model."), dataset)
        except Exception as exc:  # the files are data from disk: whatever is wrong with them, refit
            log.warning("could not load the model saved at %s (%s); refitting", self.models.where(self.model_name), exc)
            return None
        return self._attach(model)

    def _attach(self, model: Recommender, dataset: Dataset | None = None) -> Recommender:
        if isinstance(model, HybridRecommender):
            ids = (dataset or model.ds).item_ids
            model.set_vectors(self.item_vectors(ids))
        return model

    def item_vectors(self, ids: list[str]) -> np.ndarray:
        """The items' embeddings (from the index when there is one), a row each."""
        if self.index is not None:
            return self.index.vectors(ids)
        if self.embedder is None:
            raise RuntimeError("the hybrid recommender needs the index or an embedder")
        return self.embedder.encode([self.catalog[i].document() for i in ids])

    @property
    def fitted(self) -> bool:
        """Whether a fitted model is loaded (answering needs no fit first)."""
        return self._model is not None

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
        asked: SearchFilter | None = None,
    ) -> list[ExplainedItem]:
        """`asked`: the request as the person made it, where `filters` widens its era (see
        recommend_nearest): an explanation claims only the era they asked for."""
        user = self.user_state(user_id)
        filters = filters or SearchFilter()
        query_vector = self.embedder.encode([wish])[0] if wish and self.embedder is not None else None
        prefer: set[str] = set()
        if filters.any_genres:
            # "action or comedy": films that are both where there are enough, else either.
            both = replace(filters, genres=(*filters.genres, *filters.any_genres), any_genres=())
            if self.model.available(user, both, exclude, like_items, include_seen) >= k:
                filters = both
            else:  # "westerns for him, comedies for me": films of two of them first
                pairs = [replace(filters, genres=(*filters.genres, a, b), any_genres=())
                         for n, a in enumerate(filters.any_genres) for b in filters.any_genres[n + 1:]]
                mask = np.logical_or.reduce([self.model.allowed(pair, exclude) for pair in pairs])
                prefer = {self.model.ds.item_ids[n] for n in np.flatnonzero(mask)}
        tags = self.tags_named(wish) if wish else []
        if tags:
            # A tag the wish names is a constraint when enough unseen items carry it, else a preference.
            constrained = replace(filters, attributes=filters.attributes + (AttributeCondition(TAGS, tuple(tags)),))
            if self.model.available(user, constrained, exclude, like_items, include_seen) >= k:
                filters = constrained
            else:
                prefer |= {i for tag in tags for i in self.catalog.tag_index.get(tag, ())}
        lexical = self.lexical_index().scores(wish) if wish else None
        recs = self.model.recommend(user, k, filters, exclude, like_items, query_vector, include_seen, prefer, lexical)
        if asked is not None:
            filters = replace(filters, year_from=asked.year_from, year_to=asked.year_to)
        return self._explained(user, recs, wish, filters)

    def recommend_nearest(
        self, user_id: str, k: int = 5, filters: SearchFilter | None = None, exclude: Iterable[str] = (),
        like_items: Sequence[str] | None = None, wish: str | None = None,
    ) -> tuple[list[ExplainedItem], SearchFilter | None]:
        """`recommend`, and when nothing new matches, the picks of the nearest request that has
        some (SearchFilter.loosened) with that filter; (picks, None) when none was loosened."""
        filters = filters or SearchFilter()
        results = self.recommend(user_id, k, filters, exclude, like_items, wish)
        if results:
            return results, None
        user = self.user_state(user_id)
        for wider in filters.loosened():
            # Counted on the facet table first: a full recommend only where there is something.
            if self.model.available(user, wider, exclude, like_items) and (results := self.recommend(
                    user_id, k, wider, exclude, like_items, wish, asked=filters)):
                return results, wider
        return [], None

    def lexical_index(self) -> LexicalIndex:
        """BM25 over the catalog's tags in the model's item order, built once per fitted model."""
        ds = self.model.ds
        cached = self._lexical
        if cached is None or cached[0] is not ds:
            cached = self._lexical = (ds, LexicalIndex(ds.item_ids, [item.tags for item in ds.items]))
        return cached[1]

    def tags_named(self, wish: str) -> list[str]:
        """Catalog tags the wish names word for word (“a feel-good movie”, “a heist”): the
        catalog's own words beat embedding similarity, which is weak on moods and themes."""
        words = f" {phrase_words(wish)} "
        # A tag that restates a catalog genre ("comedy") would narrow "a comedy" to the films
        # someone happened to tag so: the genre is the request's filter already.
        cached = self._genre_keys
        if cached is None or cached[0] is not self.catalog:  # catalog.genres reads every item: once per catalog
            cached = self._genre_keys = (self.catalog, frozenset(genre_key(g) for g in self.catalog.genres))
        return [tag for tag in self.catalog.tag_index if f" {tag} " in words and genre_key(tag) not in cached[1]]

    def similar_items(self, item_ids: Sequence[str], k: int = 5, filters: SearchFilter | None = None,
                      user_id: str | None = None) -> list[ExplainedItem]:
        """The items' neighbourhood; for a person, re-ranked by their taste and without what
        they have rated (the same path as `recommend(like_items=…)`)."""
        if user_id:
            return self.recommend(user_id, k, filters, like_items=item_ids)
        user = UserState("anonymous")
        return self._explained(user, self.model.similar_items(item_ids, k, filters), None, filters)

    def predicted_stars(self, user_id: str, item_id: str, wait: bool = True) -> float | None:
        """The rating model's guess of the person's stars for an item, their own ratings folded
        in (so chat ratings count at once), or None when the catalog has no star ratings.
        `wait=False` (a chat turn): None too while the model is still being fitted."""
        model = self.rating_model if wait else self.ready_rating_model()
        n = self.model.ds.item_index.get(item_id)
        if model is None or n is None:
            return None
        user = self.user_state(user_id)
        rated = {self.model.ds.item_index[i]: r for i, r in user.ratings.items() if i in self.model.ds.item_index}
        return round(float(model.predict_for_history(rated, np.array([n]))[0]), 2)

    @property
    def rating_model(self) -> RatingModel | None:
        """Fitted once per data fingerprint (settings chosen by validation), saved as arrays +
        JSON beside the recommender and loaded from there after a restart."""
        self.model  # noqa: B018 - refreshed first: the fingerprint names the data
        with self._rating_lock:
            if self._rating_model is None or self._rating_fingerprint != self._fingerprint:
                self._rating_model = self._load_or_fit_rating()
                self._rating_fingerprint = self._fingerprint
            return self._rating_model

    def ready_rating_model(self) -> RatingModel | None:
        """The rating model if it is ready for the current data, without waiting: no chat turn
        waits for a fit (the first question after a start could wait most of a minute). If
        none is being fitted, a background fit starts."""
        self.model  # noqa: B018 - refreshed first: the fingerprint names the data
        if self._rating_model is not None and self._rating_fingerprint == self._fingerprint:
            return self._rating_model
        if (self._warming is None or not self._warming.is_alive()) and not self._stop_fitting.is_set():
            self.warm_rating_model()
        return None

    def take_rating_model_from(self, previous: Recommendations) -> bool:
        """After a reindex that changed no item or interaction (only text): the previous
        rating model is this one's too, ready now, or fitted in the background and loaded
        once the previous fit saves it. No reindex waits for a fit of the same data. A fit
        for data now gone is stopped. True when this one needs no fit of its own."""
        if previous._fingerprint != self._fingerprint or self._fingerprint is None:
            previous.stop_fitting(timeout_s=0)
            return False
        if previous._rating_model is not None and previous._rating_fingerprint == self._fingerprint:
            with self._rating_lock:
                self._rating_model, self._rating_fingerprint = previous._rating_model, self._fingerprint
            return True
        self.warm_rating_model()  # waits for the previous fit's lock, then loads what it saved
        return True

    @property
    def rating_model_pending(self) -> bool:
        """A rating model is being fitted for these data and is not ready yet."""
        return self._warming is not None and self._warming.is_alive()

    def wait_for_rating_model(self, timeout_s: float | None = None) -> bool:
        """Wait up to `timeout_s` (None: as long as it takes) for a background rating-model fit
        to end; for benchmarks and tools that measure the bot at rest. True when none is left."""
        if self._warming is not None:
            self._warming.join(timeout_s)
        return not self.rating_model_pending

    def warm_rating_model(self) -> threading.Thread:
        """Fit or load the rating model in the background, so the first "would I like …?"
        rarely waits (a question asked meanwhile waits for it). `stop_fitting` ends it."""
        self._warming = threading.Thread(target=self._warm, name="rating-model", daemon=True)
        self._warming.start()
        return self._warming

    def _warm(self) -> None:
        try:
            self.rating_model  # noqa: B018 - fitted or loaded, and kept
        except FitStopped:
            log.info("stopped fitting the rating model: closing; it is fitted again at the next start")

    def stop_fitting(self, timeout_s: float = STOP_WAIT_S) -> bool:
        """Ask a rating-model fit in progress to stop at its next epoch or candidate (nothing
        is saved), and wait up to `timeout_s` for the background one to end. Call it before
        the process exits: a thread still inside torch when the interpreter shuts down aborts
        the process. True when no background fit is left running."""
        self._stop_fitting.set()
        if self._warming is None:
            return True
        self._warming.join(timeout_s)
        if self._warming.is_alive():
            log.warning("the rating model's background fit did not stop within %g s", timeout_s)
            return False
        return True

    def _load_or_fit_rating(self) -> RatingModel | None:
        ds = self.model.ds
        if len(ds.ratings) < MIN_RATINGS_FOR_STARS:
            return None
        fingerprint = self._fingerprint or ""
        with self.models.fitting(RATING_MODEL):
            try:
                saved = read_model(self.models, RATING_MODEL, fingerprint)
                if saved is not None:
                    meta, arrays = saved
                    return RatingModel.from_state(meta, arrays.unchecked(), self.models.where(RATING_MODEL))
            except Exception as exc:  # unreadable (damaged, missing key, bad shape): refit, not fatal
                log.warning("could not load the rating model saved at %s (%s); refitting", self.models.where(RATING_MODEL), exc)
            model = RatingModel.fit(ds.ratings, ds.n_users, ds.n_items, stop=self._stop_fitting)
            write_model(self.models, RATING_MODEL, fingerprint, *model.state())
        release_freed_memory()
        return model

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
        favourites = Favourites.of(self.model.ds, user)  # once for all the picks
        out = []
        for rec in recs:
            item = self.catalog.items.get(rec.item_id)
            if item is None:
                continue  # never name an item that is not in the catalog
            explanation = self.explainer.explain(item, user, profile, self.model.ds, rec, wish, self.catalog.items, filters,
                                                 favourites)
            out.append(ExplainedItem(item, rec.score, explanation))
        return out
