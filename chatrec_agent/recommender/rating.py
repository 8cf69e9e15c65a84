"""Rating prediction (RMSE/MAE): the parts. Biased matrix factorisation, an item-based
autoencoder (I-AutoRec), a regularised-biases baseline, and their fixed-settings average.

BiasedMF: r̂(u, i) = μ + b_u + b_i + p_u·q_i, fitted by alternating ridge regressions (every
user's [p_u, b_u] given the items, then every item's [q_i, b_i] given the users), all users
(then all items) solved at once as a batch of small linear systems.
AutoRec (Sedhain et al., WWW 2015): each item's vector of ratings over users is encoded by a
sigmoid layer, h_i = σ(W r_i + b), and decoded to every user, r̂(u, i) = v_u·h_i + c_u; the
loss counts only observed ratings plus λ/2 (‖W‖² + ‖V‖²). The encoder reads the sparse
ratings directly (an embedding bag), so no dense items × users input is built. Once trained,
the model is a factorisation with non-linear item codes h_i, which is what makes a ridge
fold-in of a new user (a new decoder row v_u, c_u) sound.
The two err differently (a linear low-rank model vs. a non-linear one), so a blend beats both.

These classes take their settings as given. `chatrec_agent.recommender.rating_model.RatingModel`
chooses them by validation inside the training data, blends, folds in new users and saves;
use it at run time. `BlendedRating` (fixed settings, the plain mean) is kept for callers of
the first version.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

Triples = Sequence[tuple[int, int, float]] | np.ndarray


class FitStopped(Exception):
    """A fit gave up because its `stop` event was set (the process is closing); nothing was fitted."""


def check_stop(stop: threading.Event | None) -> None:
    """Raise FitStopped if `stop` is set. Fits call it between epochs and between candidates,
    so that a fit on another thread ends within one step of being asked to."""
    if stop is not None and stop.is_set():
        raise FitStopped("the fit was asked to stop")


def as_arrays(triples: Triples) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(users, items, ratings) arrays from (user, item, rating) triples or an (n, 3) array.

    A (user, item) pair given twice keeps its last rating, as a re-rating replaces the old one."""
    if isinstance(triples, np.ndarray):
        data = triples.reshape(-1, 3) if triples.size else np.zeros((0, 3))
        users, items = data[:, 0].astype(np.int64), data[:, 1].astype(np.int64)
        ratings = data[:, 2].astype(np.float64)
    else:
        n = len(triples)
        users = np.fromiter((t[0] for t in triples), dtype=np.int64, count=n)
        items = np.fromiter((t[1] for t in triples), dtype=np.int64, count=n)
        ratings = np.fromiter((t[2] for t in triples), dtype=np.float64, count=n)
    if len(users) > 1:
        key = users * (int(items.max()) + 1) + items
        _, last = np.unique(key[::-1], return_index=True)
        if len(last) < len(key):
            keep = np.sort(len(key) - 1 - last)
            users, items, ratings = users[keep], items[keep], ratings[keep]
    return users, items, ratings


def _csr(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int):
    """Indicator matrix rows × cols (CSR) and the order of the ratings in its data array."""
    import scipy.sparse as sp

    order = np.lexsort((cols, rows))
    indptr = np.searchsorted(rows[order], np.arange(n_rows + 1))
    matrix = sp.csr_matrix((np.ones(len(order)), cols[order], indptr), shape=(n_rows, n_cols))
    return matrix, order


def ridge_rows(indicator, order: np.ndarray, features: np.ndarray, targets: np.ndarray,
               counts: np.ndarray, l2: float, bias_l2: float, chunk: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """For every row r of `indicator` (a user, say), the ridge regression of its targets on
    [features[j], 1] over its columns j: minimises Σ (t - f·x - b)² + l2‖x‖² + bias_l2 b².
    Returns (x per row, b per row); rows with no entries get zeros."""
    n_rows, k = indicator.shape[0], features.shape[1]
    A = np.hstack([features, np.ones((len(features), 1))])
    iu, ju = np.triu_indices(k + 1)
    # The upper triangle of a_j a_jᵀ, one row per column j: 100k items x 16 factors is 120 MB,
    # built a chunk at a time, not beside two gathered copies of the same size.
    products = np.empty((len(A), len(iu)))
    for start in range(0, len(A), chunk):
        products[start:start + chunk] = A[start:start + chunk, iu] * A[start:start + chunk, ju]
    weighted = indicator.copy()
    weighted.data = targets[order]
    rhs = weighted @ A
    reg = np.full(k + 1, float(l2))
    reg[-1] = float(bias_l2)
    solution = np.zeros((n_rows, k + 1))
    for start in range(0, n_rows, chunk):
        stop = min(n_rows, start + chunk)
        flat = indicator[start:stop] @ products
        gram = np.zeros((stop - start, k + 1, k + 1))
        gram[:, iu, ju] = flat
        gram[:, ju, iu] = flat
        gram += np.diag(reg)[None]
        solution[start:stop] = np.linalg.solve(gram, rhs[start:stop, :, None])[..., 0]
    solution[counts == 0] = 0.0
    return solution[:, :k], solution[:, k]


def ridge_one(features: np.ndarray, targets: np.ndarray, l2: float, bias_l2: float) -> tuple[np.ndarray, float]:
    """The same regression for one row (a fold-in): (x, b). With fewer targets than features
    it is solved in its dual form, x = D⁻¹Aᵀ(AD⁻¹Aᵀ + I)⁻¹t, n × n instead of k × k."""
    n, k = features.shape
    if n == 0:
        return np.zeros(k), 0.0
    if n <= k:
        scaled = np.hstack([features / float(l2), np.full((n, 1), 1 / float(bias_l2))])  # A D⁻¹
        kernel = scaled[:, :k] @ features.T + scaled[:, k:]
        kernel[np.arange(n), np.arange(n)] += 1.0
        solution = scaled.T @ np.linalg.solve(kernel, targets)
        return solution[:-1], float(solution[-1])
    gram = np.empty((k + 1, k + 1))
    gram[:k, :k] = features.T @ features
    sums = features.sum(axis=0)
    gram[:k, k] = gram[k, :k] = sums
    gram[k, k] = n + float(bias_l2)
    gram[np.arange(k), np.arange(k)] += float(l2)
    solution = np.linalg.solve(gram, np.append(features.T @ targets, targets.sum()))
    return solution[:-1], float(solution[-1])


def ridge_decoder(codes: np.ndarray, users: np.ndarray, items: np.ndarray, targets: np.ndarray, n_users: int,
                  l2: float, bias_l2: float, prior: tuple[np.ndarray, float]) -> tuple[np.ndarray, np.ndarray]:
    """Every user's decoder row (v_u, c_u) of a trained AutoRec, solved exactly given the item
    codes: the ridge regression of their targets on [h_i, 1], shrunk towards the prior row
    (l2 for v, bias_l2 for c). Users without ratings get the prior. The same regression as
    a fold-in, so a person's predictions do not depend on whether they were in the fit."""
    prior_v, prior_c = np.asarray(prior[0], dtype=np.float64), float(prior[1])
    V = np.tile(prior_v, (n_users, 1))
    c = np.full(n_users, prior_c)
    order = np.argsort(users, kind="stable")
    bounds = np.searchsorted(users[order], np.arange(n_users + 1))
    for u in np.flatnonzero(np.diff(bounds)):
        rows = order[bounds[u] : bounds[u + 1]]
        features = codes[items[rows]].astype(np.float64)
        dv, dc = ridge_one(features, targets[rows] - features @ prior_v - prior_c, l2, bias_l2)
        V[u], c[u] = prior_v + dv, prior_c + dc
    return V, c


class BiasBaseline:
    """r̂(u, i) = μ + b_u + b_i, biases shrunk towards 0 by user_l2 / item_l2 (alternating
    closed-form updates: b_u = Σ (r - μ - b_i) / (n_u + user_l2), and the same for items)."""

    name = "baseline"

    def __init__(self, user_l2: float = 5.0, item_l2: float = 5.0, iterations: int = 8,
                 low: float = 1.0, high: float = 5.0):
        self.user_l2, self.item_l2, self.iterations, self.low, self.high = user_l2, item_l2, iterations, low, high

    def fit(self, triples: Triples, n_users: int, n_items: int) -> BiasBaseline:
        users, items, ratings = as_arrays(triples)
        return self.fit_arrays(users, items, ratings, n_users, n_items)

    def fit_arrays(self, users, items, ratings, n_users: int, n_items: int, mu: float | None = None) -> BiasBaseline:
        self.mu = float(ratings.mean()) if mu is None and len(ratings) else (3.0 if mu is None else mu)
        n_u = np.bincount(users, minlength=n_users).astype(float)
        n_i = np.bincount(items, minlength=n_items).astype(float)
        self.bu, self.bi = np.zeros(n_users), np.zeros(n_items)
        for _ in range(self.iterations):
            self.bi = np.bincount(items, ratings - self.mu - self.bu[users], minlength=n_items) / (n_i + self.item_l2)
            self.bu = np.bincount(users, ratings - self.mu - self.bi[items], minlength=n_users) / (n_u + self.user_l2)
        return self

    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        return np.clip(self.mu + self.bu[users] + self.bi[items], self.low, self.high)

    def fold_in(self, items: np.ndarray, ratings: np.ndarray) -> float:
        """The bias of a user not seen at fit time, from their ratings."""
        return float(np.sum(ratings - self.mu - self.bi[items]) / (len(items) + self.user_l2))


class BiasedMF:
    name = "biased-mf"

    def __init__(self, factors: int = 20, l2: float = 15.0, bias_l2: float = 5.0, iterations: int = 12,
                 seed: int = 7, low: float = 1.0, high: float = 5.0, item_bias_l2: float | None = None):
        self.factors, self.l2, self.bias_l2, self.iterations = factors, l2, bias_l2, iterations
        self.item_bias_l2 = bias_l2 if item_bias_l2 is None else item_bias_l2
        self.seed, self.low, self.high = seed, low, high

    def fit(self, triples: Triples, n_users: int, n_items: int) -> BiasedMF:
        users, items, ratings = as_arrays(triples)
        return self.fit_arrays(users, items, ratings, n_users, n_items)

    def fit_arrays(self, users, items, ratings, n_users: int, n_items: int, mu: float | None = None) -> BiasedMF:
        self.mu = float(ratings.mean()) if mu is None and len(ratings) else (3.0 if mu is None else mu)
        rng = np.random.default_rng(self.seed)
        k = self.factors
        self.P = rng.normal(0, 0.1, (n_users, k))  # overwritten by the first user step
        self.Q = rng.normal(0, 0.1, (n_items, k))
        self.bu, self.bi = np.zeros(n_users), np.zeros(n_items)
        by_user, user_order = _csr(users, items, n_users, n_items)
        by_item, item_order = _csr(items, users, n_items, n_users)
        n_u, n_i = np.bincount(users, minlength=n_users), np.bincount(items, minlength=n_items)
        self.rated = n_i > 0
        for _ in range(self.iterations):
            self.P, self.bu = ridge_rows(by_user, user_order, self.Q, ratings - self.mu - self.bi[items], n_u,
                                         self.l2, self.bias_l2)
            self.Q, self.bi = ridge_rows(by_item, item_order, self.P, ratings - self.mu - self.bu[users], n_i,
                                         self.l2, self.item_bias_l2)
        return self

    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        raw = self.mu + self.bu[users] + self.bi[items] + np.einsum("ij,ij->i", self.P[users], self.Q[items])
        return np.clip(raw, self.low, self.high)

    def fold_in(self, items: np.ndarray, ratings: np.ndarray) -> tuple[np.ndarray, float]:
        """Factors and bias of a user not seen at fit time, from their ratings: the same ridge
        regression as the user step of the fit."""
        return ridge_one(self.Q[items], ratings - self.mu - self.bi[items], self.l2, self.bias_l2)

    def predict_for(self, factors: np.ndarray, bias: float, items: np.ndarray) -> np.ndarray:
        return np.clip(self.mu + bias + self.bi[items] + self.Q[items] @ factors, self.low, self.high)


@contextlib.contextmanager
def blas_threads(n: int | None) -> Iterator[None]:
    """Run numpy's BLAS with n threads (None: leave it alone). These are many small products
    and solves, for which one thread is as fast as two on a quiet machine, and many times
    faster on a busy one."""
    if not n:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=n, user_api="blas"):
        yield


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run torch with n threads, then restore the setting (None: leave it alone). One thread is
    the default for fitting: these matrices are small, and two threads on a busy machine can be
    several times slower than one."""
    import torch

    before = torch.get_num_threads()
    if n:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@dataclass
class AutoRecFit:
    """A trained I-AutoRec, reduced to what prediction needs: item codes H (items × hidden),
    decoder rows V (users × hidden) and biases c (users); plus the validation curve."""

    H: np.ndarray
    V: np.ndarray
    c: np.ndarray
    rated: np.ndarray
    epochs: int
    curve: list[float] = field(default_factory=list)
    validation_predictions: np.ndarray | None = None

    def raw(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        return np.einsum("ij,ij->i", self.H[items], self.V[users]) + self.c[users]


def train_autorec(users: np.ndarray, items: np.ndarray, ratings: np.ndarray, n_users: int, n_items: int, *,
                  hidden: int, l2: float, epochs: int, batch_size: int = 256, learning_rate: float = 3e-3,
                  decay: float = 1.0, seed: int = 7, targets: np.ndarray | None = None,
                  validation: tuple[np.ndarray, ...] | None = None,
                  patience: int = 5, min_delta: float = 5e-4, min_epochs: int = 0,
                  low: float = 1.0, high: float = 5.0, threads: int | None = 1,
                  stop: threading.Event | None = None) -> AutoRecFit:
    """I-AutoRec by Adam over mini-batches of items, the learning rate × `decay` each epoch.
    The objective is the mean squared error over the batch's observed ratings
    + l2 / (2 N) (‖W‖² + ‖V‖²): the paper's Σ err² + λ/2 ‖W‖² with λ = l2, scaled by 1/N.

    The encoder reads the ratings; the decoder learns to output `targets` (default: the
    ratings; a baseline's residuals make the network a correction to that baseline).
    validation = (users, items, ratings, base, fallback): a prediction is base + output, or
    the fallback for items with no training rating. The validation RMSE is taken after every
    epoch; training stops once it has not improved by min_delta for `patience` epochs (never
    before min_epochs: the curve can rise for a few epochs early on and fall again), and the
    weights of the best epoch are kept. Without validation it trains exactly `epochs` epochs.
    Setting `stop` makes it raise FitStopped before the next epoch."""
    import torch

    with torch_threads(threads):
        torch.manual_seed(seed)
        generator = torch.Generator().manual_seed(seed)
        order = np.argsort(items, kind="stable")
        by_item_users = torch.from_numpy(users[order].astype(np.int64))
        by_item_ratings = torch.from_numpy(ratings[order].astype(np.float32))
        targets = ratings if targets is None else targets
        by_item_targets = torch.from_numpy(targets[order].astype(np.float32))
        indptr = np.searchsorted(items[order], np.arange(n_items + 1))
        counts = np.diff(indptr)
        encoder = torch.nn.EmbeddingBag(n_users, hidden, mode="sum")
        encoder_bias = torch.nn.Parameter(torch.empty(hidden))
        decoder = torch.nn.Linear(hidden, n_users)
        with torch.no_grad():  # nn.Linear's initialisation for the encoder too
            bound = 1 / np.sqrt(max(n_users, 1))
            encoder.weight.uniform_(-bound, bound)
            encoder_bias.uniform_(-bound, bound)
            # Each user's output bias starts at their mean rating (shrunk towards the global mean):
            # training starts from the user-mean predictor instead of from zero, and needs about
            # a third of the epochs.
            mu = float(targets.mean()) if len(targets) else 0.0
            sums, counts_u = np.bincount(users, targets, n_users), np.bincount(users, minlength=n_users)
            decoder.bias.copy_(torch.from_numpy(((sums + 3 * mu) / (counts_u + 3)).astype(np.float32)))
        weights = [encoder.weight, decoder.weight]
        optimiser = torch.optim.Adam([encoder.weight, encoder_bias, *decoder.parameters()], lr=learning_rate)
        penalty = l2 / (2 * max(1, len(ratings)))
        all_offsets = torch.from_numpy(indptr[:-1].astype(np.int64))

        def codes() -> np.ndarray:
            with torch.no_grad():
                return torch.sigmoid(encoder(by_item_users, all_offsets, per_sample_weights=by_item_ratings)
                                     + encoder_bias).numpy()

        def snapshot(epoch: int, curve: list[float], predictions=None) -> AutoRecFit:
            return AutoRecFit(codes().copy(), decoder.weight.detach().numpy().copy(),
                              decoder.bias.detach().numpy().copy(), counts > 0, epoch, curve, predictions)

        best: AutoRecFit | None = None
        best_rmse, curve = np.inf, []
        for epoch in range(1, epochs + 1):
            check_stop(stop)
            for group in optimiser.param_groups:
                group["lr"] = learning_rate * decay ** (epoch - 1)
            permutation = torch.randperm(n_items, generator=generator).numpy()
            for start in range(0, n_items, batch_size):
                rows = permutation[start : start + batch_size]
                rows = rows[counts[rows] > 0]
                if len(rows) == 0:
                    continue
                flat, offsets, lengths = _segments(indptr, rows)
                flat_t = torch.from_numpy(flat)
                batch_users, batch_ratings = by_item_users[flat_t], by_item_ratings[flat_t]
                batch_targets = by_item_targets[flat_t]
                h = torch.sigmoid(encoder(batch_users, torch.from_numpy(offsets), per_sample_weights=batch_ratings)
                                  + encoder_bias)
                # The decoder is dense over users (one GEMM); the loss keeps the observed cells.
                out = decoder(h)
                batch_rows = torch.from_numpy(np.repeat(np.arange(len(rows)), lengths))
                errors = out[batch_rows, batch_users] - batch_targets
                loss = errors.pow(2).mean() + penalty * sum(w.pow(2).sum() for w in weights)
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
            if validation is None:
                continue
            v_users, v_items, v_ratings, base, fallback = validation
            fit = snapshot(epoch, curve)
            predictions = np.clip(np.where(fit.rated[v_items], base + fit.raw(v_users, v_items), fallback), low, high)
            rmse = float(np.sqrt(np.mean((predictions - v_ratings) ** 2)))
            curve.append(rmse)
            if rmse < best_rmse - min_delta:
                best_rmse, best = rmse, fit
                best.validation_predictions = predictions
            elif best is None or not np.isfinite(rmse) or (epoch >= min_epochs and epoch - best.epochs >= patience):
                break
        if best is None:
            best = snapshot(epochs, curve)
        best.curve = curve
        return best


def _segments(indptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions of the given rows' entries in a CSR-ordered array, their bag offsets and lengths."""
    starts = indptr[rows]
    lengths = indptr[rows + 1] - starts
    offsets = np.cumsum(lengths) - lengths
    flat = np.arange(int(lengths.sum())) - np.repeat(offsets, lengths) + np.repeat(starts, lengths)
    return flat.astype(np.int64), offsets.astype(np.int64), lengths


class AutoRec:
    """I-AutoRec with fixed settings. `l2` is per batch of items, as in the first version:
    the penalty is λ/2 ‖W‖² with λ = l2 × batch_size (see `train_autorec`)."""

    name = "autorec"

    def __init__(self, hidden: int = 500, l2: float = 1.0, epochs: int = 40, batch_size: int = 128,
                 learning_rate: float = 1e-3, seed: int = 7, low: float = 1.0, high: float = 5.0,
                 threads: int | None = 1):
        self.hidden, self.l2, self.epochs, self.batch_size = hidden, l2, epochs, batch_size
        self.learning_rate, self.seed, self.low, self.high, self.threads = learning_rate, seed, low, high, threads

    def fit(self, triples: Triples, n_users: int, n_items: int) -> AutoRec:
        users, items, ratings = as_arrays(triples)
        self.fitted = train_autorec(users, items, ratings, n_users, n_items, hidden=self.hidden,
                                    l2=self.l2 * self.batch_size, epochs=self.epochs, batch_size=self.batch_size,
                                    learning_rate=self.learning_rate, seed=self.seed, threads=self.threads)
        self.rated = self.fitted.rated
        self.mu = float(ratings.mean()) if len(ratings) else 3.0
        return self

    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        raw = np.where(self.rated[items], self.fitted.raw(users, items), self.mu)
        return np.clip(raw, self.low, self.high)


class BlendedRating:
    """The mean of BiasedMF and AutoRec with fixed settings; items nobody rated fall back to
    BiasedMF's biases. Kept for the first version's callers; `RatingModel` tunes and blends."""

    name = "biased-mf + autorec"

    def __init__(self, seed: int = 7, **autorec_options):
        self.mf, self.autorec = BiasedMF(seed=seed), AutoRec(seed=seed, **autorec_options)

    def fit(self, triples: Triples, n_users: int, n_items: int) -> BlendedRating:
        self.mf.fit(triples, n_users, n_items)
        self.autorec.fit(triples, n_users, n_items)
        return self

    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        mf = self.mf.predict(users, items)
        return np.where(self.autorec.rated[items], (mf + self.autorec.predict(users, items)) / 2, mf)
