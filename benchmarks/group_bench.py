"""Group benchmark: group picks on MovieLens-100K against recommending for one member.

Groups (seeded, sizes 2-5 in turn), `--groups` of each kind: `random` (any users) and
`similar` (a random user and members drawn from their 20 most similar users, by cosine
similarity of rating vectors). Only users with at least 5 ratings of 4 stars or more take
part.

Hold-out: each group member's ratings lose a seeded 20% (any stars, at least one of 4 or
more); the recommender and the rating model that picks are fitted on all the rest.

Per group, the top 10 of each strategy (recommender/group.py), and of the baseline: one
random member's own top 10 from the same recommender, over the same items (nobody's seen
or disliked ones), i.e. what the group gets when one person picks for everybody:
  hit_rate@10    share of groups whose 10 hold an item some member held out with 4+ stars;
  ndcg@10        NDCG of the 10 against each member's held-out 4+ star items, averaged over
                 the members, then over the groups;
  misery_known   share of picks some member held out with 2 stars or fewer (their own
                 rating: exact, but known for few picks; `known_picks` says how many);
  misery_oracle  share of picks some member "would rate" 2 stars or fewer: an oracle rating
                 model fitted on ALL the ratings (the held-out ones too) predicts under 2.5
                 for them. It is not the picking model, which never saw the held-out ratings,
                 but it is the same kind of model on nearly the same data: it flatters a
                 strategy that uses predicted stars. misery_known is the plainer test.

    python benchmarks/group_bench.py --movielens ../shared/datasets/ml-100k
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from chatrec_agent.catalog import Catalog, Interaction
from chatrec_agent.catalog.load import load_catalog
from chatrec_agent.recommender import MODELS, Dataset, RatingModel, Recommender, UserState, make_model
from chatrec_agent.recommender.evaluate import item_vectors, ranking_metrics
from chatrec_agent.recommender.group import STRATEGIES, GroupRecommender, disliked_by
from chatrec_agent.recommender.hybrid import HybridRecommender
from chatrec_agent.settings import CatalogSettings, GroupSettings, settings_from_dict

ROOT = Path(__file__).resolve().parents[1]
K = 10
LIKED = 4.0  # held-out ratings at least this good are what a member "wants"
MISERY = 2.5  # an oracle prediction under this rounds to 2 stars or fewer
MIN_LIKED = 5
NEIGHBOURS = 20
METHODS = ("one_member", *STRATEGIES)


def make_groups(catalog: Catalog, n: int, seed: int) -> list[tuple[str, list[str]]]:
    """`n` random and `n` similar groups of eligible users, sizes 2, 3, 4, 5 in turn."""
    rng = random.Random(seed)
    users = sorted({i.user_id for i in catalog.interactions}, key=_natural)
    liked = defaultdict(int)
    for i in catalog.interactions:
        liked[i.user_id] += i.rating is not None and i.rating >= LIKED
    eligible = [u for u in users if liked[u] >= MIN_LIKED]
    position = {u: n for n, u in enumerate(eligible)}
    items = {item_id: n for n, item_id in enumerate(catalog.items)}
    rows = [(position[i.user_id], items[i.item_id], i.rating or 0.0) for i in catalog.interactions if i.user_id in position]
    r, c, v = zip(*rows)
    matrix = sparse.csr_matrix((v, (r, c)), shape=(len(eligible), len(items)))
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    unit = sparse.diags(1 / np.maximum(norms, 1e-9)) @ matrix
    similarity = (unit @ unit.T).toarray()
    np.fill_diagonal(similarity, -1)
    groups = []
    for g in range(n):
        size = 2 + g % 4
        groups.append(("random", rng.sample(eligible, size)))
        first = rng.randrange(len(eligible))
        nearest = np.argsort(-similarity[first])[:NEIGHBOURS].tolist()
        groups.append(("similar", [eligible[first], *(eligible[j] for j in rng.sample(nearest, size - 1))]))
    return groups


def _natural(user_id: str):
    return (0, int(user_id)) if user_id.isdigit() else (1, user_id)


def hold_out(interactions: Sequence[Interaction], members: set[str], fraction: float, seed: int):
    """(training interactions, held-out ratings per member {item: stars})."""
    rng = random.Random(seed)
    by_user: dict[str, list[Interaction]] = defaultdict(list)
    for i in interactions:
        by_user[i.user_id].append(i)
    held: dict[str, dict[str, float]] = {}
    for user in sorted(members, key=_natural):
        rows = sorted(by_user[user], key=lambda i: i.item_id)
        out = rng.sample(rows, max(1, round(len(rows) * fraction)))
        if not any(i.rating >= LIKED for i in out):  # every member wants something held out
            out[0] = rng.choice([i for i in rows if i.rating >= LIKED])
        held[user] = {i.item_id: i.rating for i in out}
    train = [i for i in interactions if i.item_id not in held.get(i.user_id, {})]
    return train, held


def fit_rating(dataset: Dataset, seed: int) -> RatingModel:
    return RatingModel.fit(dataset.ratings, dataset.n_users, dataset.n_items, seed=seed)


@dataclass
class Setup:
    """Everything fitted once: the groups, the held-out ratings and the models."""

    groups: list[tuple[str, list[str]]]
    held: dict[str, dict[str, float]]
    states: dict[str, UserState]  # each user's training history
    model: Recommender
    picker: RatingModel  # fitted on the training ratings, as the bot's would be
    oracle: RatingModel  # fitted on every rating, held-out ones too
    everything: Dataset


def prepare(folder: Path, n_groups: int, seed: int, model_name: str, fraction: float) -> Setup:
    catalog = load_catalog(CatalogSettings(format="movielens-100k", path=folder))
    groups = make_groups(catalog, n_groups, seed)
    train, held = hold_out(catalog.interactions, {u for _, g in groups for u in g}, fraction, seed)
    items = list(catalog.items.values())
    dataset, everything = Dataset(train, items), Dataset(catalog.interactions, items)
    model = make_model(model_name, n_items=dataset.n_items)
    if isinstance(model, HybridRecommender):
        from chatrec_agent.search.embeddings import Embedder  # loads torch: only when needed

        model.set_vectors(item_vectors(catalog, dataset, Embedder(settings_from_dict({}, environ={}).embeddings)))
    model.fit(dataset)
    picker, oracle = fit_rating(dataset, seed), fit_rating(everything, seed + 1)
    return Setup(groups, held, _states(train), model, picker, oracle, everything)


def evaluate(setup: Setup, settings: GroupSettings, seed: int) -> dict:
    """Per kind of group (and all), each method's metrics (see the module docstring)."""
    group = GroupRecommender(setup.model, settings, setup.picker)
    rng = random.Random(seed)
    totals: dict[tuple[str, str], np.ndarray] = defaultdict(lambda: np.zeros(7))
    for kind, members in setup.groups:
        people = [setup.states[u] for u in members]
        lists = {strategy: [p.item.id for p in group.recommend(people, K, strategy, evidence=False).picks]
                 for strategy in STRATEGIES}
        # The baseline chooses among the same items: nobody's seen or disliked ones.
        blocked = set().union(*(disliked_by(p) for p in people), *(p.preferences for p in people))
        lists["one_member"] = [r.item_id for r in setup.model.recommend(rng.choice(people), K, exclude=blocked)]
        for method, picks in lists.items():
            row = _measure(picks, members, setup.held, setup.oracle, setup.everything)
            totals[kind, method] += row
            totals["all", method] += row
    return {kind: {method: _summary(totals[kind, method]) for method in METHODS} for kind in ("random", "similar", "all")}


def run(folder: Path, n_groups: int, seed: int, model_name: str, fraction: float) -> dict:
    started = time.perf_counter()
    setup = prepare(folder, n_groups, seed, model_name, fraction)
    fitted_s = time.perf_counter() - started
    settings = GroupSettings()
    report = evaluate(setup, settings, seed)
    default, baseline = report["all"][settings.strategy], report["all"]["one_member"]
    return {
        "dataset": str(folder), "model": model_name, "seed": seed, "groups_per_kind": n_groups,
        "sizes": [2, 3, 4, 5], "k": K, "held_out_fraction": fraction, "default_strategy": settings.strategy,
        "misery_stars": settings.misery_stars, "oracle": repr(setup.oracle), "results": report,
        "default_beats_one_member": {metric: bool(default[metric] > baseline[metric]) if metric == "ndcg@10"
                                     else bool(default[metric] < baseline[metric])
                                     for metric in ("ndcg@10", "misery_oracle", "misery_known")},
        "fit_s": round(fitted_s, 1), "total_s": round(time.perf_counter() - started, 1),
    }


def _states(interactions: Sequence[Interaction]) -> dict[str, UserState]:
    by_user: dict[str, list[Interaction]] = defaultdict(list)
    for i in interactions:
        by_user[i.user_id].append(i)
    return {u: UserState.from_interactions(u, rows) for u, rows in by_user.items()}


def _measure(picks: list[str], members: list[str], held: dict[str, dict[str, float]], oracle: RatingModel,
             everything: Dataset) -> np.ndarray:
    """[groups, hit, mean NDCG over members, picks, picks some member rated <= 2, picks the
    oracle says some member would rate <= 2, picks some member has a held-out rating of]."""
    ndcg = np.mean([ranking_metrics(picks, {i for i, r in held[m].items() if r >= LIKED}, K)[2] for m in members])
    hit = any(i in held[m] and held[m][i] >= LIKED for m in members for i in picks)
    known = [i for i in picks if any(i in held[m] for m in members)]
    miserable = [i for i in known if any(held[m].get(i, 5.0) <= MISERY - 0.5 for m in members)]
    users = np.array([everything.user_index[m] for m in members])
    columns = np.array([everything.item_index[i] for i in picks], dtype=np.int64)
    oracle_miserable = 0
    if len(columns):
        predicted = oracle.predict(np.repeat(users, len(columns)), np.tile(columns, len(users))).reshape(len(users), -1)
        oracle_miserable = int((predicted.min(axis=0) < MISERY).sum())
    return np.array([1, hit, ndcg, len(picks), len(miserable), oracle_miserable, len(known)], dtype=np.float64)


def _summary(t: np.ndarray) -> dict:
    groups, hits, ndcg, picks, miserable, oracle, known = t
    return {"hit_rate@10": round(hits / max(groups, 1), 4), "ndcg@10": round(ndcg / max(groups, 1), 4),
            "misery_known": round(miserable / max(picks, 1), 4), "misery_oracle": round(oracle / max(picks, 1), 4),
            "known_picks": int(known), "picks": int(picks)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--movielens", "--data", type=Path, default=ROOT.parent / "shared" / "datasets" / "ml-100k",
                        help="the ml-100k folder (u.data, u.item, u.genre); default ../shared/datasets/ml-100k")
    parser.add_argument("--groups", type=int, default=200, help="groups of each kind (random, similar)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--model", choices=MODELS, default="hybrid", help="the recommender (default: the app's)")
    parser.add_argument("--holdout", type=float, default=0.2, help="share of each member's ratings held out")
    args = parser.parse_args()
    json.dump(run(args.movielens, args.groups, args.seed, args.model, args.holdout), sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
