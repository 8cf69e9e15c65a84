"""The run-time rating model: predicted stars for a person ("would I like Heat?"), with its
settings chosen by validation inside the training data, so that they carry from one catalog
to another.

    model = RatingModel.fit(triples, n_users, n_items, seed=7)
    model.predict(users, items)                      # people seen at fit time
    model.predict_for_history({item: stars}, items)  # anyone, from the ratings they gave
    model.chosen                                     # what was chosen, and its validation RMSE
    model.save(folder); RatingModel.load(folder)     # numpy arrays + JSON, never pickle

The parts (see `rating.py`): the biases baseline μ + b_u + b_i; BiasedMF; and I-AutoRec fitted
to the baseline's residuals, a correction to the baseline (a plain I-AutoRec must learn every
item's level from that item's few ratings, and on a sparse catalog does worse than the
baseline itself; on ML-100K the two are equal).

Procedure (`fit`):
1. Validation slice: every user with at least 3 ratings gives 10% of them (at least one,
   seeded) to validation; users with 1-2 ratings keep all theirs for training.
2. Fallback: with fewer than 50 ratings, or a validation slice under 20 ratings (e.g. users
   with one rating each), there is nothing to validate on: the baseline with biases shrunk
   by λ = 5 (users and items) is fitted on everything and used.
3. Otherwise candidates are fitted on the training part and scored by validation RMSE:
   - the baseline's shrinkage, λ_user × λ_item ∈ {1, 3, 10, 30}² (milliseconds);
   - BiasedMF with the chosen bias shrinkage: l2 ∈ {2.5, 5, 10, 20, 40} at 8 factors; then
     16 factors (at the best l2 and twice it), 32, … while each size gains 0.0005 RMSE; if
     16 does not, 4 factors (at the best l2 and half of it), 2, … while they gain;
   - AutoRec, when there are at least 2,000 ratings and items × users × hidden is within a
     cost cap (beyond it BiasedMF works alone): 300 hidden units, λ ∈ {30, 100, 300} (the
     paper's units), the epochs chosen by early stopping on validation RMSE; then the best
     network's decoder rows are solved exactly (below) and scored again, as they will be used;
   - a grid whose best value is at one of its ends is extended by up to two more steps that
     way (l2 of BiasedMF, λ of AutoRec);
   - the blend w·BiasedMF + (1 - w)·AutoRec, w ∈ {0, 0.05, …, 1}, on the validation
     predictions of the best of each (items AutoRec never saw get BiasedMF alone).
   The lower validation RMSE of the baseline and the blend wins, and its parts are refitted
   on all the training data with the chosen settings (AutoRec for the chosen epochs).
   Cost: ML-100K about 20-30 s on two busy cores (one thread; three quarters of it AutoRec),
   a catalog under 2,000 ratings a fraction of a second.

Fold-in (`predict_for_history`): the bot's people add ratings in chat, so a person is what
they rated, not a row fixed at fit time. The baseline's user bias and BiasedMF's [p_u, b_u]
are the same ridge regressions as the user step of the fit, on the item biases and factors.
AutoRec, once trained, is a factorisation r̂ = base + v_u·h_i + c_u with non-linear item codes
h_i, so a person's decoder row (v_u, c_u) is a ridge regression of their residuals on the
codes, with the decoder's own penalty λ/2 (and the baseline's user λ for c_u), shrunk
towards the average person's row. Appending the person as a new input column instead would
need encoder weights for them, which would be untrained (zero) and change nothing. The
fitted model's own decoder rows are solved the same way after training (`ridge_decoder`),
which is also more accurate than the rows Adam left (ML-100K, seed 42: 0.884 vs 0.892), and
makes `predict(u, …)` and `predict_for_history(u's ratings, …)` agree. With no ratings, a
person gets the average person's predictions.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from chatrec_agent.recommender.rating import (
    AutoRecFit,
    BiasBaseline,
    BiasedMF,
    Triples,
    as_arrays,
    blas_threads,
    check_stop,
    ridge_decoder,
    ridge_one,
    train_autorec,
)

FORMAT = "chatrec-rating-model/1"
MIN_RATINGS = 50
MIN_VALIDATION = 20
MIN_AUTOREC_RATINGS = 2000
DEFAULT_BIAS_L2 = 5.0


@dataclass
class Search:
    """The candidate settings; the defaults are the procedure in the module docstring."""

    validation_fraction: float = 0.1
    min_user_ratings: int = 3  # users with fewer keep all their ratings for training
    bias_l2: Sequence[float] = (1.0, 3.0, 10.0, 30.0)
    mf_l2: Sequence[float] = (2.5, 5.0, 10.0, 20.0, 40.0)
    mf_factors: int = 8  # the size the l2 grid is searched at
    mf_max_factors: int = 64
    mf_min_gain: float = 5e-4  # validation RMSE a new size must gain for the next to be tried
    mf_iterations: int = 10
    autorec: bool = True
    autorec_residual: bool = True  # fit AutoRec to the baseline's residuals (False: to the ratings)
    autorec_l2: Sequence[float] = (30.0, 100.0, 300.0)
    autorec_hidden: Sequence[int] = (300,)  # λ is searched at the first; any others are tried at the best λ
    autorec_max_epochs: int = 60
    autorec_min_epochs: int = 20
    autorec_patience: int = 5
    autorec_batch_size: int = 256
    autorec_learning_rate: float = 3e-3
    autorec_decay: float = 0.9  # the learning rate's factor per epoch
    autorec_max_cost: float = 2.5e10  # items × users × hidden; beyond it AutoRec is skipped
    max_extensions: int = 2  # steps added past the end of a grid whose best value is at that end
    blend_steps: int = 20
    # torch and BLAS threads while fitting (None: leave them as they are). The setting is
    # process-wide for the duration of the fit: fit one model at a time in a process.
    threads: int | None = 1

    def batch_size(self, n_items: int) -> int:
        """Items per AutoRec step: at most autorec_batch_size, and small enough for about 8
        steps an epoch on a small catalog (the learning rate decays per epoch)."""
        return int(min(self.autorec_batch_size, max(16, n_items // 8)))


def validation_mask(users: np.ndarray, fraction: float, min_user_ratings: int, seed: int) -> np.ndarray:
    """True for the ratings held out: a seeded `fraction` (at least one) of each user's
    ratings, for users with at least `min_user_ratings`."""
    rng = np.random.default_rng(seed)
    held = np.zeros(len(users), dtype=bool)
    if len(users) == 0:
        return held
    order = np.argsort(users, kind="stable")
    bounds = np.flatnonzero(np.diff(users[order])) + 1
    for group in np.split(order, bounds):
        if len(group) >= min_user_ratings:
            n = max(1, round(len(group) * fraction))
            held[rng.choice(group, n, replace=False)] = True
    return held


def line_search(grid: Sequence[float], score: Callable[[float], float], extensions: int) -> float:
    """Score every value of a geometric grid; while the best is at an end, score one more step
    past it (at most `extensions` times). Returns the best value."""
    values = sorted(grid)
    scores = {v: score(v) for v in values}
    for _ in range(extensions if len(values) > 1 else 0):
        best, low, high = min(scores, key=scores.get), min(scores), max(scores)
        if best == low:
            new = low / (values[1] / values[0])
        elif best == high:
            new = high * (values[-1] / values[-2])
        else:
            break
        scores[round(new, 6)] = score(round(new, 6))
    return min(scores, key=scores.get)


def _rmse(predicted: np.ndarray, truth: np.ndarray) -> float:
    return float(np.sqrt(np.mean((predicted - truth) ** 2)))


@dataclass(repr=False)
class RatingModel:
    """A fitted, tuned rating model. Build it with `RatingModel.fit` or `RatingModel.load`."""

    n_users: int
    n_items: int
    low: float
    high: float
    baseline: BiasBaseline
    seen: np.ndarray  # users with training ratings; the others get the average person
    mf: BiasedMF | None = None
    autorec: dict[str, np.ndarray] | None = None  # H, V, c, rated, average_v, average_c
    weight: float = 1.0  # BiasedMF's share of the blend; AutoRec has the rest
    chosen: dict = field(default_factory=dict)

    name = "tuned rating model"

    def __repr__(self) -> str:
        return (f"RatingModel({self.chosen.get('model')}, {self.n_users} users × {self.n_items} items, "
                f"validation RMSE {self.chosen.get('validation_rmse')})")

    # ---------------------------------------------------------------- fitting
    @classmethod
    def fit(cls, triples: Triples, n_users: int, n_items: int, seed: int = 7,
            search: Search | None = None, stop: threading.Event | None = None) -> RatingModel:
        """Choose the settings on a validation slice of `triples`, then refit on all of them.
        Users and items are 0-based indices below n_users / n_items; ratings on any scale
        (predictions are clipped to the lowest and highest rating seen). Setting `stop` (from
        another thread) ends the fit with FitStopped at its next candidate or epoch."""
        search = search or Search()
        with blas_threads(search.threads):
            return cls._fit(triples, n_users, n_items, seed, search, stop)

    @classmethod
    def _fit(cls, triples: Triples, n_users: int, n_items: int, seed: int, search: Search,
             stop: threading.Event | None = None) -> RatingModel:
        started = time.perf_counter()
        users, items, ratings = as_arrays(triples)
        if len(users) and (users.min() < 0 or users.max() >= n_users or items.min() < 0 or items.max() >= n_items):
            raise ValueError("user and item indices must lie in [0, n_users) and [0, n_items)")
        low, high = (float(ratings.min()), float(ratings.max())) if len(ratings) else (1.0, 5.0)
        held = validation_mask(users, search.validation_fraction, search.min_user_ratings, seed)
        if len(ratings) < MIN_RATINGS or held.sum() < MIN_VALIDATION:
            chosen = {
                "model": "baseline", "baseline": {"user_l2": DEFAULT_BIAS_L2, "item_l2": DEFAULT_BIAS_L2},
                "validation_rmse": None, "validation": None, "candidates": [],
                "reason": (f"{len(ratings)} ratings, {int(held.sum())} of them for validation: under "
                           f"{MIN_RATINGS} ratings or {MIN_VALIDATION} validation ratings the biases baseline "
                           f"is used, untuned (λ = {DEFAULT_BIAS_L2:g})"),
            }
        else:
            train, valid = (users[~held], items[~held], ratings[~held]), (users[held], items[held], ratings[held])
            chooser = _Chooser(train, valid, n_users, n_items, low, high, seed, search, stop)
            chosen = chooser.run(autorec_allowed=search.autorec and len(ratings) >= MIN_AUTOREC_RATINGS)
        model = cls._refit(users, items, ratings, n_users, n_items, low, high, seed, search, chosen, stop)
        chosen.update(ratings=len(ratings), fit_s=round(time.perf_counter() - started, 3))
        return model

    @classmethod
    def _refit(cls, users, items, ratings, n_users: int, n_items: int, low: float, high: float, seed: int,
               search: Search, chosen: dict, stop: threading.Event | None = None) -> RatingModel:
        b = chosen["baseline"]
        mu = float(ratings.mean()) if len(ratings) else (low + high) / 2
        baseline = BiasBaseline(b["user_l2"], b["item_l2"], low=low, high=high).fit_arrays(
            users, items, ratings, n_users, n_items, mu)
        seen = np.bincount(users, minlength=n_users) > 0
        model = cls(n_users, n_items, low, high, baseline, seen, chosen=chosen)
        if chosen["model"] == "baseline":
            return model
        model.weight = weight = chosen["blend_weight"]
        if weight > 0:
            check_stop(stop)
            s = chosen["biased_mf"]
            model.mf = BiasedMF(s["factors"], s["l2"], b["user_l2"], search.mf_iterations, seed, low, high,
                                item_bias_l2=b["item_l2"]).fit_arrays(users, items, ratings, n_users, n_items, mu)
        if weight < 1:
            s = chosen["autorec"]
            fitted = train_autorec(users, items, ratings, n_users, n_items, hidden=s["hidden"], l2=s["l2"],
                                   epochs=s["epochs"], batch_size=search.batch_size(n_items),
                                   learning_rate=search.autorec_learning_rate, decay=search.autorec_decay, seed=seed,
                                   targets=ratings - _raw(baseline, users, items) if s["residual"] else None,
                                   threads=search.threads, stop=stop)
            V, c, prior = _exact_decoder(fitted, seen, users, items, ratings, baseline, s, n_users)
            model.autorec = {"H": fitted.H, "V": V, "c": c, "rated": fitted.rated,  # float32, as trained
                             "average_v": prior[0].astype(np.float32), "average_c": np.array([prior[1]], np.float32)}
        return model

    # ------------------------------------------------------------- predicting
    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Predicted ratings for (user, item) index pairs. A user index past n_users, or of a
        user with no training ratings, gets the average person's prediction."""
        items = np.asarray(items, dtype=np.int64)
        base, mf, autorec = self._parts(users, items)
        return np.clip(self._blend(items, base, mf, autorec), self.low, self.high)

    def predict_parts(self, users: np.ndarray, items: np.ndarray) -> dict[str, np.ndarray]:
        """Each fitted part's own predictions ("baseline", "biased-mf", "autorec"), for reports.
        AutoRec gives the baseline's prediction for items it never saw."""
        items = np.asarray(items, dtype=np.int64)
        base, mf, autorec = self._parts(users, items)
        parts = {"baseline": base}
        if mf is not None:
            parts["biased-mf"] = mf
        if autorec is not None:
            parts["autorec"] = np.where(self.autorec["rated"][items], autorec, base)
        return {name: np.clip(p, self.low, self.high) for name, p in parts.items()}

    def _parts(self, users, items: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
        users = np.asarray(users, dtype=np.int64)
        known = (users >= 0) & (users < self.n_users)
        safe = np.where(known, users, 0)
        known &= self.seen[safe]
        b = self.baseline
        base = b.mu + np.where(known, b.bu[safe], 0.0) + b.bi[items]
        mf = autorec = None
        if self.mf is not None:
            m = self.mf
            mf = m.mu + m.bi[items] + np.where(known, m.bu[safe] + np.einsum("ij,ij->i", m.P[safe], m.Q[items]), 0.0)
        if self.autorec is not None:
            a = self.autorec
            v = np.where(known[:, None], a["V"][safe], a["average_v"])
            c = np.where(known, a["c"][safe], a["average_c"][0])
            offset = base if self.chosen["autorec"]["residual"] else 0.0
            autorec = offset + np.einsum("ij,ij->i", a["H"][items], v) + c
        return base, mf, autorec

    def predict_for_history(self, item_ratings: Mapping[int, float], items: Sequence[int] | np.ndarray) -> np.ndarray:
        """Predicted ratings of `items` for a person described only by the ratings they gave
        ({item index: rating}); pass everything known about them, new ratings included."""
        items = np.asarray(items, dtype=np.int64)
        rated = np.fromiter(item_ratings.keys(), dtype=np.int64, count=len(item_ratings))
        stars = np.fromiter(item_ratings.values(), dtype=np.float64, count=len(item_ratings))
        if len(rated) and (rated.min() < 0 or rated.max() >= self.n_items):
            raise ValueError(f"rated item indices must lie in [0, {self.n_items})")
        b = self.baseline
        bias = b.fold_in(rated, stars)
        base = b.mu + bias + b.bi[items]
        mf = autorec = None
        if self.mf is not None:
            factors, mf_bias = self.mf.fold_in(rated, stars)
            mf = self.mf.mu + mf_bias + self.mf.bi[items] + self.mf.Q[items] @ factors
        if self.autorec is not None:
            a = self.autorec
            average_v, average_c = a["average_v"].astype(np.float64), float(a["average_c"][0])
            keep = rated[a["rated"][rated]]  # the codes of items AutoRec never saw say nothing
            codes = a["H"][keep].astype(np.float64)
            residual = self.chosen["autorec"]["residual"]
            targets = stars[a["rated"][rated]] - ((b.mu + bias + b.bi[keep]) if residual else 0.0)
            dv, dc = ridge_one(codes, targets - codes @ average_v - average_c, self.chosen["autorec"]["l2"] / 2,
                               b.user_l2)
            autorec = (base if residual else 0.0) + a["H"][items] @ (average_v + dv) + average_c + dc
        return np.clip(self._blend(items, base, mf, autorec), self.low, self.high)

    def _blend(self, items: np.ndarray, base: np.ndarray, mf: np.ndarray | None,
               autorec: np.ndarray | None) -> np.ndarray:
        if autorec is None:
            return base if mf is None else mf
        rated = self.autorec["rated"][items]
        other = base if mf is None else mf  # for items AutoRec never saw
        mixed = autorec if mf is None else self.weight * mf + (1 - self.weight) * autorec
        return np.where(rated, mixed, other)

    # ------------------------------------------------------------ persistence
    def state(self) -> tuple[dict, dict[str, np.ndarray]]:
        """The model as a JSON-able header (settings and what was chosen) and numpy arrays:
        what `save` writes and the ModelStore keeps. Nothing is pickled."""
        arrays = {"baseline_bu": self.baseline.bu, "baseline_bi": self.baseline.bi, "seen": self.seen}
        if self.mf is not None:
            arrays.update(mf_bu=self.mf.bu, mf_bi=self.mf.bi, mf_P=self.mf.P, mf_Q=self.mf.Q)
        if self.autorec is not None:
            arrays.update({f"autorec_{k}": v for k, v in self.autorec.items()})
        meta = {
            "format": FORMAT, "n_users": self.n_users, "n_items": self.n_items, "low": self.low, "high": self.high,
            "weight": self.weight,
            "baseline": {"mu": self.baseline.mu, "user_l2": self.baseline.user_l2, "item_l2": self.baseline.item_l2},
            "mf": None if self.mf is None else {"mu": self.mf.mu, "factors": self.mf.factors, "l2": self.mf.l2,
                                                "bias_l2": self.mf.bias_l2, "item_bias_l2": self.mf.item_bias_l2},
            "chosen": self.chosen,
        }
        return meta, arrays

    def save(self, path: str | Path) -> Path:
        """Write the model into the folder `path`: rating_model.npz (arrays) and
        rating_model.json (settings and what was chosen)."""
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        meta, arrays = self.state()
        np.savez(folder / "rating_model.npz", **arrays)
        (folder / "rating_model.json").write_text(json.dumps(meta, indent=2, allow_nan=False))
        return folder

    @classmethod
    def load(cls, path: str | Path) -> RatingModel:
        """Read a model written by `save`. JSON and arrays only (np.load with
        allow_pickle=False), with every shape checked: loading runs no code."""
        folder = Path(path)
        meta = json.loads((folder / "rating_model.json").read_text())
        with np.load(folder / "rating_model.npz", allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
        return cls.from_state(meta, arrays, str(folder))

    @classmethod
    def from_state(cls, meta: dict, arrays: Mapping[str, np.ndarray], origin: str = "rating model") -> RatingModel:
        """The model `state` described, with every array's shape and kind checked."""
        folder = origin  # named in every error
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise ValueError(f"{folder}: not a {FORMAT} model")
        n_users, n_items = int(meta["n_users"]), int(meta["n_items"])

        def array(name: str, shape: tuple[int, ...], dtype=np.float64) -> np.ndarray:
            value = arrays.get(name)
            if value is None or value.dtype.kind not in "biuf" or value.shape[: len(shape)] != shape \
                    or value.ndim != len(shape) + (name in _MATRICES):
                raise ValueError(f"{folder}: {name} is missing, not numbers, or has the wrong shape")
            return value.astype(dtype, copy=False)

        low, high = float(meta["low"]), float(meta["high"])
        b = meta["baseline"]
        baseline = BiasBaseline(float(b["user_l2"]), float(b["item_l2"]), low=low, high=high)
        baseline.mu = float(b["mu"])
        baseline.bu, baseline.bi = array("baseline_bu", (n_users,)), array("baseline_bi", (n_items,))
        model = cls(n_users, n_items, low, high, baseline, array("seen", (n_users,), bool),
                    weight=float(meta["weight"]), chosen=dict(meta["chosen"]))
        if meta["mf"] is not None:
            m = meta["mf"]
            mf = BiasedMF(int(m["factors"]), float(m["l2"]), float(m["bias_l2"]), low=low, high=high,
                          item_bias_l2=float(m["item_bias_l2"]))
            mf.mu, mf.bu, mf.bi = float(m["mu"]), array("mf_bu", (n_users,)), array("mf_bi", (n_items,))
            mf.P, mf.Q = array("mf_P", (n_users,)), array("mf_Q", (n_items,))
            if mf.P.shape[1] != mf.factors or mf.Q.shape[1] != mf.factors:
                raise ValueError(f"{folder}: the factor matrices do not have {mf.factors} columns")
            model.mf = mf
        if "autorec_H" in arrays:
            hidden = arrays["autorec_H"].shape[-1]
            model.autorec = {
                "H": array("autorec_H", (n_items,), np.float32), "V": array("autorec_V", (n_users,), np.float32),
                "c": array("autorec_c", (n_users,), np.float32), "rated": array("autorec_rated", (n_items,), bool),
                "average_v": array("autorec_average_v", (hidden,), np.float32),
                "average_c": array("autorec_average_c", (1,), np.float32),
            }
            if model.autorec["V"].shape[1] != hidden:
                raise ValueError(f"{folder}: AutoRec's codes and decoder differ in size")
        return model


_MATRICES = {"mf_P", "mf_Q", "autorec_H", "autorec_V"}


def _exact_decoder(fitted: AutoRecFit, seen: np.ndarray, users, items, ratings, baseline: BiasBaseline,
                   settings: dict, n_users: int) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, float]]:
    """Decoder rows solved exactly on the trained codes (see `ridge_decoder`), shrunk towards
    the average trained row; returns (V, c, (average v, average c))."""
    prior = (fitted.V[seen].mean(axis=0).astype(np.float64), float(fitted.c[seen].mean()))
    targets = ratings - _raw(baseline, users, items) if settings["residual"] else ratings
    V, c = ridge_decoder(fitted.H, users, items, targets, n_users, settings["l2"] / 2, baseline.user_l2, prior)
    return V.astype(np.float32), c.astype(np.float32), prior


def _raw(baseline: BiasBaseline, users: np.ndarray, items: np.ndarray) -> np.ndarray:
    return baseline.mu + baseline.bu[users] + baseline.bi[items]


class _Chooser:
    """Fits the candidates on the training part and scores them on the validation part."""

    def __init__(self, train, valid, n_users: int, n_items: int, low: float, high: float, seed: int, search: Search,
                 stop: threading.Event | None = None):
        (self.tu, self.ti, self.tr), (self.vu, self.vi, self.vr) = train, valid
        self.n_users, self.n_items, self.low, self.high = n_users, n_items, low, high
        self.seed, self.search, self.stop = seed, search, stop
        self.mu = float(self.tr.mean())
        self.candidates: list[dict] = []
        self.best: dict[str, tuple] = {}  # part -> (rmse, settings, validation predictions, extra)

    def score(self, part: str, settings: dict, predictions: np.ndarray, extra=None, **report) -> float:
        rmse = _rmse(predictions, self.vr)
        self.candidates.append({"part": part, "settings": settings, "validation_rmse": round(rmse, 5), **report})
        if rmse < self.best.get(part, (np.inf,))[0]:
            self.best[part] = (rmse, settings, predictions, extra)
        return rmse

    def run(self, autorec_allowed: bool) -> dict:
        s = self.search
        data = (self.tu, self.ti, self.tr, self.n_users, self.n_items, self.mu)
        # 1. The baseline's shrinkage.
        for user_l2 in s.bias_l2:
            for item_l2 in s.bias_l2:
                model = BiasBaseline(user_l2, item_l2, low=self.low, high=self.high).fit_arrays(*data)
                predictions = model.predict(self.vu, self.vi)
                self.score("baseline", {"user_l2": user_l2, "item_l2": item_l2}, predictions, model)
        baseline_rmse, bias, baseline_predictions, baseline = self.best["baseline"]

        # 2. BiasedMF: l2 at one size, then larger (or smaller) sizes while they gain.
        def try_mf(factors: int, l2: float) -> float:
            check_stop(self.stop)
            started = time.perf_counter()
            model = BiasedMF(factors, l2, bias["user_l2"], s.mf_iterations, self.seed, self.low, self.high,
                             item_bias_l2=bias["item_l2"]).fit_arrays(*data)
            return self.score("biased-mf", {"factors": factors, "l2": l2}, model.predict(self.vu, self.vi),
                              fit_s=round(time.perf_counter() - started, 3))

        line_search(s.mf_l2, lambda l2: try_mf(s.mf_factors, l2), s.max_extensions)

        def size_gains(factors: int, multipliers: tuple[float, ...]) -> bool:
            before, l2 = self.best["biased-mf"][0], self.best["biased-mf"][1]["l2"]
            for m in multipliers:
                try_mf(factors, l2 * m)
            return self.best["biased-mf"][0] < before - s.mf_min_gain

        factors = s.mf_factors * 2
        grew = False
        while factors <= s.mf_max_factors and size_gains(factors, (1.0, 2.0)):
            grew, factors = True, factors * 2
        factors = s.mf_factors // 2
        while not grew and factors >= 2 and size_gains(factors, (1.0, 0.5)):
            factors //= 2
        mf_rmse, mf_settings, mf_predictions, _ = self.best["biased-mf"]

        # 3. AutoRec (on the ratings, or the baseline's residuals), if the data is large enough and the cost bounded.
        hidden = list(s.autorec_hidden)
        cost = self.n_items * self.n_users * max(hidden, default=0)
        note = None
        if not autorec_allowed:
            note = f"skipped: under {MIN_AUTOREC_RATINGS} ratings, or switched off"
        elif cost > s.autorec_max_cost or not hidden:
            note = f"skipped: items × users × hidden = {cost:.3g}, over the cap {s.autorec_max_cost:.3g}"
        else:
            targets = self.tr - _raw(baseline, self.tu, self.ti) if s.autorec_residual else None
            base = _raw(baseline, self.vu, self.vi) if s.autorec_residual else 0.0

            def try_autorec(size: int, l2: float) -> float:
                started = time.perf_counter()
                fitted = train_autorec(self.tu, self.ti, self.tr, self.n_users, self.n_items, hidden=size, l2=l2,
                                       epochs=s.autorec_max_epochs, batch_size=s.batch_size(self.n_items),
                                       learning_rate=s.autorec_learning_rate, decay=s.autorec_decay, seed=self.seed,
                                       targets=targets,
                                       validation=(self.vu, self.vi, self.vr, base, baseline_predictions),
                                       patience=s.autorec_patience, min_epochs=s.autorec_min_epochs, low=self.low,
                                       high=self.high, threads=s.threads, stop=self.stop)
                settings = {"hidden": size, "l2": l2, "epochs": fitted.epochs, "residual": s.autorec_residual}
                return self.score("autorec", settings, fitted.validation_predictions, fitted,
                                  epochs_run=len(fitted.curve), fit_s=round(time.perf_counter() - started, 3))

            best_l2 = line_search(s.autorec_l2, lambda l2: try_autorec(hidden[0], l2), s.max_extensions)
            for size in hidden[1:]:
                try_autorec(size, best_l2)

            # The chosen network's decoder rows, solved exactly as the final model will have them.
            _, settings, _, fitted = self.best["autorec"]
            seen = np.bincount(self.tu, minlength=self.n_users) > 0
            V, c, _ = _exact_decoder(fitted, seen, self.tu, self.ti, self.tr, baseline, settings, self.n_users)
            raw = np.einsum("ij,ij->i", fitted.H[self.vi], V[self.vu]) + c[self.vu]
            predictions = np.where(fitted.rated[self.vi], base + raw, baseline_predictions)
            predictions = np.clip(predictions, self.low, self.high)
            settings = {**settings, "decoder": "exact"}
            self.best["autorec"] = (self.score("autorec", settings, predictions), settings, predictions, fitted)

        # 4. The blend weight.
        weight, blend_rmse = 1.0, mf_rmse
        if "autorec" in self.best:
            _, _, autorec_predictions, fitted = self.best["autorec"]
            autorec_rated = fitted.rated[self.vi]
            for w in np.linspace(0, 1, s.blend_steps + 1):
                blended = np.where(autorec_rated, w * mf_predictions + (1 - w) * autorec_predictions, mf_predictions)
                rmse = _rmse(blended, self.vr)
                if rmse < blend_rmse - 1e-12:
                    weight, blend_rmse = round(float(w), 4), rmse
        autorec = self.best.get("autorec")
        chosen = {
            "baseline": bias, "baseline_validation_rmse": round(baseline_rmse, 5),
            "biased_mf": mf_settings, "biased_mf_validation_rmse": round(mf_rmse, 5),
            "autorec": autorec and autorec[1], "autorec_validation_rmse": autorec and round(autorec[0], 5),
        }
        if note:
            chosen["autorec_note"] = note
        if baseline_rmse <= blend_rmse:
            chosen.update(model="baseline", validation_rmse=round(baseline_rmse, 5), blend_weight=None,
                          reason="no model beat the biases baseline on validation")
        else:
            name = "biased-mf" if weight == 1 else "autorec" if weight == 0 else "biased-mf + autorec"
            chosen.update(model=name, blend_weight=weight, validation_rmse=round(blend_rmse, 5),
                          reason="the lowest validation RMSE")
        chosen["validation"] = {"ratings": len(self.vr), "train_ratings": len(self.tr),
                                "fraction": s.validation_fraction, "seed": self.seed}
        chosen["candidates"] = self.candidates
        return chosen
