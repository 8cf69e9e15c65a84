"""Index benchmark: embedding+upsert throughput, no-change reindex time, search latency.

Prints one JSON report. Runs on the demo catalog, on MovieLens-100K when --movielens is
given, and on a synthetic catalog (--synthetic N items, default 100,000) whose vectors are
synthetic so the run stays short; its search latency still includes embedding the query
with the real model.

    python benchmarks/index_bench.py --movielens ../shared/datasets/ml-100k
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import platform
import random
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from chatrec_agent.catalog import Catalog, Item
from chatrec_agent.catalog.filters import SearchFilter
from chatrec_agent.catalog.load import load_catalog
from chatrec_agent.search.embeddings import Embedder
from chatrec_agent.search.index import ItemIndex
from chatrec_agent.settings import CatalogSettings, EmbeddingSettings, settings_from_dict

QUERIES = [
    "a mind-bending science fiction film", "something light and funny", "a scary movie for tonight",
    "gritty crime drama with heists", "a romantic comedy in New York", "animated film for kids",
    "epic war movie", "a classic western with gunfights", "a detective mystery", "musical with great songs",
    "space adventure with aliens", "a heartwarming family film", "dark thriller with a twist ending",
    "a documentary about nature", "coming of age story", "superhero action", "film noir with a femme fatale",
    "time travel adventure", "a sad drama that makes you cry", "monster movie", "political thriller",
    "sports underdog story", "fantasy quest with magic", "post-apocalyptic survival", "courtroom drama",
    "a road trip comedy", "martial arts action", "a love story set in Paris", "historical epic", "spy movie",
]
GENRES = ["Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
          "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"]
# Synthetic items carry one or two of these tags plus a two-word one from `words`, so that
# queries naming a tag ("heists", "a twist ending") take the lexical path of search.
THEMES = ["heist", "twist ending", "femme fatale", "road trip", "time travel", "coming of age", "magic",
          "survival", "courtroom", "spy", "martial arts", "love story", "paris", "new york", "aliens", "monster",
          "underdog", "superhero", "family", "political", "gunfight", "war", "nature", "detective", "musical"]
# Rough MovieLens genre frequencies, so synthetic filters are as selective as real ones.
GENRE_WEIGHTS = [13, 8, 3, 7, 30, 6, 3, 43, 2, 1, 6, 3, 4, 14, 6, 15, 4, 2]


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


class SyntheticEmbedder:
    """Deterministic random unit vectors per text: indexes 100k items in seconds, not hours."""

    def __init__(self, model_name: str, dimension: int):
        self.model_name, self.dimension = model_name, dimension

    def encode(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
            out[row] = np.random.default_rng(seed).standard_normal(self.dimension)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def synthetic_catalog(n: int, seed: int = 0) -> Catalog:
    rng = random.Random(seed)
    words = "quiet storm city river ghost heart empire night summer machine garden winter shadow road".split()
    items = []
    for i in range(n):
        genres = tuple(dict.fromkeys(rng.choices(GENRES, weights=GENRE_WEIGHTS, k=rng.randint(1, 3))))
        title = " ".join(rng.sample(words, 2)).title()
        tags = (*rng.sample(THEMES, rng.randint(1, 2)), " ".join(rng.sample(words, 2)))
        items.append(Item(id=f"s{i}", title=f"{title} {i}", year=rng.randint(1925, 2024), genres=genres, tags=tags,
                          description=f"A {genres[0].lower()} story about {' and '.join(rng.sample(words, 3))}."))
    return Catalog.from_items(items, source=f"synthetic {n}")


def search_latency(index: ItemIndex, flt: SearchFilter | None, n: int = 200, k: int = 10) -> dict:
    queries = [f"{QUERIES[i % len(QUERIES)]} #{i}" for i in range(n)]  # distinct texts: no caching
    index.search(queries[0], k=k, flt=flt)  # warm-up: facet table, HNSW pages
    times, counts = [], []
    for q in queries:
        started = time.perf_counter()
        hits = index.search(q, k=k, flt=flt)
        times.append((time.perf_counter() - started) * 1000)
        counts.append(len(hits))
    return {"p50_ms": round(percentile(times, 50), 2), "p95_ms": round(percentile(times, 95), 2),
            "mean_results": round(statistics.mean(counts), 1), "queries": n}


@functools.cache
def torch_embedder() -> Embedder:
    """The torch backend: the reference the others are compared with, and the tokenizer."""
    return Embedder(EmbeddingSettings(backend="torch"))


def token_stats(embedder: Embedder, catalog: Catalog) -> float:
    tokenizer = torch_embedder().model.tokenizer
    docs = [item.document() for item in list(catalog.items.values())[:500]]
    return round(statistics.mean(len(tokenizer(d)["input_ids"]) for d in docs), 1)


def bench_real(name: str, catalog: Catalog, embedder: Embedder, workdir: Path, filters: dict[str, SearchFilter]) -> dict:
    settings = settings_from_dict({"storage": {"dir": str(workdir / name)}}, environ={})
    index = ItemIndex(settings, embedder)
    started = time.perf_counter()
    report = index.sync(catalog, full=True)
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    again = index.sync(catalog)
    nochange_s = time.perf_counter() - started
    assert again.embedded == 0
    return {
        "items": len(catalog),
        "mean_tokens_per_document": token_stats(embedder, catalog),
        "index_items_per_s": round(report.added / build_s, 1),
        "index_seconds": round(build_s, 2),
        "nochange_reindex_s": round(nochange_s, 3),
        "search": {label: search_latency(index, flt) for label, flt in filters.items()},
    }


def bench_encoder_only(embedder: Embedder, catalog: Catalog) -> float:
    docs = [item.document() for item in catalog.items.values()]
    started = time.perf_counter()
    embedder.encode(docs)
    return round(len(docs) / (time.perf_counter() - started), 1)


def bench_encoders(backends: list[str], reference: Embedder, catalog: Catalog, cache: Path) -> dict:
    """Each embeddings.backend on the same documents: items/s (encoder only), one query's
    embedding time, and how far its vectors move from torch's: the queries' top-10 overlap
    with torch's top-10 over the catalog, and the least cosine between a document's two vectors."""
    docs = [item.document() for item in catalog.items.values()] * 3
    want_docs, want_queries = reference.encode(docs[:len(catalog)]), reference.encode(QUERIES)
    want = np.argsort(-(want_queries @ want_docs.T), axis=1)[:, :10]
    out = {}
    for backend in backends:
        embedder = reference if backend == "torch" else Embedder(EmbeddingSettings(backend=backend), cache)
        embedder.encode(docs[:64])  # loads (and on the first run exports) the model
        started = time.perf_counter()
        vectors = embedder.encode(docs)[:len(catalog)]
        rate = len(docs) / (time.perf_counter() - started)
        latencies = []
        for query in QUERIES * 5:
            started = time.perf_counter()
            embedder.encode([query])
            latencies.append((time.perf_counter() - started) * 1000)
        got = np.argsort(-(embedder.encode(QUERIES) @ vectors.T), axis=1)[:, :10]
        out[backend] = {"encoder_items_per_s": round(rate, 1),
                        "query_embedding_ms": {"p50": round(percentile(latencies, 50), 2), "p95": round(percentile(latencies, 95), 2)},
                        "recall_at_10_overlap_with_torch": round(float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(want, got)])), 3),
                        "min_cosine_to_torch": round(float((vectors * want_docs).sum(axis=1).min()), 4)}
    torch_rate = out.get("torch", {}).get("encoder_items_per_s")
    for backend, figures in out.items():
        if torch_rate:
            figures["speed_vs_torch"] = round(figures["encoder_items_per_s"] / torch_rate, 2)
    return out


def bench_synthetic(n: int, embedder: Embedder, workdir: Path) -> dict:
    catalog = synthetic_catalog(n)
    settings = settings_from_dict({"storage": {"dir": str(workdir / "synthetic")}}, environ={})
    fake = SyntheticEmbedder(embedder.model_name, embedder.dimension)
    builder = ItemIndex(settings, fake)  # type: ignore[arg-type]
    started = time.perf_counter()
    builder.sync(catalog, full=True)
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    again = builder.sync(catalog)
    nochange_s = time.perf_counter() - started
    assert again.embedded == 0
    # Search with the real model for queries (same model name, so no rebuild is triggered).
    searcher = ItemIndex(settings, embedder)
    filters = {
        "unfiltered": None,
        "genre+decade (Drama, 1990s)": SearchFilter(genres=("Drama",), year_from=1990, year_to=1999),
        "genre+decade (Comedy, 1970s)": SearchFilter(genres=("Comedy",), year_from=1970, year_to=1979),
        "selective (Western, 1950s)": SearchFilter(genres=("Western",), year_from=1950, year_to=1959),
    }
    return {
        "items": n,
        "vectors": "synthetic (query embedding is real)",
        "index_items_per_s_without_encoder": round(n / build_s, 1),
        "nochange_reindex_s": round(nochange_s, 3),
        "search": {label: search_latency(searcher, flt) for label, flt in filters.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--movielens", type=Path, help="MovieLens-100K folder (u.item, u.data, u.genre)")
    parser.add_argument("--synthetic", type=int, default=100_000, help="items in the synthetic catalog (0: skip)")
    parser.add_argument("--skip-demo", action="store_true")
    parser.add_argument("--backends", default="torch,onnx,onnx-int8",
                        help="embeddings.backend values compared on the demo's documents ('' to skip)")
    args = parser.parse_args()

    embedder = Embedder(EmbeddingSettings())  # the default backend
    started = time.perf_counter()
    embedder.encode(["loads the model (and on a first run exports it)"])
    load_s = time.perf_counter() - started
    embedder.encode(["warm-up sentence for the encoder"] * 128)  # first batches pay one-off costs
    report: dict = {
        "machine": {"python": platform.python_version(), "cpu_count": __import__("os").cpu_count(),
                    "device": embedder.device, "model": embedder.model_name},
        "model_load_s": round(load_s, 2),
    }
    decade = {"unfiltered": None, "genre+decade (Drama, 1990s)": SearchFilter(genres=("Drama",), year_from=1990, year_to=1999)}
    with tempfile.TemporaryDirectory(prefix="chatrec-bench-") as tmp:
        work = Path(tmp)
        if not args.skip_demo:
            demo = load_catalog(CatalogSettings(format="demo"))
            report["demo"] = bench_real("demo", demo, embedder, work, decade)
            report["demo"]["encoder_only_items_per_s"] = bench_encoder_only(embedder, demo)
            # The throughput target is stated for ~45-token documents: the same films with
            # descriptions cut to 9 words and 2 tags (~41 tokens), three copies (990 items).
            short = [replace(item, description=" ".join(item.description.split()[:9]), tags=item.tags[:2])
                     for item in demo.items.values()]
            short_catalog = Catalog.from_items(replace(i, id=f"{i.id}-{n}") for n in range(3) for i in short)
            report["demo_short_docs"] = bench_real("short", short_catalog, embedder, work, {"unfiltered": None})
            report["demo_short_docs"]["encoder_only_items_per_s"] = bench_encoder_only(embedder, short_catalog)
        if args.backends:
            demo = load_catalog(CatalogSettings(format="demo"))
            report["encoders"] = bench_encoders(args.backends.split(","), torch_embedder(), demo, work / "onnx")
        if args.movielens:
            ml = load_catalog(CatalogSettings(format="movielens-100k", path=args.movielens))
            report["movielens_100k"] = bench_real("ml100k", ml, embedder, work, decade)
        if args.synthetic:
            report["synthetic"] = bench_synthetic(args.synthetic, embedder, work)
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
