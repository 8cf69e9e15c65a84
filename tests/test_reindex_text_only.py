"""A reindex that changes only items' text (a description rewritten) refits nothing: the
recommender fitted on the same items and interactions is loaded, and the rating model is
not waited for, even while the start-up's fit of it is still running (most of a minute and
more on a big catalog). A reindex with new interactions still fits both before the swap."""

from __future__ import annotations

import threading
import time

import pytest

from chatrec_agent.recommender import rating_model
from chatrec_agent.runtime import Runtime
from chatrec_agent.settings import settings_from_dict

from .conftest import film_records, write_jsonl

PEOPLE = ("ann", "bob", "cal", "dee", "eve", "fay")


def ratings(extra: int = 0) -> list[dict]:
    ids = [r["id"] for r in film_records()]
    rows = [{"user_id": u, "item_id": ids[(n * 3 + k) % len(ids)], "rating": 1 + (n + k) % 5, "timestamp": 1}
            for n, u in enumerate(PEOPLE) for k in range(6)]
    return rows + [{"user_id": "gus", "item_id": ids[k], "rating": 5, "timestamp": 2} for k in range(extra)]


@pytest.fixture
def slow_fits(monkeypatch):
    """RatingModel.fit held until released, counted."""
    real_fit, release, calls = rating_model.RatingModel.fit, threading.Event(), []

    def held(*args, **kwargs):
        calls.append(time.perf_counter())
        release.wait(60)
        return real_fit(*args, **kwargs)

    monkeypatch.setattr(rating_model.RatingModel, "fit", staticmethod(held))
    return release, calls


@pytest.fixture
def world(tmp_path, embedder, slow_fits):
    films = write_jsonl(tmp_path / "films.jsonl", film_records())
    rated = write_jsonl(tmp_path / "ratings.jsonl", ratings())
    settings = settings_from_dict(
        {"catalog": {"format": "jsonl", "path": str(films), "interactions_path": str(rated)},
         "storage": {"dir": str(tmp_path / "store")}}, environ={})
    runtime = Runtime.start(settings, embedder=embedder)
    yield runtime, films, rated, slow_fits
    slow_fits[0].set()
    runtime.close()


def rewrite_one_description(path) -> None:
    records = film_records()
    records[0]["description"] = "Rewritten: " + records[0]["description"]
    write_jsonl(path, records)


def test_a_text_only_reindex_neither_refits_nor_waits_for_the_rating_model(world, monkeypatch):
    runtime, films, _, (release, fits) = world
    before = runtime.recommendations
    deadline = time.time() + 10
    while not fits and time.time() < deadline:  # the start-up's background fit has begun, and is held
        time.sleep(0.05)
    assert len(fits) == 1 and before.rating_model_pending
    refits = []
    monkeypatch.setattr("chatrec_agent.recommender.recommendations.make_model",
                        lambda *a, **k: refits.append(a) or pytest.fail("the recommender was refitted"))
    from chatrec_agent.recommender import recommendations

    read = recommendations.read_model

    def not_the_recommender(store, name, fingerprint):  # nor read back from disk (the rating model may be)
        assert name != before.model_name, "the recommender was read from disk"
        return read(store, name, fingerprint)

    monkeypatch.setattr(recommendations, "read_model", not_the_recommender)
    rewrite_one_description(films)
    started = time.perf_counter()
    runtime.reindex()
    assert time.perf_counter() - started < 20  # not held by the rating model's fit
    after = runtime.recommendations
    assert after is not before and after.fitted and not refits
    assert after.model.cf._B is before.model.cf._B  # EASE's B shared while both serve, not copied
    first = film_records()[0]["id"]
    assert after.model.ds.items[after.model.ds.item_index[first]].description.startswith("Rewritten")
    assert film_records()[0]["id"] in runtime.catalog.items
    assert runtime.catalog[film_records()[0]["id"]].description.startswith("Rewritten")
    release.set()
    before._warming.join(30)
    after._warming.join(30)
    assert after.rating_model is not None and len(fits) == 1  # the start-up's fit, loaded: never fitted twice


def test_a_reindex_with_new_ratings_fits_the_rating_model_before_the_swap(world):
    runtime, _, rated, (release, fits) = world
    release.set()
    runtime.recommendations._warming.join(30)
    write_jsonl(rated, ratings(extra=5))
    runtime.reindex()
    assert len(fits) == 2 and runtime.recommendations._rating_model is not None  # ready at the swap


def test_waiting_for_the_rating_model_ends_when_its_background_fit_does(world):
    runtime, _, _, (release, fits) = world
    recs = runtime.recommendations
    deadline = time.time() + 10
    while not fits and time.time() < deadline:
        time.sleep(0.05)
    assert not recs.wait_for_rating_model(timeout_s=0.2) and recs.rating_model_pending  # held: still fitting
    release.set()
    assert recs.wait_for_rating_model(timeout_s=60) and not recs.rating_model_pending
    assert recs.ready_rating_model() is not None
