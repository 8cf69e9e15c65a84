"""Offline evaluation: seeded per-user splits, top-N metrics and rating error, model by model.

Protocol: each user's interactions are split 80/20 at random (seeded), or ML-100K's own
u1.base/u1.test; models are fitted on the training part; for each user with test items,
the top-k unseen items are compared with the user's held-out items (every held-out item
counts as relevant: "what will they watch next"). Catalog coverage is the share of items
that appear in anyone's top-k.
"""

from __future__ import annotations

import math
import random
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chatrec_agent.catalog import Catalog, Interaction
from chatrec_agent.catalog.filters import SearchFilter
from chatrec_agent.errors import CatalogError, ChatrecError
from chatrec_agent.recommender import Dataset, UserState, make_model
from chatrec_agent.recommender.hybrid import HybridRecommender
from chatrec_agent.recommender.rating_model import RatingModel

Progress = Callable[[str, int, int], None]


@dataclass
class Split:
    train: list[Interaction]
    test: list[Interaction]
    name: str


def split_per_user(interactions: Sequence[Interaction], test_fraction: float = 0.2, seed: int = 42) -> Split:
    by_user: dict[str, list[Interaction]] = defaultdict(list)
    for i in interactions:
        by_user[i.user_id].append(i)
    rng = random.Random(seed)
    train, test = [], []
    for user in sorted(by_user):
        rows = sorted(by_user[user], key=lambda i: (i.item_id, i.timestamp))
        rng.shuffle(rows)
        n_test = int(round(len(rows) * test_fraction)) if len(rows) >= 2 else 0
        test.extend(rows[:n_test])
        train.extend(rows[n_test:])
    return Split(train, test, f"random per-user {1 - test_fraction:.0%}/{test_fraction:.0%} (seed {seed})")


def movielens_u1_split(folder: Path, catalog: Catalog) -> Split:
    def read(name: str) -> list[Interaction]:
        path = folder / name
        if not path.is_file():
            raise CatalogError("file not found; the u1 split needs the full ml-100k folder.", path)
        out = []
        for line in path.read_text(encoding="latin-1").splitlines():
            user, item, rating, ts = line.split("\t")
            if item in catalog:
                out.append(Interaction(user, item, float(rating), int(ts)))
        return out

    return Split(read("u1.base"), read("u1.test"), "MovieLens u1.base/u1.test")


def ranking_metrics(recommended: Sequence[str], relevant: set[str], k: int) -> tuple[float, float, float, float]:
    """(precision, recall, NDCG, hit) at k for one user."""
    top = list(recommended)[:k]
    gains = [1.0 if item in relevant else 0.0 for item in top]
    hits = sum(gains)
    dcg = sum(g / math.log2(rank + 2) for rank, g in enumerate(gains))
    ideal = sum(1.0 / math.log2(rank + 2) for rank in range(min(len(relevant), k)))
    return hits / k, hits / len(relevant), (dcg / ideal if ideal else 0.0), 1.0 if hits else 0.0


def item_vectors(catalog: Catalog, dataset: Dataset, embedder) -> np.ndarray:
    return embedder.encode([catalog[item_id].document() for item_id in dataset.item_ids])


def evaluate_ranking(
    catalog: Catalog, split: Split, models: Sequence[str], ks: Sequence[int],
    embedder=None, progress: Progress | None = None,
) -> dict[str, dict]:
    dataset = Dataset(split.train, list(catalog.items.values()))
    train_by_user: dict[str, list[Interaction]] = defaultdict(list)
    for i in split.train:
        train_by_user[i.user_id].append(i)
    test_by_user: dict[str, set[str]] = defaultdict(set)
    for i in split.test:
        test_by_user[i.user_id].add(i.item_id)
    users = sorted(u for u in test_by_user if u in train_by_user)
    vectors = None
    results: dict[str, dict] = {}
    k_max = max(ks)
    for name in models:
        model = make_model(name, n_items=dataset.n_items)
        if isinstance(model, HybridRecommender):
            if embedder is None:
                raise ValueError("the hybrid model needs an embedder for item vectors")
            vectors = item_vectors(catalog, dataset, embedder) if vectors is None else vectors
            model.set_vectors(vectors)
        started = time.perf_counter()
        model.fit(dataset)
        fit_s = time.perf_counter() - started
        sums = {k: np.zeros(4) for k in ks}
        shown = {k: set() for k in ks}
        latencies = []
        for n, user in enumerate(users):
            state = UserState.from_interactions(user, train_by_user[user])
            started = time.perf_counter()
            recs = model.recommend(state, k=k_max)
            latencies.append((time.perf_counter() - started) * 1000)
            ids = [r.item_id for r in recs]
            for k in ks:
                sums[k] += ranking_metrics(ids, test_by_user[user], k)
                shown[k].update(ids[:k])
            if progress and (n % 50 == 0 or n == len(users) - 1):
                progress(name, n + 1, len(users))
        row: dict = {"fit_s": round(fit_s, 3), "users": len(users),
                     "recommend_ms_p50": round(float(np.percentile(latencies, 50)), 3),
                     "recommend_ms_p95": round(float(np.percentile(latencies, 95)), 3)}
        for k in ks:
            p, r, ndcg, hit = sums[k] / max(len(users), 1)
            row.update({f"precision@{k}": round(p, 4), f"recall@{k}": round(r, 4), f"ndcg@{k}": round(ndcg, 4),
                        f"hit_rate@{k}": round(hit, 4), f"coverage@{k}": round(len(shown[k]) / dataset.n_items, 4)})
        results[name] = row
    return results


def evaluate_cold_start(
    catalog: Catalog, interactions: Sequence[Interaction], models: Sequence[str], k: int = 10, seed: int = 42,
    embedder=None, cold_fraction: float = 0.1, new_user_history: int = 3,
) -> dict[str, dict]:
    """Two cold-start scenarios, per model.

    cold items: a seeded 10% of the interacted items lose all their interactions in training
    (as if just added to the catalog); each user's "new arrivals" shelf ranks only those items,
    and recall/hit rate@k count the user's real interactions with them. new users: users keep only `new_user_history` training items (a few feedback
    clicks); precision/NDCG@k of the rest, as in evaluate_ranking.
    """
    rng = random.Random(seed)
    interacted = sorted({i.item_id for i in interactions})
    cold = set(rng.sample(interacted, max(1, int(len(interacted) * cold_fraction))))
    train = [i for i in interactions if i.item_id not in cold]
    held: dict[str, set[str]] = defaultdict(set)
    for i in interactions:
        if i.item_id in cold:
            held[i.user_id].add(i.item_id)
    by_user: dict[str, list[Interaction]] = defaultdict(list)
    for i in interactions:
        by_user[i.user_id].append(i)
    new_users = {u: sorted(rows, key=lambda i: i.timestamp) for u, rows in by_user.items() if len(rows) >= new_user_history + 5}
    dataset = Dataset(train, list(catalog.items.values()))
    full = Dataset(interactions, list(catalog.items.values()))
    vectors = None
    out: dict[str, dict] = {}
    for name in models:
        row: dict = {}
        for scenario, data in (("cold_items", dataset), ("new_users", full)):
            model = make_model(name, n_items=data.n_items)
            if isinstance(model, HybridRecommender):
                vectors = item_vectors(catalog, data, embedder) if vectors is None else vectors
                model.set_vectors(vectors)
            if scenario == "new_users":
                # Fit without the new users' later interactions, then fold in their first few.
                kept = [i for i in interactions if i.user_id not in new_users]
                kept += [i for rows in new_users.values() for i in rows[:new_user_history]]
                data = Dataset(kept, list(catalog.items.values()))
            model.fit(data)
            totals = np.zeros(4)
            users = 0
            if scenario == "cold_items":
                shelf = SearchFilter(exclude_ids=frozenset(i for i in catalog.items if i not in cold))
                for user, items in held.items():
                    train_rows = [i for i in by_user[user] if i.item_id not in cold]
                    if not train_rows:
                        continue
                    state = UserState.from_interactions(user, train_rows)
                    ids = [r.item_id for r in model.recommend(state, k=k, filters=shelf)]
                    totals += ranking_metrics(ids, items, k)
                    users += 1
                row.update({f"cold_recall@{k}": round(totals[1] / max(users, 1), 4),
                            f"cold_hit_rate@{k}": round(totals[3] / max(users, 1), 4)})
            else:
                for user, rows in new_users.items():
                    state = UserState.from_interactions(user, rows[:new_user_history])
                    relevant = {i.item_id for i in rows[new_user_history:]}
                    totals += ranking_metrics([r.item_id for r in model.recommend(state, k=k)], relevant, k)
                    users += 1
                row.update({f"new_user_precision@{k}": round(totals[0] / max(users, 1), 4),
                            f"new_user_ndcg@{k}": round(totals[2] / max(users, 1), 4)})
        out[name] = row
    return out


def evaluate_rating(catalog: Catalog, split: Split, seed: int = 7) -> dict:
    """RMSE/MAE of the tuned rating model (`RatingModel`: settings chosen by validation inside
    the training part), of each of its parts, and of the user-mean baseline beside them.
    A part's RMSE is None when the chosen model does without it."""
    train = [i for i in split.train if i.rating is not None]
    test = [i for i in split.test if i.rating is not None]
    if not train or not test:
        return {}
    users = {u: n for n, u in enumerate(sorted({i.user_id for i in train}))}
    items = {item_id: n for n, item_id in enumerate(catalog.items)}
    started = time.perf_counter()
    model = RatingModel.fit([(users[i.user_id], items[i.item_id], i.rating) for i in train], len(users), len(items),
                            seed=seed)
    fit_s = time.perf_counter() - started
    known = [i for i in test if i.user_id in users]
    truth = np.array([i.rating for i in known])
    u = np.array([users[i.user_id] for i in known], dtype=np.int64)
    v = np.array([items[i.item_id] for i in known], dtype=np.int64)
    predicted = model.predict(u, v)
    parts = model.predict_parts(u, v)
    means: dict[str, list[float]] = defaultdict(list)
    for i in train:
        means[i.user_id].append(i.rating)
    baseline = np.array([np.mean(means[i.user_id]) for i in known])

    def rmse(p: np.ndarray | None) -> float | None:
        return None if p is None else round(float(np.sqrt(np.mean((p - truth) ** 2))), 4)

    return {
        "model": f"tuned: {model.chosen['model']}", "fit_s": round(fit_s, 3), "ratings": len(known),
        "rmse": rmse(predicted), "mae": round(float(np.mean(np.abs(predicted - truth))), 4),
        "biases_rmse": rmse(parts["baseline"]), "biased_mf_rmse": rmse(parts.get("biased-mf")),
        "autorec_rmse": rmse(parts.get("autorec")), "user_mean_rmse": rmse(baseline),
        "chosen": {k: val for k, val in model.chosen.items() if k != "candidates"},
    }


REFERENCES = {
    "Chat-REC (ML-100K, with an LLM)": {"precision@5": 0.3240, "ndcg@5": 0.3802, "rmse": 0.785},
    "LightGCN (as reported by Chat-REC)": {"precision@5": 0.3030, "ndcg@5": 0.3425},
}


def run_evaluation(
    dataset: str, path: Path | None, models: Sequence[str], ks: Sequence[int], split_name: str, seed: int,
    test_fraction: float, settings, console=None,
) -> dict:
    """Load a dataset, split it, evaluate every model and the rating model; one report dict."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from chatrec_agent.catalog.load import load_catalog
    from chatrec_agent.recommender import MODELS
    from chatrec_agent.search.embeddings import Embedder
    from chatrec_agent.settings import CatalogSettings

    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise ChatrecError(f"Unknown model(s) {', '.join(unknown)}; choose from {', '.join(MODELS)}.")
    if dataset not in ("movielens-100k", "movielens-csv", "demo"):
        raise ChatrecError(f"Unknown dataset '{dataset}'; use movielens-100k, movielens-csv or demo.")
    if dataset != "demo" and path is None:
        raise ChatrecError(f"--path is required for {dataset} (the folder with its files).")
    catalog = load_catalog(CatalogSettings(format=dataset, path=path))
    if split_name == "u1":
        if dataset != "movielens-100k":
            raise ChatrecError("The u1 split exists only for movielens-100k.")
        split = movielens_u1_split(path, catalog)
    elif split_name == "random":
        split = split_per_user(catalog.interactions, test_fraction, seed)
    else:
        raise ChatrecError(f"Unknown split '{split_name}'; use random or u1.")
    embedder = Embedder(settings.embeddings) if "hybrid" in models else None
    if console is None:
        from rich.console import Console

        console = Console(stderr=True)  # stdout stays clean for JSON
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("Evaluating", total=None)

        def progress(model: str, done: int, total: int) -> None:
            bar.update(task, description=f"Evaluating {model}", completed=done, total=total)

        results = evaluate_ranking(catalog, split, models, ks, embedder, progress)
        bar.update(task, description="Cold-start scenarios", completed=0, total=None)
        cold = evaluate_cold_start(catalog, split.train, models, max(ks), seed, embedder)
    return {
        "dataset": dataset, "split": split.name, "k": list(ks),
        "users": len({i.user_id for i in split.test}), "items": len(catalog),
        "train_interactions": len(split.train), "test_interactions": len(split.test),
        "models": results, "cold_start": cold, "rating": evaluate_rating(catalog, split), "references": REFERENCES,
    }
