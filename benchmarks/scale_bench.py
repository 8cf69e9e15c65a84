"""Scale benchmark: a generated catalog of N items and 10×N power-law ratings, end to end
through the real code, at several sizes, to show how each cost grows.

For each size, in a fresh process (so its peak memory is its own):
- the catalog: items with titles, descriptions, tags and attribute fields (director, cast,
  language), ratings whose item popularity follows a power law and whose users rate their
  favourite genres higher; written as JSONL and loaded by the JSONL loader;
- index: embedding and writing every item (items/s) and that process's peak memory; then, in
  a fresh process as `chatrec serve` would start on the built index, the recommender fit
  (`Runtime.start`), the recommender chosen and the bot's own memory;
- turns: a scripted mix through the agent (genre and era, like-X, an attribute, a question
  about an item, feedback, a follow-up), p50/p95;
- when the rating model's background fit (started with the bot) has ended;
- then, at rest, search p50/p95 unfiltered and filtered (genre and decade), the query
  embedding included, and recommend p50/p95 for users with history, unfiltered and filtered;
- reindex after 1% of the items changed;
- the serving process's peak RSS (its rating-model fit and the reindex included).

Prints one JSON object with each size and the growth from the smallest to the largest.

    python benchmarks/scale_bench.py --sizes 10000,30000,100000
    python benchmarks/scale_bench.py --sizes 2000 --turns 40      # a quick look
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

GENRES = ["Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
          "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"]
GENRE_WEIGHTS = [13, 8, 3, 7, 30, 6, 3, 43, 2, 6, 3, 4, 14, 6, 15, 4, 2]  # rough MovieLens shares
THEMES = ["heist", "twist ending", "road trip", "time travel", "coming of age", "magic", "survival", "courtroom",
          "spy", "martial arts", "love story", "small town", "aliens", "monster", "underdog", "superhero", "family",
          "political", "revenge", "friendship", "dystopia", "haunted house", "serial killer", "space", "sports"]
LANGUAGES = ["English", "French", "Spanish", "German", "Japanese", "Korean", "Italian", "Hindi", "Swedish", "Portuguese"]


def rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def percentiles(ms: list[float]) -> dict[str, float]:
    return {"p50_ms": round(float(np.percentile(ms, 50)), 2), "p95_ms": round(float(np.percentile(ms, 95)), 2)}


def timed(calls, repeat: int = 1) -> dict[str, float]:
    out = []
    for _ in range(repeat):
        for call in calls:
            started = time.perf_counter()
            call()
            out.append((time.perf_counter() - started) * 1000)
    return percentiles(out)


# --- the catalog ---------------------------------------------------------------------------


def generate(n_items: int, n_ratings: int, folder: Path, seed: int = 0) -> dict[str, Any]:
    """items.jsonl and ratings.jsonl in `folder`; returns what the scripted turns name."""
    from wordfreq import top_n_list

    rng = random.Random(seed)
    words = [w for w in top_n_list("en", 20000) if w.isalpha() and len(w) > 3][2000:14000]
    first = [w.capitalize() for w in top_n_list("en", 4000) if w.isalpha() and len(w) > 3][:600]
    people = [f"{rng.choice(first)} {rng.choice(words).capitalize()}" for _ in range(max(2000, n_items // 4))]
    directors = people[: len(people) // 5]
    items = []
    for i in range(n_items):
        genres = sorted(set(rng.choices(GENRES, GENRE_WEIGHTS, k=rng.choice((1, 2, 2, 3)))))
        themes = rng.sample(THEMES, rng.choice((1, 2, 3)))
        title = " ".join(rng.choice(words).capitalize() for _ in range(rng.choice((1, 2, 2, 3, 4))))
        body = " ".join(rng.choice(words) for _ in range(rng.randint(18, 34)))
        description = f"A {genres[0].lower()} film about {themes[0]}: {body}."
        items.append({"id": f"i{i}", "title": title, "year": rng.randint(1925, 2024), "genres": "|".join(genres),
                      "tags": "|".join(themes), "description": description, "director": rng.choice(directors),
                      "cast": "|".join(rng.sample(people, 3)), "language": rng.choices(LANGUAGES, [60] + [4] * 9)[0]})
    with (folder / "items.jsonl").open("w") as out:
        for item in items:
            out.write(json.dumps(item) + "\n")
    # Ratings: item popularity by a power law, people of lognormal activity who rate their
    # two favourite genres higher.
    np_rng = np.random.default_rng(seed)
    popularity = 1.0 / np.arange(1, n_items + 1) ** 1.05
    popularity /= popularity.sum()
    order = np_rng.permutation(n_items)  # popular items spread over the ids
    n_users = max(50, n_ratings // 50)
    activity = np_rng.lognormal(0, 1, n_users)
    counts = np.maximum(5, (activity / activity.sum() * n_ratings).astype(int))
    item_genres = [set(item["genres"].split("|")) for item in items]
    written = 0
    with (folder / "ratings.jsonl").open("w") as out:
        for u, count in enumerate(counts):
            favourite = set(rng.sample(GENRES, 2))
            want = min(int(count), n_items // 2)  # drawn with repeats, popular items most: half again, then cut
            drawn = order[np_rng.choice(n_items, size=want + want // 2 + 5, p=popularity)]
            chosen = list(dict.fromkeys(drawn.tolist()))[:want]
            for j in chosen:
                stars = rng.choice((4, 5, 5)) if item_genres[j] & favourite else rng.choice((1, 2, 3, 3, 4))
                out.write(f'{{"user_id": "u{u}", "item_id": "i{j}", "rating": {stars}, "timestamp": {1_600_000_000 + written}}}\n')
                written += 1
    popular = [items[j] for j in order[:50]]
    return {"ratings": written, "users": n_users, "popular_titles": [p["title"] for p in popular[:10]],
            "cast": popular[0]["cast"].split("|")[0], "director": popular[1]["director"]}


def change_one_percent(folder: Path, seed: int = 1) -> int:
    rng = random.Random(seed)
    lines = (folder / "items.jsonl").read_text().splitlines()
    changed = rng.sample(range(len(lines)), max(1, len(lines) // 100))
    for n in changed:
        item = json.loads(lines[n])
        item["description"] += " Restored and re-released with a new score."
        lines[n] = json.dumps(item)
    (folder / "items.jsonl").write_text("\n".join(lines) + "\n")
    return len(changed)


# --- one size --------------------------------------------------------------------------------


def progress(report: dict[str, Any]) -> None:
    """What is measured so far, to stderr: a run killed half way (out of memory) still says how far it got."""
    print(json.dumps(report), file=sys.stderr, flush=True)


def _settings(folder: Path, backend: str):
    from chatrec_agent.settings import settings_from_dict

    return settings_from_dict({
        "catalog": {"format": "jsonl", "path": str(folder / "items.jsonl"), "interactions_path": str(folder / "ratings.jsonl")},
        "storage": {"dir": str(folder / "state")}, "embeddings": {"backend": backend},
        "bot": {"rate_limit_per_minute": 100000}}, environ={})


def one_size(n_items: int, turns: int, backend: str) -> dict[str, Any]:
    """Generate and index in this process; serve from the built index in a fresh one, as
    `chatrec index` and then `chatrec serve` would: the bot's memory is its own, not what
    embedding 100k items left behind."""
    from chatrec_agent.catalog.load import load_catalog
    from chatrec_agent.search.embeddings import Embedder
    from chatrec_agent.search.index import ItemIndex

    report: dict[str, Any] = {"items": n_items}
    with tempfile.TemporaryDirectory(prefix="chatrec-scale-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        named = generate(n_items, n_items * 10, folder)
        report.update(ratings=named["ratings"], users=named["users"], generate_s=round(time.perf_counter() - started, 1))
        settings = _settings(folder, backend)
        started = time.perf_counter()
        catalog = load_catalog(settings.catalog)
        report["load_s"] = round(time.perf_counter() - started, 1)
        embedder = Embedder(settings.embeddings)
        embedder.load()
        started = time.perf_counter()
        ItemIndex(settings, embedder).sync(catalog)
        index_s = time.perf_counter() - started
        report["index"] = {"seconds": round(index_s, 1), "items_per_s": round(n_items / index_s, 1), "peak_rss_mb": rss_mb()}
        progress(report)
        serve = subprocess.run([sys.executable, __file__, "--serve", str(folder), "--named", json.dumps(named),
                                "--turns", str(turns), "--backend", backend], capture_output=True, text=True)
        if serve.returncode != 0:
            raise SystemExit(f"serving {n_items} items failed (exit {serve.returncode}):\n{serve.stderr[-3000:]}")
        report.update(json.loads(serve.stdout.strip().splitlines()[-1]))
    return report


def serve_size(folder: Path, named: dict[str, Any], turns: int, backend: str) -> dict[str, Any]:
    """The bot started on the built index: start-up with the recommender fit, turns, search,
    recommend, a reindex after 1% of the items changed; its own peak memory."""
    from chatrec_agent.catalog.filters import SearchFilter
    from chatrec_agent.recommender import model_choice
    from chatrec_agent.runtime import Runtime

    settings = _settings(folder, backend)
    report: dict[str, Any] = {}
    started = time.perf_counter()
    runtime = Runtime.start(settings)
    report["start_with_fit_s"] = round(time.perf_counter() - started, 1)
    report["recommender"] = model_choice(settings.recommender.model, len(runtime.catalog))[0]
    report["rss_mb_after_start"] = rss_mb()
    progress(report)

    script = ["a comedy from the 90s", f"something like {named['popular_titles'][0]}", "why the second one?",
              f"a film with {named['cast']}", f"tell me about {named['popular_titles'][1]}", f"I loved {named['popular_titles'][2]}",
              "something scary, not too old", f"films directed by {named['director']}", "more like the first", "a western"]
    users = runtime.catalog.users[:50]
    latencies = []
    for n in range(turns):
        reply = runtime.agent.respond(f"scale:{n // len(script)}", users[n // len(script) % len(users)], script[n % len(script)])
        latencies.append(reply.latency_ms)
    report["turns"] = percentiles(latencies)
    # Search and recommend at rest: the rating model's first fit (started with the bot) shares
    # the two cores until it ends, and timing beside it measures the fit, not the search.
    runtime.recommendations.wait_for_rating_model()
    report["rating_model_ready_s"] = round(time.perf_counter() - started, 1)

    queries = ["a heist film with a clever twist", "something scary for tonight", "a feel-good family film",
               "space adventure with aliens", "a gritty crime drama", "romantic comedy in a small town"]
    drama_90s = SearchFilter(genres=("Drama",), year_from=1990, year_to=1999)
    report["search"] = {
        "unfiltered": timed([lambda q=q: runtime.index.search(q, 10) for q in queries], 5),
        "genre+decade": timed([lambda q=q: runtime.index.search(q, 10, drama_90s) for q in queries], 5),
    }
    recs = runtime.recommendations
    report["recommend"] = {
        "unfiltered": timed([lambda u=u: recs.recommend(u, 10) for u in users[:30]]),
        "genre+decade": timed([lambda u=u: recs.recommend(u, 10, drama_90s) for u in users[:30]]),
    }
    report["peak_rss_mb_serving"] = rss_mb()  # start-up, turns, search and recommend: before any reindex
    changed = change_one_percent(folder)
    started = time.perf_counter()
    runtime.reindex()
    report["reindex_1pct"] = {"changed": changed, "seconds": round(time.perf_counter() - started, 1)}
    report["peak_rss_mb"] = rss_mb()
    runtime.close()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,30000,100000", help="items per run; ratings are 10x")
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--backend", default="onnx", help="embeddings.backend")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds one size may take")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child process: one size
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)  # its child: the bot on the built index
    parser.add_argument("--named", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        json.dump(one_size(args.one, args.turns, args.backend), sys.stdout)
        return
    if args.serve:
        json.dump(serve_size(args.serve, json.loads(args.named), args.turns, args.backend), sys.stdout)
        return
    runs = []
    for size in (int(s) for s in args.sizes.split(",")):
        print(f"[scale_bench] {size} items …", file=sys.stderr, flush=True)
        started = time.perf_counter()
        child = subprocess.run([sys.executable, __file__, "--one", str(size), "--turns", str(args.turns), "--backend", args.backend],
                               capture_output=True, text=True, timeout=args.timeout)
        if child.returncode != 0:  # -9: killed, most likely for memory
            raise SystemExit(f"{size} items failed (exit {child.returncode}):\n{child.stderr[-3000:]}")
        run = json.loads(child.stdout.strip().splitlines()[-1])
        run["wall_s"] = round(time.perf_counter() - started, 1)
        runs.append(run)
        print(f"[scale_bench] {size} items: {run['wall_s']} s, peak {run['peak_rss_mb']} MB", file=sys.stderr, flush=True)
    report: dict[str, Any] = {"backend": args.backend, "runs": runs}
    if len(runs) > 1:
        small, big = runs[0], runs[-1]
        report["growth"] = {"items": round(big["items"] / small["items"], 1),
                            "index_s": round(big["index"]["seconds"] / small["index"]["seconds"], 1),
                            "start_with_fit_s": round(big["start_with_fit_s"] / max(small["start_with_fit_s"], 0.1), 1),
                            "peak_rss_mb": round(big["peak_rss_mb"] / small["peak_rss_mb"], 2),
                            "turn_p95": round(big["turns"]["p95_ms"] / small["turns"]["p95_ms"], 2),
                            "search_p95": round(big["search"]["genre+decade"]["p95_ms"] / small["search"]["genre+decade"]["p95_ms"], 2),
                            "recommend_p95": round(big["recommend"]["genre+decade"]["p95_ms"] / small["recommend"]["genre+decade"]["p95_ms"], 2)}
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
