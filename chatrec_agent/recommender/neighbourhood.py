"""For "like X": X's neighbourhood, its collaborative neighbours blended with its content ones by
how much evidence the interactions hold about X.

X's collaborative neighbours count with weight n / (n + k) against its content neighbours,
where n is the number of X's co-raters (people who rated X and something else) and k says
how informative the catalog's interactions are. k is estimated when the model is fitted: a
fifth of the interactions is held out, and k is the value whose blend best predicts which
items X's fans went on to like in the held-out part, each hit weighted by the inverse square
root of the item's fans (a hit on a blockbuster everyone likes says little about X), leaning
towards content when the difference is within noise (the one-standard-error rule). The collaborative neighbours in
that check come from item-KNN, which is sparse and fits in seconds at any size: on the demo
and MovieLens-100K it gives the same k as EASE itself, whose dense inverse would double the
fit time of a catalog near EASE's size limit. Interactions that are noise, or
too sparse to show anything (the demo's synthetic ratings), give k = ∞: content alone.
On MovieLens, CF neighbours predict held-out co-likes far better than content does, and k
comes out small.

Content similarity is the items' embedding cosine plus their genres' (GENRE_WEIGHT): a
sentence embedding of a plot description underweights the genre list a person has in mind.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse

from chatrec_agent.recommender.itemknn import ItemKNNRecommender

if TYPE_CHECKING:
    from chatrec_agent.recommender.base import Dataset

# Share of the content similarity that comes from the genres (cosine of genre sets).
GENRE_WEIGHT = 0.3
# Candidate values of k; math.inf means content alone.
SHRINKAGE_GRID = (0.0, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, math.inf)
HELD_OUT = 0.2
VALIDATION_SEEDS = 400
SEED_CHUNK = 50  # seeds scored at once: 50 rows of every item
TOP = 10


@dataclass(frozen=True)
class Shrinkage:
    """The fitted k and what it was chosen from (saved with the model, for a reader)."""

    k: float  # math.inf: collaborative neighbours never count
    seeds: int = 0
    precision: dict[str, float] = field(default_factory=dict)  # "k" -> held-out co-like precision@10

    def weight(self, co_raters: np.ndarray | float) -> np.ndarray:
        """How much collaborative neighbours count, per item with this many co-raters."""
        n = np.asarray(co_raters, dtype=np.float64)
        if math.isinf(self.k):
            return np.zeros_like(n)
        return np.divide(n, n + self.k, out=np.zeros_like(n), where=(n + self.k) > 0)

    def state(self) -> dict[str, Any]:
        return {"k": None if math.isinf(self.k) else self.k, "seeds": self.seeds, "precision": self.precision}

    @classmethod
    def from_state(cls, state: Any) -> Shrinkage:
        if not isinstance(state, dict) or "k" not in state:
            raise ValueError("a saved hybrid model without its like-X shrinkage (fitted by an older version)")
        k = math.inf if state["k"] is None else float(state["k"])
        if not k >= 0:
            raise ValueError("a saved like-X shrinkage below zero")
        return cls(k, int(state.get("seeds", 0)), dict(state.get("precision") or {}))


def co_raters(matrix: sparse.csr_matrix) -> np.ndarray:
    """Per item: how many of its raters rated at least one other item."""
    several = (np.asarray(matrix.sum(axis=1)).ravel() > 1).astype(np.float64)
    return np.asarray(matrix.T @ several).ravel()


def genre_matrix(dataset: Dataset) -> sparse.csr_matrix | None:
    """Items x genres, rows of unit length (None when the catalog has no genres)."""
    names: dict[str, int] = {}
    rows, cols = [], []
    for n, item in enumerate(dataset.items):
        for genre in item.genres:
            rows.append(n)
            cols.append(names.setdefault(genre.casefold(), len(names)))
    if not names:
        return None
    g = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(dataset.n_items, len(names)))
    g.sum_duplicates()
    g.data[:] = 1.0
    norms = np.sqrt(np.asarray(g.sum(axis=1)).ravel())
    return sparse.diags(1.0 / np.maximum(norms, 1.0)) @ g


def content_similarities(vectors: np.ndarray, genres: sparse.csr_matrix | None, seeds: np.ndarray) -> np.ndarray:
    """Seeds x items content similarity, each row scaled so that the seed's best neighbour is
    1 and its median item 0 (the scale collaborative rows are put on)."""
    sims = (vectors[seeds] @ vectors.T).astype(np.float64)
    if genres is not None:
        sims = (1 - GENRE_WEIGHT) * sims + GENRE_WEIGHT * np.asarray((genres[seeds] @ genres.T).todense())
    return _scaled(sims, seeds, centre=True)


def collaborative_similarities(rows: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """Seeds x items collaborative similarity, scaled so that each seed's best neighbour is 1."""
    return _scaled(np.asarray(rows, dtype=np.float64), seeds, centre=False)


def _scaled(sims: np.ndarray, seeds: np.ndarray, centre: bool) -> np.ndarray:
    sims = sims.copy()
    rows = np.arange(len(seeds))
    sims[rows, seeds] = np.nan  # the seed itself says nothing about its neighbours
    base = np.nanmedian(sims, axis=1, keepdims=True) if centre else np.zeros((len(seeds), 1))
    top = np.nanmax(sims, axis=1, keepdims=True) if sims.shape[1] > 1 else np.ones((len(seeds), 1))
    span = top - base
    out = np.divide(sims - base, span, out=np.zeros_like(sims), where=span > 0)
    out[rows, seeds] = 1.0
    return out


def blend(cf: np.ndarray, content: np.ndarray | None, weight: np.ndarray) -> np.ndarray:
    """Per seed row: weight x collaborative + (1 - weight) x content."""
    if content is None:
        return cf
    w = np.asarray(weight, dtype=np.float64).reshape(-1, 1)
    return w * cf + (1 - w) * content


def fit_shrinkage(dataset: Dataset, vectors: np.ndarray | None, seed: int = 0) -> Shrinkage:
    """k from held-out co-likes: fit item-KNN on 80% of the interactions, and for items X,
    score how many of X's top-10 blended neighbours X's fans liked in the other 20%. The
    largest k within one standard error of the best (paired over the same X) wins."""
    if vectors is None:
        return Shrinkage(0.0)  # no content to lean on: collaborative neighbours alone
    rng = np.random.default_rng(seed)
    _, arrays = dataset.state()
    rows, cols, prefs = arrays["rows"], arrays["cols"], arrays["preferences"]
    held = rng.random(len(rows)) < HELD_OUT
    liked = prefs > 0
    shape = (dataset.n_users, dataset.n_items)
    fans = _binary(rows[liked & ~held], cols[liked & ~held], shape).tocsc()
    later = _binary(rows[liked & held], cols[liked & held], shape)
    # Items some of whose fans liked something in the held-out part: the ones that can be checked.
    checkable = np.flatnonzero(np.asarray(fans.T @ (np.diff(later.indptr) > 0).astype(np.float64)).ravel() > 0)
    if len(checkable) == 0:
        return Shrinkage(math.inf)  # nothing held out shows that co-ratings say anything
    seeds = np.sort(rng.choice(checkable, size=min(VALIDATION_SEEDS, len(checkable)), replace=False))
    probe = ItemKNNRecommender().fit(dataset.subset(~held))
    genres = genre_matrix(dataset)
    n = co_raters(probe.ds.matrix)
    # A hit on what nearly everyone likes says little about X: each counts by the inverse square
    # root of its number of fans (an inverse-propensity weight, as in unbiased offline evaluation
    # of implicit feedback), so no blend wins by leading every X to the same blockbusters.
    worth = 1.0 / np.sqrt(np.maximum(np.asarray(fans.sum(axis=0)).ravel(), 1.0))
    hits: dict[float, list[np.ndarray]] = {k: [] for k in SHRINKAGE_GRID}
    for chunk in np.array_split(seeds, max(1, len(seeds) // SEED_CHUNK)):  # bounded memory at 100k items
        targets = (fans[:, chunk].T @ later).toarray() > 0  # what each X's fans liked, held out
        targets[np.arange(len(chunk)), chunk] = False
        cf = collaborative_similarities(np.stack([probe._item_similarities([int(s)]) for s in chunk]), chunk)
        content = content_similarities(vectors, genres, chunk)
        for k in SHRINKAGE_GRID:
            scores = blend(cf, content, Shrinkage(k).weight(n[chunk]))
            scores[np.arange(len(chunk)), chunk] = -np.inf
            take = min(TOP, scores.shape[1])
            top = np.argpartition(-scores, take - 1, axis=1)[:, :take]
            hits[k].append((np.take_along_axis(targets, top, axis=1) * worth[top]).sum(axis=1) / TOP)
    precision = {k: np.concatenate(parts) for k, parts in hits.items()}
    best = max(SHRINKAGE_GRID, key=lambda k: precision[k].mean())
    chosen = best
    for k in SHRINKAGE_GRID:  # ascending: the last one within noise of the best leans most on content
        diff = precision[k] - precision[best]
        noise = diff.std(ddof=1) / math.sqrt(len(seeds)) if len(seeds) > 1 else 0.0
        noise = max(noise, 1e-9)  # weighted hits tie only to rounding
        if k > best and diff.mean() >= -noise:
            chosen = k
    return Shrinkage(chosen, len(seeds), {("inf" if math.isinf(k) else f"{k:g}"): round(float(p.mean()), 4)
                                         for k, p in precision.items()})


def _binary(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> sparse.csr_matrix:
    matrix = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=shape)
    matrix.data[:] = 1.0  # duplicates summed, then counted once
    return matrix
