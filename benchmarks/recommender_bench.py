"""Recommender benchmark: every model on MovieLens-100K, three seeded random splits and u1.

Prints one JSON report: per split, each model's Precision/Recall/NDCG/hit rate/coverage at
5 and 10, fit time and per-user recommend latency p50/p95, the rating RMSE/MAE (BiasedMF + AutoRec, and each alone),
and the mean over the random seeds with the published references beside it.

    python benchmarks/recommender_bench.py --path ../shared/datasets/ml-100k
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

from chatrec_agent.recommender import MODELS
from chatrec_agent.recommender.evaluate import REFERENCES, run_evaluation
from chatrec_agent.settings import settings_from_dict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", type=Path, required=True, help="the ml-100k folder")
    parser.add_argument("--seeds", default="42,1,2")
    args = parser.parse_args()
    settings = settings_from_dict({}, environ={})
    runs = {}
    for seed in [int(s) for s in args.seeds.split(",")]:
        runs[f"random seed {seed}"] = run_evaluation(
            "movielens-100k", args.path, MODELS, [5, 10], "random", seed, 0.2, settings)
    if (args.path / "u1.base").is_file():  # some copies of ML-100K ship without the u1..u5 splits
        runs["u1"] = run_evaluation("movielens-100k", args.path, MODELS, [5, 10], "u1", 0, 0.2, settings)
    random_runs = [r for name, r in runs.items() if name.startswith("random")]
    mean = {
        model: {metric: round(statistics.mean(r["models"][model][metric] for r in random_runs), 4)
                for metric in ("precision@5", "ndcg@5", "recall@5", "hit_rate@5", "precision@10", "ndcg@10")}
        for model in MODELS
    }
    for key in ("rmse", "mae", "biases_rmse", "biased_mf_rmse", "autorec_rmse", "user_mean_rmse"):
        values = [r["rating"].get(key) for r in random_runs if r["rating"].get(key) is not None]
        mean[f"rating {key}"] = round(statistics.mean(values), 4) if values else None  # a part the tuning left out
    for run in runs.values():
        run.pop("references", None)
    json.dump({"mean_over_random_seeds": mean, "references": REFERENCES, "runs": runs}, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
