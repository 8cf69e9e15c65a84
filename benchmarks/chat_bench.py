"""Chat benchmark: start-up time and per-turn latency of the agent with the offline planner.

Runs a few hundred scripted turns (requests, follow-ups, feedback, history, refusals) over
many channels and users on MovieLens-100K (or the demo catalog without --movielens), and
prints one JSON report.

    python benchmarks/chat_bench.py --movielens ../shared/datasets/ml-100k --turns 400
    python benchmarks/chat_bench.py --movielens-csv ../shared/datasets/ml-latest-small --turns 400
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from chatrec_agent.runtime import Runtime
from chatrec_agent.settings import settings_from_dict

CONVERSATION = [
    "what should I watch tonight?",
    "why the second one?",
    "something older",
    "a mind-bending sci-fi from the 90s",
    "more like the first",
    "not those, others",
    "only comedies",
    "something like Star Wars and Fargo, no horror",
    "give me 3 westerns",
    "hated the third one",
    "I loved Toy Story",
    "rate Fargo 5",
    "what have I liked?",
    "a scary film from the 80s",
    "something light and funny for the kids",
    "do you have Casablanca?",
    "seen it",
    "something like Blade Runer",
    "what does bob like?",
    "reindex the catalog",
]


def stats(values: list[float]) -> dict:
    return {"p50_ms": round(float(np.percentile(values, 50)), 2), "p95_ms": round(float(np.percentile(values, 95)), 2),
            "max_ms": round(max(values), 2), "turns": len(values)}


def restart_time(catalog: dict, storage: str) -> float:
    """Seconds from a fresh process's start (imports included) to its first answered turn,
    with the index and fitted model already on disk, as after a bot restart."""
    code = (
        "import time; t0 = time.perf_counter()\n"
        "from chatrec_agent.runtime import Runtime\n"
        "from chatrec_agent.settings import settings_from_dict\n"
        f"s = settings_from_dict({{'catalog': {catalog!r}, 'storage': {{'dir': {storage!r}}}}}, environ={{}})\n"
        "Runtime.start(s).agent.respond('bench:ready', 'bench', 'a sci-fi film')\n"
        "print(time.perf_counter() - t0)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return round(float(out.stdout.strip().splitlines()[-1]), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--movielens", type=Path, help="MovieLens-100K folder; default: the demo catalog")
    parser.add_argument("--movielens-csv", type=Path, help="a ratings.csv/movies.csv folder (ml-latest-small)")
    parser.add_argument("--turns", type=int, default=400)
    args = parser.parse_args()
    catalog = ({"format": "movielens-100k", "path": str(args.movielens)} if args.movielens else
               {"format": "movielens-csv", "path": str(args.movielens_csv)} if args.movielens_csv else {"format": "demo"})
    report: dict = {"catalog": catalog["format"]}
    with tempfile.TemporaryDirectory(prefix="chatrec-chat-bench-") as tmp:
        settings = settings_from_dict({"catalog": catalog, "storage": {"dir": tmp}}, environ={})
        started = time.perf_counter()
        runtime = Runtime.start(settings)
        report["first_start_s"] = round(time.perf_counter() - started, 2)  # builds the index and the model
        # The rating model (predicted stars) is fitted in the background after a first start
        # or a reindex that changed the data, and loaded from disk after that: time the turns
        # in that steady state, and report the warm-up on its own.
        runtime.recommendations.rating_model  # noqa: B018 - waits for the background fit
        report["rating_model_ready_s"] = round(time.perf_counter() - started, 2)
        report["ready_s"] = restart_time(catalog, tmp)
        users = runtime.catalog.users[:40] or ["bench"]
        latencies: list[float] = []
        by_message: dict[str, list[float]] = defaultdict(list)
        for turn in range(args.turns):
            conversation = turn // len(CONVERSATION)
            text = CONVERSATION[turn % len(CONVERSATION)]
            user = users[conversation % len(users)]
            reply = runtime.agent.respond(f"bench:{conversation}", user, text)
            latencies.append(reply.latency_ms)
            by_message[text].append(reply.latency_ms)
        report["turns"] = stats(latencies)
        report["slowest_messages"] = dict(sorted(
            ((text, stats(values)["p95_ms"]) for text, values in by_message.items()), key=lambda kv: -kv[1])[:5])
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
