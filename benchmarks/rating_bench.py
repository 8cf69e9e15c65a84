"""Rating benchmark: the tuned rating model against simple baselines, on MovieLens-format data.

For each dataset and seed, a per-user 80/20 split (`split_per_user`); on the test ratings of
users seen in training: RMSE/MAE of the global mean, the user mean, the item mean, the biases
baseline (μ + b_u + b_i, λ = 5), the tuned `RatingModel` (settings chosen by validation
inside the training part), and the tuned model's fold-in (each test user treated as a new
person described only by their training ratings, `predict_for_history`); fit time and the
chosen settings. Then the mean over seeds.

Datasets: ML-100K when --movielens names its folder, and always a synthetic MovieLens
(ml-latest CSV layout, half-star ratings from 0.5 to 5) of another shape, generated into a
temporary folder, to show that the chosen settings follow the data.

    python benchmarks/rating_bench.py --movielens ../shared/datasets/ml-100k
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from chatrec_agent.catalog.load import load_catalog
from chatrec_agent.recommender.evaluate import split_per_user
from chatrec_agent.recommender.rating import BiasBaseline
from chatrec_agent.recommender.rating_model import RatingModel
from chatrec_agent.settings import CatalogSettings


def write_synthetic_movielens(folder: Path, users: int = 500, items: int = 3000, seed: int = 0) -> Path:
    """A MovieLens (ml-latest CSV) dataset unlike ML-100K: fewer people, more films, half-star
    ratings skewed high, a Zipf popularity curve and lognormal activity. Tastes are low-rank
    with a non-linear squash, plus person and film biases and noise."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    genres = ["Action", "Comedy", "Drama", "Horror", "Romance", "Sci-Fi", "Documentary", "Animation"]
    k = 6
    p = rng.normal(0, 1, (users, k))
    q = rng.normal(0, 1, (items, k)) / np.sqrt(k)
    user_bias = rng.normal(0, 0.45, users)
    item_bias = rng.normal(0, 0.5, items)
    popularity = 1.0 / np.arange(1, items + 1) ** 0.9
    popularity = popularity[rng.permutation(items)]
    popularity /= popularity.sum()
    activity = np.clip(rng.lognormal(3.6, 0.9, users).astype(int), 8, items // 3)
    rows = ["userId,movieId,rating,timestamp"]
    for u in range(users):
        seen = rng.choice(items, size=activity[u], replace=False, p=popularity)
        taste = np.tanh(q[seen] @ p[u]) * 1.2
        raw = 3.7 + user_bias[u] + item_bias[seen] + taste + rng.normal(0, 0.45, len(seen))
        stars = np.clip(np.round(raw * 2) / 2, 0.5, 5.0)
        rows += [f"{u + 1},{i + 1},{s:.1f},{1_500_000_000 + u * 1000 + n}"
                 for n, (i, s) in enumerate(zip(seen, stars))]
    (folder / "ratings.csv").write_text("\n".join(rows) + "\n")
    movies = ["movieId,title,genres"] + [
        f"{i + 1},Synthetic Film {i + 1} ({1950 + i % 70}),{'|'.join(sorted(set(rng.choice(genres, 2))))}"
        for i in range(items)
    ]
    (folder / "movies.csv").write_text("\n".join(movies) + "\n")
    return folder


def evaluate(catalog, seed: int) -> dict:
    split = split_per_user(catalog.interactions, 0.2, seed)
    train = [i for i in split.train if i.rating is not None]
    users = {u: n for n, u in enumerate(sorted({i.user_id for i in train}))}
    items = {item_id: n for n, item_id in enumerate(catalog.items)}
    triples = np.array([(users[i.user_id], items[i.item_id], i.rating) for i in train])
    test = [i for i in split.test if i.rating is not None and i.user_id in users]
    tu = np.array([users[i.user_id] for i in test])
    ti = np.array([items[i.item_id] for i in test])
    truth = np.array([i.rating for i in test])
    u, i, r = triples[:, 0].astype(int), triples[:, 1].astype(int), triples[:, 2]
    mu = float(r.mean())
    user_mean = np.bincount(u, r, len(users)) / np.maximum(np.bincount(u, minlength=len(users)), 1)
    item_count = np.bincount(i, minlength=len(items))
    item_mean = np.where(item_count > 0, np.bincount(i, r, len(items)) / np.maximum(item_count, 1), mu)
    low, high = float(r.min()), float(r.max())
    baseline = BiasBaseline(5.0, 5.0, low=low, high=high).fit(triples, len(users), len(items))
    started = time.perf_counter()
    model = RatingModel.fit(triples, len(users), len(items), seed=seed)
    fit_s = time.perf_counter() - started
    predicted = model.predict(tu, ti)
    history: dict[int, dict[int, float]] = defaultdict(dict)
    for a, b, c in zip(u, i, r):
        history[a][b] = c
    started = time.perf_counter()
    folded = np.empty(len(test))
    by_user: dict[int, list[int]] = defaultdict(list)
    for n, a in enumerate(tu):
        by_user[a].append(n)
    for a, rows in by_user.items():
        folded[rows] = model.predict_for_history(history[a], ti[rows])
    fold_in_ms = (time.perf_counter() - started) * 1000 / max(len(by_user), 1)

    def scores(p: np.ndarray) -> dict:
        return {"rmse": round(float(np.sqrt(np.mean((p - truth) ** 2))), 4),
                "mae": round(float(np.mean(np.abs(p - truth))), 4)}

    chosen = {k: v for k, v in model.chosen.items() if k != "candidates"}
    return {
        "split": split.name, "train_ratings": len(train), "test_ratings": len(test),
        "users": len(users), "items": len(items),
        "global_mean": scores(np.full(len(truth), mu)), "user_mean": scores(user_mean[tu]),
        "item_mean": scores(item_mean[ti]), "biases_baseline": scores(baseline.predict(tu, ti)),
        "tuned": {**scores(predicted), "fit_s": round(fit_s, 2)},
        "tuned_fold_in": {**scores(folded), "ms_per_user": round(fold_in_ms, 3)},
        "chosen": chosen,
        # (part, settings, validation RMSE, seconds); the 16 baseline shrinkage pairs are left out
        "candidates": [(c["part"], c["settings"], c["validation_rmse"], c.get("fit_s"))
                       for c in model.chosen["candidates"] if c["part"] != "baseline"],
    }


def summarise(runs: list[dict]) -> dict:
    out = {}
    for key in ("global_mean", "user_mean", "item_mean", "biases_baseline", "tuned", "tuned_fold_in"):
        out[key] = {m: round(statistics.mean(r[key][m] for r in runs), 4) for m in ("rmse", "mae")}
    fits = [r["tuned"]["fit_s"] for r in runs]
    out["tuned"].update(fit_s=round(statistics.mean(fits), 2), fit_s_min=min(fits), fit_s_max=max(fits))
    out["tuned_vs_user_mean_rmse"] = round(out["tuned"]["rmse"] / out["user_mean"]["rmse"] - 1, 4)
    out["tuned_vs_biases_rmse"] = round(out["tuned"]["rmse"] / out["biases_baseline"]["rmse"] - 1, 4)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--movielens", type=Path, help="the ml-100k folder (u.data, u.item, u.genre)")
    parser.add_argument("--seeds", default="42,1,2")
    parser.add_argument("--no-synthetic", action="store_true", help="skip the synthetic dataset")
    args = parser.parse_args()
    import torch  # noqa: F401  (imported before timing: the bot has it loaded already)

    seeds = [int(s) for s in args.seeds.split(",")]
    load_before = os.getloadavg()
    datasets = {}
    with tempfile.TemporaryDirectory() as tmp:
        if args.movielens:
            datasets["ml-100k"] = load_catalog(CatalogSettings(format="movielens-100k", path=args.movielens))
        if not args.no_synthetic:
            folder = write_synthetic_movielens(Path(tmp) / "synthetic")
            datasets["synthetic (ml-latest layout, 500 users × 3000 films, half stars)"] = load_catalog(
                CatalogSettings(format="movielens-csv", path=folder))
        report = {}
        for name, catalog in datasets.items():
            runs = {f"seed {seed}": evaluate(catalog, seed) for seed in seeds}
            report[name] = {"mean_over_seeds": summarise(list(runs.values())), "runs": runs}
    machine = {"cpus": os.cpu_count(), "fit_threads": 1, "load_average_1m_before": round(load_before[0], 2),
               "load_average_1m_after": round(os.getloadavg()[0], 2)}
    json.dump({"machine": machine, "datasets": report}, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
