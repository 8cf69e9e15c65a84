"""'Like X' benchmark: how X's neighbourhood looks, and whether collaborative signal still counts.

For a sample of seeds X on one catalog (the demo by default), with the default hybrid model:

- genre_share@10: the share of X's top-10 "like X" items that share at least one genre with X
  (the model fitted on all interactions, as a person would see it); also for the 100 most
  rated items, the ones people name most;
- coliked_precision@10 / coliked_hit_rate@10: with a fifth of the interactions held out and
  the model fitted on the rest, the share of X's top 10 that X's fans liked in the held-out
  part, and the share of seeds with at least one such item. Beside them, the same figures
  for collaborative neighbours alone (EASE) and embedding neighbours alone (cosine),
  so a blend that just turns CF off where it is good shows up.

    python benchmarks/like_bench.py                                   # the demo catalog
    python benchmarks/like_bench.py --movielens-csv ../shared/datasets/ml-latest-small
    python benchmarks/like_bench.py --movielens ../shared/datasets/ml-100k
    python benchmarks/like_bench.py --show "Pulp Fiction" --show Interstellar

Item embeddings take minutes on a large catalog; --cache DIR keeps them between runs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

from chatrec_agent.catalog.load import load_catalog
from chatrec_agent.catalog.filters import SearchFilter
from chatrec_agent.recommender import Dataset, UserState, make_model
from chatrec_agent.search.embeddings import Embedder
from chatrec_agent.settings import CatalogSettings, EmbeddingSettings

TOP = 10


def item_vectors(items, cache: Path | None) -> np.ndarray:
    documents = [item.document() for item in items]
    key = hashlib.blake2b("\n".join(documents).encode(), digest_size=8).hexdigest()
    path = cache / f"vectors-{key}.npy" if cache else None
    if path is not None and path.is_file():
        return np.load(path)
    vectors = Embedder(EmbeddingSettings()).encode(documents)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
    return vectors


def fitted(name: str, interactions, items, vectors: np.ndarray):
    dataset = Dataset(interactions, items)
    model = make_model(name, n_items=dataset.n_items)
    if model.uses_content:
        model.set_vectors(vectors)
    started = time.perf_counter()
    model.fit(dataset)
    return model, time.perf_counter() - started


def like_lists(model, seeds: list[str]) -> dict[str, list[str]]:
    return {s: [r.item_id for r in model.similar_items([s], k=TOP)] for s in seeds}


def content_lists(vectors: np.ndarray, ids: list[str], seeds: list[str]) -> dict[str, list[str]]:
    position = {i: n for n, i in enumerate(ids)}
    out = {}
    for s in seeds:
        sims = vectors @ vectors[position[s]]
        sims[position[s]] = -np.inf
        out[s] = [ids[j] for j in np.argsort(-sims)[:TOP]]
    return out


def genre_share(lists: dict[str, list[str]], items) -> float:
    shares = [np.mean([bool(set(items[j].genres) & set(items[s].genres)) for j in top])
              for s, top in lists.items() if top and items[s].genres]
    return round(float(np.mean(shares)), 4) if shares else float("nan")


OTHER_GENRES = ("Comedy", "Horror", "Romance", "Animation", "Drama", "Western")


def other_kind_share(model, seeds: list[str], items) -> float:
    shares = []
    for s in seeds:
        kind = set(items[s].genres)
        other = next((g for g in OTHER_GENRES if g not in kind), None)
        picks = [r.item_id for r in model.recommend(UserState("bench"), k=5, filters=SearchFilter(genres=(other,)), like_items=[s])]
        if other and picks:
            shares.append(np.mean([bool(set(items[p].genres) & kind) for p in picks]))
    return round(float(np.mean(shares)), 4) if shares else float("nan")


def coliked(lists: dict[str, list[str]], targets: dict[str, set[str]]) -> dict[str, float]:
    hits = [len(set(top) & targets[s]) for s, top in lists.items()]
    return {"coliked_precision@10": round(float(np.mean(hits)) / TOP, 4),
            "coliked_hit_rate@10": round(float(np.mean([h > 0 for h in hits])), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--movielens-csv", type=Path, help="a folder with movies.csv and ratings.csv")
    source.add_argument("--movielens", type=Path, help="the ml-100k folder")
    parser.add_argument("--seeds", type=int, default=300, help="how many seed items X to sample")
    parser.add_argument("--random-seed", type=int, default=42)
    parser.add_argument("--cache", type=Path, help="a folder to keep item embeddings in")
    parser.add_argument("--show", action="append", default=[], help="a title whose like-X list to print")
    args = parser.parse_args()
    if args.movielens_csv:
        settings = CatalogSettings(format="movielens-csv", path=args.movielens_csv)
    elif args.movielens:
        settings = CatalogSettings(format="movielens-100k", path=args.movielens)
    else:
        settings = CatalogSettings(format="demo")
    catalog = load_catalog(settings)
    items = list(catalog.items.values())
    ids = [item.id for item in items]
    vectors = item_vectors(items, args.cache)
    interactions = list(catalog.interactions)
    rng = np.random.default_rng(args.random_seed)

    # What people see: the model fitted on everything.
    full, fit_s = fitted("hybrid", interactions, items, vectors)
    rated = [i for i in ids if full.ds.item_popularity[full.ds.item_index[i]] > 0]
    sample = sorted(rng.choice(rated, size=min(args.seeds, len(rated)), replace=False).tolist())
    report: dict = {"catalog": catalog.source, "items": len(items), "interactions": len(interactions),
                    "seeds": len(sample), "fit_s": round(fit_s, 2)}
    if hasattr(full, "shrinkage"):
        report["like_shrinkage_k"] = full.shrinkage.state()["k"]
    started = time.perf_counter()
    shown = like_lists(full, sample)
    report["like_ms_per_seed"] = round(1000 * (time.perf_counter() - started) / max(1, len(sample)), 2)
    report["genre_share@10"] = {"hybrid": genre_share(shown, catalog.items),
                                "embedding_only": genre_share(content_lists(vectors, ids, sample), catalog.items)}
    ease, _ = fitted("ease", interactions, items, vectors)
    report["genre_share@10"]["cf_only"] = genre_share(like_lists(ease, sample), catalog.items)
    # The films people name are mostly the most rated ones, whose collaborative neighbours are
    # the catalog's blockbusters whatever X is: their figure apart.
    popular = sorted(rated, key=lambda i: -full.ds.item_popularity[full.ds.item_index[i]])[:100]
    report["genre_share@10_most_rated_100"] = {"hybrid": genre_share(like_lists(full, popular), catalog.items),
                                               "embedding_only": genre_share(content_lists(vectors, ids, popular), catalog.items),
                                               "cf_only": genre_share(like_lists(ease, popular), catalog.items)}

    # "like X but a comedy": within a genre X lacks, the picks that are still of X's kind (share a
    # genre with X besides the one asked for).
    report["kind_share@5_in_a_genre_x_lacks_most_rated_100"] = {
        "hybrid": other_kind_share(full, popular, catalog.items), "cf_only": other_kind_share(ease, popular, catalog.items)}

    # Collaborative quality: held-out co-likes of X's fans.
    held = rng.random(len(interactions)) < 0.2
    train = [i for i, h in zip(interactions, held) if not h]
    fans: dict[str, set[str]] = {}
    later: dict[str, set[str]] = {}
    for i, h in zip(interactions, held):
        if i.rating is not None and i.rating < 4:
            continue
        if h:
            later.setdefault(i.user_id, set()).add(i.item_id)  # what each person liked, held out
        else:
            fans.setdefault(i.item_id, set()).add(i.user_id)  # who liked each item, in training
    targets = {x: set().union(*(later.get(u, set()) for u in fans.get(x, ()))) - {x} for x in ids}
    evaluated = [x for x in sample if targets[x]]
    split_model, _ = fitted("hybrid", train, items, vectors)
    split_ease, _ = fitted("ease", train, items, vectors)
    report["coliked_seeds"] = len(evaluated)
    report["coliked"] = {"hybrid": coliked(like_lists(split_model, evaluated), targets),
                         "cf_only": coliked(like_lists(split_ease, evaluated), targets),
                         "embedding_only": coliked(content_lists(vectors, ids, evaluated), targets)}
    by_title = {item.title.casefold(): item.id for item in items}
    report["shown"] = {}
    for title in args.show:
        seed = by_title.get(title.casefold())
        if seed is not None:
            report["shown"][title] = [catalog.items[r.item_id].label for r in full.similar_items([seed], k=TOP)]
    json.dump(report, sys.stdout, indent=2, ensure_ascii=False)
    print()


if __name__ == "__main__":
    main()
