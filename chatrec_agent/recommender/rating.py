"""Rating prediction (RMSE/MAE): biased matrix factorisation, an item-based autoencoder
(I-AutoRec) and their average, which beats either alone.

BiasedMF: r̂(u, i) = μ + b_u + b_i + p_u·q_i, fitted by alternating ridge regressions (each
user's [p_u, b_u] given the items, then each item's [q_i, b_i] given the users).
AutoRec (Sedhain et al., WWW 2015): each item's vector of ratings over users is
reconstructed through a 500-unit sigmoid layer, the loss counting only observed ratings.
The two err differently (a linear low-rank model vs. a non-linear one), so their mean is
better than both. All deterministic for a seed, seconds on MovieLens-100K.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class BiasedMF:
    name = "biased-mf"

    def __init__(self, factors: int = 20, l2: float = 15.0, bias_l2: float = 5.0, iterations: int = 12,
                 seed: int = 7, low: float = 1.0, high: float = 5.0):
        self.factors, self.l2, self.bias_l2, self.iterations = factors, l2, bias_l2, iterations
        self.seed, self.low, self.high = seed, low, high

    def fit(self, triples: Sequence[tuple[int, int, float]], n_users: int, n_items: int) -> BiasedMF:
        users = np.fromiter((t[0] for t in triples), dtype=np.int64, count=len(triples))
        items = np.fromiter((t[1] for t in triples), dtype=np.int64, count=len(triples))
        ratings = np.fromiter((t[2] for t in triples), dtype=np.float64, count=len(triples))
        self.mu = float(ratings.mean()) if len(ratings) else 3.0
        rng = np.random.default_rng(self.seed)
        k = self.factors
        self.P = rng.normal(0, 0.1, (n_users, k))
        self.Q = rng.normal(0, 0.1, (n_items, k))
        self.bu = np.zeros(n_users)
        self.bi = np.zeros(n_items)
        by_user = _group(users, n_users)
        by_item = _group(items, n_items)
        for _ in range(self.iterations):
            for u, rows in enumerate(by_user):
                if len(rows):
                    self.P[u], self.bu[u] = self._solve(self.Q[items[rows]], ratings[rows] - self.mu - self.bi[items[rows]])
            for i, rows in enumerate(by_item):
                if len(rows):
                    self.Q[i], self.bi[i] = self._solve(self.P[users[rows]], ratings[rows] - self.mu - self.bu[users[rows]])
        return self

    def _solve(self, F: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, float]:
        """Ridge regression of target on [F, 1]: the factor vector and the bias."""
        A = np.hstack([F, np.ones((len(F), 1))])
        reg = np.full(A.shape[1], self.l2)
        reg[-1] = self.bias_l2
        solution = np.linalg.solve(A.T @ A + np.diag(reg), A.T @ target)
        return solution[:-1], float(solution[-1])

    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        raw = self.mu + self.bu[users] + self.bi[items] + np.einsum("ij,ij->i", self.P[users], self.Q[items])
        return np.clip(raw, self.low, self.high)

    def fold_in(self, items: np.ndarray, ratings: np.ndarray) -> tuple[np.ndarray, float]:
        """Factors and bias of a user not seen at fit time, from their ratings."""
        if len(items) == 0:
            return np.zeros(self.factors), 0.0
        return self._solve(self.Q[items], ratings - self.mu - self.bi[items])

    def predict_for(self, factors: np.ndarray, bias: float, items: np.ndarray) -> np.ndarray:
        return np.clip(self.mu + bias + self.bi[items] + self.Q[items] @ factors, self.low, self.high)


def _group(keys: np.ndarray, n: int) -> list[np.ndarray]:
    order = np.argsort(keys, kind="stable")
    bounds = np.searchsorted(keys[order], np.arange(n + 1))
    return [order[bounds[j] : bounds[j + 1]] for j in range(n)]


class AutoRec:
    name = "autorec"

    def __init__(self, hidden: int = 500, l2: float = 1.0, epochs: int = 40, batch_size: int = 128,
                 learning_rate: float = 1e-3, seed: int = 7, low: float = 1.0, high: float = 5.0):
        self.hidden, self.l2, self.epochs, self.batch_size = hidden, l2, epochs, batch_size
        self.learning_rate, self.seed, self.low, self.high = learning_rate, seed, low, high

    def fit(self, triples: Sequence[tuple[int, int, float]], n_users: int, n_items: int) -> AutoRec:
        import torch

        users = np.fromiter((t[0] for t in triples), dtype=np.int64, count=len(triples))
        items = np.fromiter((t[1] for t in triples), dtype=np.int64, count=len(triples))
        ratings = np.fromiter((t[2] for t in triples), dtype=np.float32, count=len(triples))
        generator = torch.Generator().manual_seed(self.seed)
        torch.manual_seed(self.seed)
        R = torch.zeros(n_items, n_users)
        M = torch.zeros(n_items, n_users)
        R[items, users] = torch.from_numpy(ratings)
        M[items, users] = 1.0
        encoder, decoder = torch.nn.Linear(n_users, self.hidden), torch.nn.Linear(self.hidden, n_users)
        weights = [encoder.weight, decoder.weight]
        optimiser = torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=self.learning_rate)
        # The L2 penalty is spread over the ratings, so each batch carries its share of it.
        share = self.l2 / 2 * self.batch_size / max(1, len(ratings))
        for _ in range(self.epochs):
            order = torch.randperm(n_items, generator=generator)
            for start in range(0, n_items, self.batch_size):
                rows = order[start : start + self.batch_size]
                x, m = R[rows], M[rows]
                out = decoder(torch.sigmoid(encoder(x)))
                loss = ((out - x) ** 2 * m).sum() / m.sum().clamp(min=1) + share * sum(w.pow(2).sum() for w in weights)
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
        with torch.no_grad():
            self.reconstruction = decoder(torch.sigmoid(encoder(R))).numpy()  # items × users
        self.rated = M.sum(dim=1).numpy() > 0
        self.mu = float(ratings.mean()) if len(ratings) else 3.0
        return self

    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        raw = np.where(self.rated[items], self.reconstruction[items, users], self.mu)
        return np.clip(raw, self.low, self.high)


class BlendedRating:
    """The mean of BiasedMF and AutoRec; items nobody rated fall back to BiasedMF's biases."""

    name = "biased-mf + autorec"

    def __init__(self, seed: int = 7, **autorec_options):
        self.mf, self.autorec = BiasedMF(seed=seed), AutoRec(seed=seed, **autorec_options)

    def fit(self, triples: Sequence[tuple[int, int, float]], n_users: int, n_items: int) -> BlendedRating:
        self.mf.fit(triples, n_users, n_items)
        self.autorec.fit(triples, n_users, n_items)
        return self

    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        mf = self.mf.predict(users, items)
        return np.where(self.autorec.rated[items], (mf + self.autorec.predict(users, items)) / 2, mf)

