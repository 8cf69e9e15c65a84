"""Fault injection: a reindex that fails half way, in the model refit or in the embedder,
changes nothing people can see (search, recommendations, the catalog), and a retry succeeds.
Real Chroma, the real embedding model, a real catalog file on disk."""

from __future__ import annotations

import pytest

from chatrec_agent.recommender.recommendations import Recommendations
from chatrec_agent.runtime import Runtime
from chatrec_agent.settings import settings_from_dict

from .conftest import film_records, write_jsonl

QUERIES = ("a monster loose on a spaceship", "cowboys and gunfights", "dancing penguins in Antarctica", "a heist")
EXTRA = 600  # new films: more than one embedding chunk, so the embedder can fail between chunks


@pytest.fixture
def world(tmp_path, embedder):
    path = write_jsonl(tmp_path / "films.jsonl", film_records())
    ratings = write_jsonl(tmp_path / "ratings.jsonl", [
        {"user_id": u, "item_id": i, "rating": r, "timestamp": 1}
        for u, i, r in (("ann", "alien", 5), ("ann", "heat", 4), ("bob", "heat", 5), ("bob", "fargo", 4),
                        ("cal", "alien", 4), ("cal", "fargo", 5))])
    settings = settings_from_dict(
        {"catalog": {"format": "jsonl", "path": str(path), "interactions_path": str(ratings)},
         "storage": {"dir": str(tmp_path / "store")}}, environ={})
    runtime = Runtime.start(settings, embedder=embedder)
    yield runtime, path
    runtime.close()


def what_people_see(runtime: Runtime) -> dict:
    index = runtime.index
    return {
        "search": {q: [(h.item_id, round(h.score, 4), h.document) for h in index.search(q, k=8)] for q in QUERIES},
        "count": index.count(),
        "recommend": [(r.item.id, round(r.score, 4)) for r in runtime.recommendations.recommend("ann", k=5)],
        "like": [r.item.id for r in runtime.recommendations.recommend("new-person", k=5, like_items=["alien"])],
        "catalog": sorted(runtime.catalog.items),
    }


def change_the_catalog(path) -> None:
    """Unforgiven removed, Fargo's description rewritten, EXTRA new films."""
    records = [r for r in film_records() if r["id"] != "unforgiven"]
    for r in records:
        if r["id"] == "fargo":
            r["description"] = "A lighthearted musical about dancing penguins in Antarctica."
    records += [{"id": f"new-{n}", "title": f"New Film {n}", "year": 2020, "genres": ["Drama"],
                 "description": f"A quiet drama, number {n}.", "tags": []} for n in range(EXTRA)]
    write_jsonl(path, records)


def test_a_refit_that_fails_leaves_everything_as_it_was_and_a_retry_succeeds(world, monkeypatch):
    runtime, path = world
    before = what_people_see(runtime)
    served = runtime.catalog
    change_the_catalog(path)
    original = Recommendations.refresh

    def failing_refresh(self, force=False, previous=None):
        original(self, force, previous)  # the new model is fitted half way (the index already synced) ...
        raise RuntimeError("refit failed")  # ... and then fails

    monkeypatch.setattr(Recommendations, "refresh", failing_refresh)
    with pytest.raises(RuntimeError, match="refit failed"):
        runtime.reindex()
    assert runtime.catalog is served
    assert what_people_see(runtime) == before

    monkeypatch.setattr(Recommendations, "refresh", original)
    report = runtime.reindex()
    assert (report.added, report.updated, report.deleted) == (EXTRA, 1, 1)
    after = what_people_see(runtime)
    assert after["count"] == before["count"] - 1 + EXTRA and "unforgiven" not in after["catalog"]
    assert after["search"]["dancing penguins in Antarctica"][0][0] == "fargo"


@pytest.mark.parametrize("full", [False, True])
def test_an_embedder_that_fails_between_chunks_leaves_everything_as_it_was(world, monkeypatch, full):
    runtime, path = world
    before = what_people_see(runtime)
    collection = runtime.index.status()["collection"]
    change_the_catalog(path)
    embedder = runtime.index.embedder
    original, calls = embedder.encode, []

    def failing_encode(texts, batch_size=None):
        calls.append(len(texts))
        if len(calls) == 2:  # the first chunk is already written
            raise RuntimeError("embedder failed")
        return original(texts, batch_size)

    monkeypatch.setattr(embedder, "encode", failing_encode)
    with pytest.raises(RuntimeError, match="embedder failed"):
        runtime.reindex(full=full)
    assert runtime.index.status()["collection"] == collection
    assert what_people_see(runtime) == before

    monkeypatch.setattr(embedder, "encode", original)
    report = runtime.reindex(full=full)
    assert report.full == full and runtime.index.count() == before["count"] - 1 + EXTRA
