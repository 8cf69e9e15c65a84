"""The recommender API shared by every model, in the spirit of `implicit`.

`fit(dataset)` learns from interactions; `recommend(user, k, filters, exclude, like_items,
query_vector)`, `similar_items(items, k, filters)` and `score(user, items)` answer at query
time. A user is passed as their *current* history (UserState), folded in when asked, so
feedback counts at the next call without refitting. Filters and exclusions are applied to
the whole score vector before the top-k cut, so asking for 5 Westerns gives 5 Westerns.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np
from scipy import sparse

from chatrec_agent.catalog import Interaction, Item, genre_key
from chatrec_agent.catalog.filters import FacetTable, SearchFilter, item_metadata
from chatrec_agent.recommender.model_files import StoredArrays
from chatrec_agent.store.history import HistoryEntry


def preference_of(rating: float | None) -> float:
    """-1..1 from 1-5 stars; an interaction without a rating is a mild positive."""
    if rating is None:
        return 0.5
    return max(-1.0, min(1.0, (rating - 3.0) / 2.0))


def preferences_of(stars: np.ndarray) -> np.ndarray:
    """`preference_of` for an array of stars (NaN: no rating), as float32."""
    stars = stars.astype(np.float64)
    return np.where(np.isnan(stars), 0.5, np.clip((stars - 3.0) / 2.0, -1.0, 1.0)).astype(np.float32)


@dataclass
class UserState:
    """What a recommender sees of one user: their items with a preference in -1..1."""

    user_id: str
    preferences: dict[str, float] = field(default_factory=dict)
    ratings: dict[str, float] = field(default_factory=dict)  # stars, where known
    # Items the user explicitly disliked (👎, "hated it"): these push their neighbours down.
    disliked: set[str] = field(default_factory=set)

    @classmethod
    def from_history(cls, user_id: str, entries: Iterable[HistoryEntry]) -> UserState:
        state = cls(user_id)
        for entry in entries:
            state.preferences[entry.item_id] = entry.preference
            if entry.rating is not None:
                state.ratings[entry.item_id] = entry.rating
            if entry.signal == "disliked" or (entry.signal == "rated" and entry.source != "catalog" and entry.preference < 0):
                state.disliked.add(entry.item_id)
        return state

    @classmethod
    def from_interactions(cls, user_id: str, interactions: Iterable[Interaction]) -> UserState:
        state = cls(user_id)
        for i in interactions:
            state.preferences[i.item_id] = preference_of(i.rating)
            if i.rating is not None:
                state.ratings[i.item_id] = i.rating
        return state

    @property
    def liked(self) -> list[str]:
        return [item for item, pref in self.preferences.items() if pref > 0]


@dataclass(frozen=True)
class Contribution:
    """One of the user's items and how much it pulled a recommendation in."""

    item_id: str
    weight: float


@dataclass
class Recommendation:
    item_id: str
    score: float
    # Model-specific evidence, filled by recommend(): which of the user's items pulled it in.
    contributions: list[Contribution] = field(default_factory=list)
    # Similarity to the text wish / the liked items (content), when computed.
    wish_similarity: float | None = None
    content_similarity: float | None = None
    # For "like X": (seed id, similarity to that seed scaled to the seed's best neighbour).
    like: list[tuple[str, float]] = field(default_factory=list)


class Dataset:
    """Interactions as a users x items matrix over a fixed item universe (the catalog)."""

    def __init__(self, interactions: Iterable[Interaction], items: Sequence[Item]):
        """One pass over `interactions` (a store's cursor will do): only arrays are kept, never
        the million objects."""
        item_index = {item.id: n for n, item in enumerate(items)}
        first_seen: dict[str, int] = {}
        users, cols, stars = array("i"), array("i"), array("f")
        for i in interactions:
            n = item_index.get(i.item_id)
            if n is not None:
                users.append(first_seen.setdefault(i.user_id, len(first_seen)))
                cols.append(n)
                stars.append(np.nan if i.rating is None else i.rating)
        user_ids = sorted(first_seen)
        rank = {user_id: n for n, user_id in enumerate(user_ids)}
        to_sorted = np.array([rank[user_id] for user_id in first_seen], dtype=np.int32)  # first-seen code -> sorted
        rows = to_sorted[np.frombuffer(users, dtype=np.int32)] if len(users) else np.zeros(0, dtype=np.int32)
        stars_array = np.frombuffer(stars, dtype=np.float32).copy()
        prefs = preferences_of(stars_array)
        self._build(items, user_ids, rows, np.frombuffer(cols, dtype=np.int32).copy(), prefs, stars_array)

    def _build(self, items: Sequence[Item], user_ids: list[str], rows: np.ndarray, cols: np.ndarray,
               prefs: np.ndarray, stars: np.ndarray, facets: FacetTable | None = None) -> None:
        """Everything else follows from the interactions as (user, item, preference, stars);
        `facets`: the same items' table, when another dataset over them has it."""
        self.items = list(items)
        self.item_ids = [item.id for item in self.items]
        self.item_index = {item_id: n for n, item_id in enumerate(self.item_ids)}
        self.user_ids = user_ids
        self.user_index = {user_id: n for n, user_id in enumerate(user_ids)}
        self._interactions = (rows, cols, prefs, stars)
        shape = (len(self.user_ids), len(self.item_ids))
        # Binary "interacted" matrix: co-occurrence structure for the CF models.
        self.matrix = sparse.csr_matrix((np.ones_like(prefs), (rows, cols)), shape=shape)
        self.matrix.sum_duplicates()
        self.matrix.data[:] = 1.0
        self.preferences = sparse.csr_matrix((prefs, (rows, cols)), shape=shape)
        # Column access for explanations ("people who liked X also liked it").
        self.liked_by_item = (self.preferences > 0).astype(np.int8).tocsc()
        # (user, item, stars) rows where stars are known, for the rating model: an array, not a
        # million tuples (~130 MB at 1M ratings).
        rated = ~np.isnan(stars)
        self.ratings = np.column_stack([rows[rated], cols[rated], stars[rated]]).astype(np.float64)
        self.facets = facets if facets is not None else FacetTable.from_metadata((item.id, item_metadata(item, hashed=False)) for item in self.items)
        self.item_popularity = np.asarray(self.matrix.sum(axis=0)).ravel()

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """The ids (JSON) and interactions (arrays) the dataset is rebuilt from when a saved
        model is loaded. They are saved rather than re-read because chat feedback, folded into
        the fit, does not change the data fingerprint."""
        rows, cols, prefs, stars = self._interactions
        return ({"item_ids": self.item_ids, "user_ids": self.user_ids},
                {"rows": rows, "cols": cols, "preferences": prefs, "stars": stars})

    @classmethod
    def from_state(cls, settings: Mapping[str, Any], arrays: StoredArrays, items: Sequence[Item]) -> Dataset:
        """The dataset a model was fitted on, over the catalog's `items` (which must be the
        saved ones, in order); ValueError when the saved state does not fit them."""
        if settings["item_ids"] != [item.id for item in items]:
            raise ValueError("the saved dataset is over other items than the catalog's")
        user_ids = settings["user_ids"]
        if not isinstance(user_ids, list) or not all(isinstance(u, str) for u in user_ids) \
                or len(set(user_ids)) != len(user_ids):
            raise ValueError("the saved user ids are not distinct strings")
        rows = arrays.array("rows", (None,), np.int32, below=len(user_ids))
        n = len(rows)
        cols = arrays.array("cols", (n,), np.int32, below=len(items))
        prefs, stars = arrays.array("preferences", (n,)), arrays.array("stars", (n,))
        dataset = cls.__new__(cls)  # not __init__: the interactions are already indexed
        dataset._build(items, user_ids, rows, cols, prefs, stars)
        return dataset

    def subset(self, keep: np.ndarray) -> Dataset:
        """The same users and items with only the interactions where `keep` holds (in the
        order of `state()`'s arrays): a split for validation."""
        rows, cols, prefs, stars = self._interactions
        dataset = Dataset.__new__(Dataset)
        dataset._build(self.items, self.user_ids, rows[keep], cols[keep], prefs[keep], stars[keep], self.facets)
        return dataset

    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    def user_vector(self, user: UserState, like_items: Sequence[str] | None = None) -> np.ndarray:
        """Dense fold-in vector: liked items count fully, lukewarm ones less, disliked ones negatively."""
        x = np.zeros(self.n_items, dtype=np.float32)
        for item_id, pref in user.preferences.items():
            n = self.item_index.get(item_id)
            if n is not None:
                x[n] = -1.0 if item_id in user.disliked else fold_in_weight(pref)
        seeds = [n for i in like_items or () if (n := self.item_index.get(i)) is not None]
        if seeds:
            x[seeds] = 1.0  # a seed counts as liked (for models scored on the whole fold-in)
        return x

    def user_row(self, user: UserState) -> sparse.csr_matrix:
        """Binary row of the items the user interacted with (for models fitted on `matrix`)."""
        cols = [self.item_index[i] for i, p in user.preferences.items() if i in self.item_index and p >= 0]
        data = np.ones(len(cols), dtype=np.float32)
        return sparse.csr_matrix((data, ([0] * len(cols), cols)), shape=(1, self.n_items))


# A filter that leaves fewer than this share of the items has only those scored in full.
SCORE_ROWS_BELOW = 0.5
# "Like X": candidates are the seeds' nearest items (at least this many, at least 2k), and the
# person's own score only re-ranks within them, at this weight against the seed similarity.
LIKE_POOL = 10
LIKE_PERSONAL_WEIGHT = 0.5


def fold_in_weight(preference: float) -> float:
    """How a history item enters a CF fold-in: like the binary matrix the models are fitted
    on. Even a low rating says what someone chooses to watch (treating low ratings as
    negative cost ~14% precision@5 on MovieLens-100K), so only explicit dislikes
    (UserState.disliked) are negative."""
    return 1.0


class Recommender:
    """Base class: subclasses implement `_fit`, `_scores` and (for evidence) `_contributions`."""

    name: ClassVar[str] = "base"
    uses_content: ClassVar[bool] = False
    # What a wish's full lexical match (its words as the item's tags) adds to a score; models
    # that do not score wishes leave it at 0.
    lexical_weight: ClassVar[float] = 0.0

    def __init__(self) -> None:
        self.dataset: Dataset | None = None

    # --- what subclasses provide ------------------------------------------------------

    def _fit(self, dataset: Dataset) -> None:
        raise NotImplementedError

    def _scores(self, x: np.ndarray, user: UserState, query_vector: np.ndarray | None,
                rows: np.ndarray | None = None) -> np.ndarray:
        """A score per item. With `rows`, only those items' scores are needed (a filtered
        request's candidates); a model may leave the others at any value."""
        raise NotImplementedError

    def _contributions(self, x: np.ndarray, item: int) -> list[tuple[int, float]]:
        """(history item, weight) that pulled `item` in; empty when the model cannot say."""
        return []

    def _kind_similarities(self, seeds: list[int]) -> np.ndarray:
        """How near every item is to the seeds in kind, for a request in a genre the seeds lack
        ("like Die Hard but a comedy"): a model with content overrides this; by default the
        same as `_item_similarities`."""
        return self._item_similarities(seeds)

    def _item_similarities(self, seeds: list[int]) -> np.ndarray:
        """Similarity of every item to the seed items (default: the fold-in of the seeds)."""
        x = np.zeros(self.ds.n_items, dtype=np.float32)
        x[seeds] = 1.0
        return self._scores(x, UserState("seed"), None)

    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """The fitted model's settings (JSON) and arrays: exactly what answering needs."""
        raise NotImplementedError

    @classmethod
    def _from_state(cls, settings: Mapping[str, Any], arrays: StoredArrays, dataset: Dataset) -> Recommender:
        """A model holding what `_state` saved; ValueError when an array does not fit `dataset`."""
        raise NotImplementedError

    # --- saving and loading (see model_files) -------------------------------------------

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """The fitted model as JSON settings and numpy arrays, nothing pickled. Its dataset
        is saved beside it (`Dataset.state`); a hybrid's content vectors are not (they are
        in the index and are re-attached after loading)."""
        settings, arrays = self._state()
        return {"kind": self.name, **settings}, arrays

    @classmethod
    def from_state(cls, settings: Mapping[str, Any], arrays: StoredArrays, dataset: Dataset) -> Recommender:
        """The fitted model back from `state()`, answering as it did when it was saved."""
        if settings.get("kind") != cls.name:
            raise ValueError(f"a saved {settings.get('kind')!r} model is not a {cls.name!r} model")
        model = cls._from_state(settings, arrays, dataset)
        model.dataset = dataset
        return model

    # --- the public API ---------------------------------------------------------------

    @property
    def ds(self) -> Dataset:
        if self.dataset is None:
            raise RuntimeError(f"{self.name} recommender used before fit()")
        return self.dataset

    def fit(self, dataset: Dataset) -> Recommender:
        self.dataset = dataset
        self._fit(dataset)
        return self

    def allowed(self, filters: SearchFilter | None, exclude: Iterable[str] = ()) -> np.ndarray:
        flt = filters or SearchFilter()
        excluded = frozenset(exclude) | flt.exclude_ids
        return self.ds.facets.mask(replace(flt, exclude_ids=excluded))

    def available(self, user: UserState, filters: SearchFilter | None, exclude: Iterable[str] = (),
                  like_items: Sequence[str] | None = None, include_seen: bool = False) -> int:
        """How many items `recommend` could choose from under these constraints."""
        allowed = self.allowed(filters, [*exclude, *(like_items or ())])
        if not include_seen:
            for item_id in user.preferences:
                if (n := self.ds.item_index.get(item_id)) is not None:
                    allowed[n] = False
        return int(allowed.sum())

    def scores(self, user: UserState, query_vector: np.ndarray | None = None) -> np.ndarray:
        """The score of every dataset item for this user, unfiltered and without evidence
        (for callers that rank many people's scores together, as group picks do)."""
        return np.asarray(self._scores(self.ds.user_vector(user), user, query_vector), dtype=np.float64)

    def score(self, user: UserState, items: Sequence[str]) -> dict[str, float]:
        """The model's score of each given item for this user (unknown items are left out)."""
        return {r.item_id: r.score for r in self.score_items(user, items)}

    def score_items(self, user: UserState, items: Sequence[str], query_vector: np.ndarray | None = None) -> list[Recommendation]:
        """Given items with their scores and evidence, in the given order (for "why this one?")."""
        x = self.ds.user_vector(user)
        scores = self._scores(x, user, query_vector)
        recs = [
            Recommendation(i, float(scores[n]), self._contributions_of(x, n))
            for i in items if (n := self.ds.item_index.get(i)) is not None
        ]
        return self._decorate(recs, x, query_vector)

    def _contributions_of(self, x: np.ndarray, n: int) -> list[Contribution]:
        return [Contribution(self.ds.item_ids[j], float(w)) for j, w in self._contributions(x, n) if w > 0]

    def _decorate(self, recs: list[Recommendation], x: np.ndarray, query_vector: np.ndarray | None) -> list[Recommendation]:
        """Hook for models that can add more evidence (content similarity) to results."""
        return recs

    def recommend(
        self,
        user: UserState,
        k: int = 10,
        filters: SearchFilter | None = None,
        exclude: Iterable[str] = (),
        like_items: Sequence[str] | None = None,
        query_vector: np.ndarray | None = None,
        include_seen: bool = False,
        prefer: Iterable[str] = (),
        lexical: np.ndarray | None = None,
    ) -> list[Recommendation]:
        """Top-k items for the user; already-seen items are never returned unless asked.

        With `like_items`, the candidates are the seeds' neighbourhood (see `like_scores`) and
        the person's history only re-ranks within it. `prefer`red items (e.g. tagged with what
        was asked for) rank first, in the model's order. `lexical` (a score per item: how well
        its tags match the wish's words) lifts items by `lexical_weight` x their match over the
        best allowed one's."""
        ds = self.ds
        x = ds.user_vector(user)
        allowed = self.allowed(filters, exclude)
        if not include_seen:
            for item_id in user.preferences:
                n = ds.item_index.get(item_id)
                if n is not None:
                    allowed[n] = False
        seeds = [n for i in like_items or () if (n := ds.item_index.get(i)) is not None]
        allowed[seeds] = False  # "like X" never answers X itself
        # A selective filter's candidates are all that is scored by what costs per item (content).
        rows = np.flatnonzero(allowed) if not seeds and allowed.sum() < SCORE_ROWS_BELOW * len(allowed) else None
        personal = np.asarray(self._scores(x, user, query_vector, rows), dtype=np.float64)
        if lexical is not None and self.lexical_weight:
            personal = personal + self.lexical_weight * _scaled_to_best(lexical, allowed)
        # "like Die Hard but a comedy": within a genre the seeds lack, who liked them also liked
        # mostly what is popular there (Back to the Future, Fargo); their kind is the content's
        # to say (Midnight Run, Lethal Weapon). like_bench, ml-latest-small, the 100 most rated
        # seeds in a genre they lack: picks still of their kind 0.906 -> 1.0 (CF alone 0.576).
        other_kind = bool(seeds and filters and any(g not in {genre_key(x) for x in ds.items[s].genres}
                                                    for s in seeds for g in map(genre_key, filters.genres)))
        per_seed = {ds.item_ids[s]: self._seed_similarities(s, other_kind) for s in seeds}
        if seeds:
            scores = self._within_neighbourhood(np.mean(list(per_seed.values()), axis=0), personal, allowed, k)
        else:
            scores = personal
        preferred = [n for i in prefer if (n := ds.item_index.get(i)) is not None]
        if preferred:
            finite = scores[np.isfinite(scores)]
            lift = float(finite.max() - finite.min()) + 1.0 if len(finite) else 1.0
            scores = scores.copy()
            scores[preferred] += lift
        recs = self._decorate(self._top(scores, allowed, k, x), x, query_vector)
        if seeds:
            for rec in recs:
                n = ds.item_index[rec.item_id]
                rec.like = [(seed, float(sims[n])) for seed, sims in per_seed.items()]
        return recs

    def _seed_similarities(self, seed: int, other_kind: bool = False) -> np.ndarray:
        """How close every item is to one seed, scaled to the seed's best neighbour; several
        seeds are averaged, so "a mix of A and B" favours items near both. `other_kind`: in kind
        only (a request in a genre the seed lacks)."""
        near = self._kind_similarities if other_kind else self._item_similarities
        sims = np.asarray(near([seed]), dtype=np.float64).copy()
        sims[seed] = -np.inf
        finite = sims[np.isfinite(sims)]
        top = float(finite.max()) if len(finite) else 0.0
        sims[seed] = 1.0
        return sims / top if top > 0 else sims

    def _within_neighbourhood(self, seed_sims: np.ndarray, personal: np.ndarray, allowed: np.ndarray, k: int) -> np.ndarray:
        """Scores that keep only the seeds' nearest allowed items, ordered by a blend of
        nearness and the person's own score (both scaled within the pool)."""
        pool_size = max(LIKE_POOL, 2 * k)
        candidates = np.flatnonzero(allowed & np.isfinite(seed_sims))
        out = np.full(len(seed_sims), -np.inf)
        if len(candidates) == 0:
            return out
        take = min(pool_size, len(candidates))
        pool = candidates[np.argpartition(-seed_sims[candidates], take - 1)[:take]]
        out[pool] = (1 - LIKE_PERSONAL_WEIGHT) * _minmax(seed_sims[pool]) + LIKE_PERSONAL_WEIGHT * _minmax(personal[pool])
        return out

    def similar_items(self, items: Sequence[str], k: int = 10, filters: SearchFilter | None = None) -> list[Recommendation]:
        seeds = [self.ds.item_index[i] for i in items if i in self.ds.item_index]
        if not seeds:
            return []
        per_seed = {self.ds.item_ids[s]: self._seed_similarities(s) for s in seeds}
        allowed = self.allowed(filters, items)
        x = np.zeros(self.ds.n_items, dtype=np.float32)
        x[seeds] = 1.0
        recs = self._top(np.mean(list(per_seed.values()), axis=0), allowed, k, x)
        for rec in recs:
            n = self.ds.item_index[rec.item_id]
            rec.like = [(seed, float(sims[n])) for seed, sims in per_seed.items()]
        return recs

    def _top(self, scores: np.ndarray, allowed: np.ndarray, k: int, x: np.ndarray) -> list[Recommendation]:
        candidates = np.flatnonzero(allowed & np.isfinite(scores))
        if len(candidates) == 0 or k <= 0:
            return []
        take = min(k, len(candidates))
        part = candidates[np.argpartition(-scores[candidates], take - 1)[:take]]
        # Ties (e.g. all-zero scores for a cold user) fall back to popularity, then catalog order.
        order = sorted(part, key=lambda n: (-scores[n], -self.ds.item_popularity[n], n))
        return [Recommendation(self.ds.item_ids[n], float(scores[n]), self._contributions_of(x, n)) for n in order]


def top_contributions(history: np.ndarray, parts: np.ndarray, limit: int = 5) -> list[tuple[int, float]]:
    """The history items (indices) whose parts (fold-in weight x item-item weight) add most to
    a score, the positive ones only."""
    positive = np.flatnonzero(parts > 0)
    best = positive[np.argsort(-parts[positive], kind="stable")[:limit]]
    return [(int(history[j]), float(parts[j])) for j in best]


def _scaled_to_best(values: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Values over the best allowed one (zero when none is above zero)."""
    best = float(values[allowed].max()) if allowed.any() else 0.0
    return np.asarray(values, dtype=np.float64) / best if best > 0 else np.zeros(len(values))


def _minmax(values: np.ndarray) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    return (values - low) / (high - low) if high > low else np.ones_like(values)


def normalise(scores: np.ndarray) -> np.ndarray:
    """Scale to [0, 1] by the maximum absolute value (keeps zero at zero)."""
    top = float(np.max(np.abs(scores))) if scores.size else 0.0
    return scores / top if top > 0 else scores
