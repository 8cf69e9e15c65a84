"""Fitted models in the PostgreSQL database replicas share: one replica fits, the others
load (never each refit); replicas starting together fit once; a load during a save gets
one whole version; damage is refitted. Also: a replica starting on a newer catalog
publishes it, and one starting during a reindex waits for it."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import psycopg
import pytest

from chatrec_agent.catalog import Catalog
from chatrec_agent.recommender.model_files import read_model, write_model
from chatrec_agent.recommender.rating_model import RatingModel
from chatrec_agent.recommender.recommendations import Recommendations
from chatrec_agent.runtime import Runtime
from chatrec_agent.settings import settings_from_dict
from chatrec_agent.store.backends import open_coordination
from chatrec_agent.store.postgres_history import PostgresHistoryStore
from chatrec_agent.store.postgres_models import PostgresModelStore

from .conftest import film_items, film_records, race, wait_until, write_jsonl
from .test_coordination import NEW_FILM
from .test_model_files import WordVectors, interactions

pytestmark = pytest.mark.postgres


class Replica:
    """What one bot process holds for its models: its own connections to the shared database."""

    def __init__(self, url: str, folder: Path, chunk_bytes: int = 1 << 20):
        settings = settings_from_dict({"storage": {"dir": str(folder), "backend": "postgres", "url": url},
                                       "recommender": {"model": "hybrid"}}, environ={})
        self.history = PostgresHistoryStore(url)
        self.models = PostgresModelStore(url, chunk_bytes=chunk_bytes)
        catalog = Catalog.from_items(film_items(), interactions())
        self.recs = Recommendations(settings, catalog, self.history, embedder=WordVectors(), models=self.models)

    def close(self) -> None:
        self.models.close()
        self.history.close()


@pytest.fixture
def replicas(postgres_url, tmp_path) -> Iterator[tuple[Replica, Replica]]:
    pair = Replica(postgres_url, tmp_path / "a"), Replica(postgres_url, tmp_path / "b")
    yield pair
    for replica in pair:
        replica.close()


@pytest.fixture
def fits(monkeypatch) -> list[str]:
    """The name of every model fitted, in any replica of this process."""
    from chatrec_agent.recommender.hybrid import HybridRecommender

    fitted: list[str] = []
    fit_hybrid, fit_rating = HybridRecommender.fit, RatingModel.fit.__func__

    def hybrid(self, dataset):
        fitted.append("hybrid")
        time.sleep(0.3)  # long enough that a replica starting together is still waiting
        return fit_hybrid(self, dataset)

    def rating(cls, *args, **kwargs):
        fitted.append("rating")
        return fit_rating(cls, *args, **kwargs)

    monkeypatch.setattr(HybridRecommender, "fit", hybrid)
    monkeypatch.setattr(RatingModel, "fit", classmethod(rating))
    return fitted


def test_a_model_one_replica_fitted_is_loaded_by_the_others(replicas, fits, tmp_path):
    a, b = replicas
    assert a.recs.refresh() is True
    stars = a.recs.predicted_stars("u3", "psycho")
    assert fits == ["hybrid", "rating"]
    assert b.recs.refresh() is False  # loaded from the database, not refitted
    assert b.recs.predicted_stars("u3", "psycho") == stars
    assert fits == ["hybrid", "rating"]
    assert [e.item.id for e in b.recs.recommend("u3", k=5)] == [e.item.id for e in a.recs.recommend("u3", k=5)]
    assert not (tmp_path / "a" / "models").exists() and not (tmp_path / "b" / "models").exists()  # nothing on disk


def test_replicas_starting_together_fit_once(replicas, fits):
    refitted: list[bool] = [False, False]

    def start(n: int) -> None:
        refitted[n] = replicas[n].recs.refresh()

    race(2, start)
    assert fits == ["hybrid"] and sorted(refitted) == [False, True]  # the other waited, then loaded
    a, b = (r.recs for r in replicas)
    assert [e.item.id for e in a.recommend("u5", k=5)] == [e.item.id for e in b.recommend("u5", k=5)]

    race(2, lambda n: replicas[n].recs.predicted_stars("u5", "heat"))
    assert fits == ["hybrid", "rating"]  # the rating model too


def test_a_load_while_another_replica_saves_gets_one_whole_version(postgres_url):
    writer, reader = PostgresModelStore(postgres_url, chunk_bytes=997), PostgresModelStore(postgres_url)
    versions = {str(n): {"w": np.full(3000 + 1000 * n, n, dtype=np.float32)} for n in range(3)}
    write_model(writer, "m", "fp", {"v": "0"}, versions["0"])
    stop = threading.Event()
    seen: set[str] = set()

    def work(n: int) -> None:
        if n == 0:
            for round_ in range(30):
                v = str(round_ % 3)
                write_model(writer, "m", "fp", {"v": v}, versions[v])
            stop.set()
            return
        while not stop.is_set():
            settings, arrays = read_model(reader, "m", "fp")  # a mixed pair would raise here
            v = settings["v"]
            assert np.array_equal(arrays.array("w", (None,)), versions[v]["w"])
            seen.add(v)

    try:
        race(2, work)
    finally:
        writer.close()
        reader.close()
    assert seen  # the reader read while the writer wrote


def test_a_model_fitted_on_other_data_is_never_fetched_whole(replicas, monkeypatch):
    a, b = replicas
    a.recs.refresh()
    fetched: list[str] = []
    get = b.models.get
    monkeypatch.setattr(b.models, "get", lambda name: fetched.append(name) or get(name))
    assert read_model(b.models, "hybrid", "another fingerprint") is None and fetched == []  # the header said so
    assert read_model(b.models, "hybrid", a.recs.fingerprint()) is not None and fetched == ["hybrid"]


def test_a_damaged_model_in_the_database_is_refitted(replicas, fits, postgres_url, caplog):
    a, b = replicas
    a.recs.refresh()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("UPDATE model_chunks SET data = set_byte(data, 200, (get_byte(data, 200) + 1) % 256)"
                     " WHERE name = 'hybrid' AND seq = 0")
    with caplog.at_level(logging.WARNING):
        assert b.recs.refresh() is True
    assert "could not load the model saved at PostgreSQL" in caplog.text and fits == ["hybrid", "hybrid"]


def test_a_replica_starting_on_a_newer_catalog_publishes_it_and_the_others_follow(tmp_path, embedder, postgres_url):
    path = write_jsonl(tmp_path / "films.jsonl", film_records())

    def start(name: str) -> Runtime:
        settings = settings_from_dict(
            {"catalog": {"format": "jsonl", "path": str(path)},
             "storage": {"dir": str(tmp_path / name), "backend": "postgres", "url": postgres_url, "poll_s": 0.1}},
            environ={})
        return Runtime.start(settings, embedder=embedder)

    first = start("a")
    started: list[Runtime] = [first]
    try:
        assert first.coordination.generation() == first.served_generation  # the first to start publishes
        assert first.follow() is not None
        old = first.served_generation
        write_jsonl(path, [*film_records(), NEW_FILM])  # a new deployment brings a new catalog file
        started.append(start("b"))
        newer = started[-1]
        assert "princess-bride" in newer.catalog
        assert newer.coordination.generation() == newer.served_generation != old
        assert wait_until(lambda: "princess-bride" in first.catalog, timeout=20)
        assert first.served_generation == newer.served_generation
    finally:
        for runtime in started:
            runtime.close()


def test_a_replica_starting_during_a_reindex_waits_for_it(tmp_path, embedder, postgres_url):
    path = write_jsonl(tmp_path / "films.jsonl", film_records())
    settings = settings_from_dict(
        {"catalog": {"format": "jsonl", "path": str(path)},
         "storage": {"dir": str(tmp_path / "a"), "backend": "postgres", "url": postgres_url}}, environ={})
    other = open_coordination(settings.storage)  # another replica, reindexing
    assert other.reindex_lock.try_acquire()
    started: list[Runtime] = []
    thread = threading.Thread(target=lambda: started.append(Runtime.start(settings, embedder=embedder)))
    thread.start()
    try:
        time.sleep(2)
        assert not started and thread.is_alive()  # waits rather than syncing the shared index meanwhile
        other.reindex_lock.release()
        thread.join(timeout=60)
        assert started and not started[0].reindexing  # started, and gave the slot back
    finally:
        thread.join()
        other.close()
        for runtime in started:
            runtime.close()


@pytest.mark.server
def test_replicas_starting_together_on_an_empty_index_take_turns(tmp_path, embedder, postgres_url, chroma_server):
    """Each would build the shared index from scratch and delete the other's collection; in
    the start-up slot the first builds it and the second finds it in sync."""
    path = write_jsonl(tmp_path / "films.jsonl", film_records())
    started: list[Runtime | None] = [None, None]

    def start(n: int) -> None:
        settings = settings_from_dict(
            {"catalog": {"format": "jsonl", "path": str(path)},
             "storage": {"dir": str(tmp_path / f"r{n}"), "backend": "postgres", "url": postgres_url},
             "vector_store": {"mode": "server", "host": "127.0.0.1", "port": chroma_server}}, environ={})
        started[n] = Runtime.start(settings, embedder=embedder)

    try:
        race(2, start)
        a, b = started
        assert sorted([a.sync_report.added, b.sync_report.added]) == [0, len(film_records())]
        assert a.index.status()["collection"] == b.index.status()["collection"]
        assert [h.item_id for h in b.index.search("monster on a spaceship", k=1)] == ["alien"]
    finally:
        for runtime in started:
            if runtime is not None:
                runtime.close()
