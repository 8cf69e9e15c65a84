"""Integration: the real embedding model and a real embedded Chroma in a temp dir."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import replace

import numpy as np
import pytest

from chatrec_agent.catalog import Catalog
from chatrec_agent.catalog.filters import SearchFilter
from chatrec_agent.errors import VectorIndexError
from chatrec_agent.search.index import ItemIndex
from chatrec_agent.settings import settings_from_dict

from .conftest import check_full_rebuilds_spare_the_neighbour, collection_names, film_items


def ids(hits):
    return [h.item_id for h in hits]


def test_search_finds_items_by_meaning(built_index):
    assert ids(built_index.search("a monster loose on a spaceship", k=1)) == ["alien"]
    assert ids(built_index.search("cowboys and gunfights", k=3))[0] in {"unforgiven", "good-bad-ugly", "rio-bravo"}
    hit = built_index.search("toys that come alive", k=1)[0]
    assert (hit.title, hit.year, hit.genres) == ("Toy Story", 1995, ("Animation", "Children", "Comedy"))
    assert 0.3 < hit.score <= 1.0
    scores = [h.score for h in built_index.search("anything at all", k=10)]
    assert scores == sorted(scores, reverse=True)


def test_empty_index_says_what_to_do(index):
    with pytest.raises(VectorIndexError, match="run `chatrec index` first"):
        index.search("anything")


def test_second_sync_embeds_nothing(index, catalog):
    first = index.sync(catalog)
    assert first.full and first.added == len(catalog)
    second = index.sync(catalog)
    assert not second.full and second.embedded == 0 and second.unchanged == len(catalog)
    assert "nothing embedded" in second.summary()


def test_changed_and_deleted_items_are_synced(index, catalog):
    index.sync(catalog)
    items = film_items()
    items[0] = replace(items[0], description="A lighthearted musical about dancing penguins in Antarctica.")
    kept = [i for i in items if i.id != "alien"]
    report = index.sync(Catalog.from_items(kept))
    assert (report.added, report.updated, report.deleted) == (0, 1, 1)
    assert index.count() == len(kept)
    assert "alien" not in ids(index.search("monster on a spaceship", k=len(kept)))
    assert ids(index.search("dancing penguins", k=1)) == ["fargo"]


def test_new_item_is_added_without_reembedding_others(index, catalog, embedder):
    index.sync(catalog)
    calls = []
    original = embedder.encode

    def counting_encode(texts, batch_size=None):
        calls.append(len(texts))
        return original(texts, batch_size)

    embedder.encode = counting_encode
    try:
        extra = replace(film_items()[1], id="aliens", title="Aliens", year=1986, description="Marines return to the colony planet.")
        report = index.sync(Catalog.from_items(film_items() + [extra]))
    finally:
        del embedder.encode
    assert report.added == 1 and report.updated == 0
    assert calls == [1]


@pytest.mark.parametrize(
    "flt, expected",
    [
        (SearchFilter(genres=("Western",)), {"unforgiven", "good-bad-ugly", "rio-bravo"}),
        (SearchFilter(genres=("western",), year_to=1969), {"good-bad-ugly", "rio-bravo"}),
        (SearchFilter(year_from=2015), {"get-out", "paddington-2", "mad-max-fury-road", "parasite"}),
        (SearchFilter(genres=("Horror",), exclude_ids=frozenset({"alien"})), {"psycho", "shining", "get-out"}),
        (SearchFilter(any_genres=("Musical", "War")), {"singin-in-the-rain", "saving-private-ryan"}),
        (SearchFilter(genres=("Documentary",)), set()),
    ],
)
def test_filters_hold(built_index, flt, expected):
    hits = built_index.search("a great film", k=10, flt=flt)
    assert set(ids(hits)) == expected


def test_exclude_genre(built_index):
    hits = built_index.search("scary", k=30, flt=SearchFilter(exclude_genres=("Horror", "Thriller")))
    assert hits and all("Horror" not in h.genres and "Thriller" not in h.genres for h in hits)


@pytest.mark.parametrize("plan", ["exact", "overfetch", "where"])
def test_every_filtered_search_plan_returns_the_true_top_k(settings, embedder, catalog, plan):
    """Each plan must agree with brute force over the items that pass the filter."""
    vs = settings.vector_store
    vs.exact_scan_max, vs.overfetch_max = {
        "exact": (10_000, 10), "overfetch": (0, 10_000), "where": (0, 10)
    }[plan]
    index = ItemIndex(settings, embedder)
    index.sync(catalog)
    flt = SearchFilter(exclude_genres=("Western",), year_from=1960, exclude_ids=frozenset({"matrix"}))
    query = "an exciting adventure with explosions"
    vector = embedder.encode([query])[0]
    allowed = [i for i in film_items() if flt.accepts(i)]
    truth = embedder.encode([i.document() for i in allowed]) @ vector
    expected = [allowed[j].id for j in np.argsort(-truth)[:4]]
    assert ids(index.search(query, k=4, flt=flt)) == expected


def test_interrupted_full_rebuild_keeps_the_old_index(index, catalog):
    index.sync(catalog)
    before = ids(index.search("space monster", k=5))
    collection = index.status()["collection"]
    bigger = Catalog.from_items(film_items() + [replace(film_items()[0], id=f"copy-{n}") for n in range(600)])

    def crash(done, total, stage):
        if done > 0:
            raise KeyboardInterrupt  # what Ctrl-C mid-rebuild raises

    with pytest.raises(KeyboardInterrupt):
        index.sync(bigger, full=True, progress=crash)
    assert index.status()["collection"] == collection
    assert ids(index.search("space monster", k=5)) == before
    names = [c.name for c in index.client.list_collections()]
    assert sorted(names) == sorted([collection, "chatrec_items-active"])  # half-built one dropped


def test_killed_full_rebuild_keeps_the_old_index(index, catalog, settings, tmp_path):
    """A hard kill (no cleanup at all) mid-rebuild: the old index answers, the next rebuild tidies up."""
    index.sync(catalog)
    before = ids(index.search("space monster", k=5))
    collection = index.status()["collection"]
    script = textwrap.dedent(f"""
        import os, signal
        from chatrec_agent.search import index as index_module
        from chatrec_agent.catalog import Catalog
        from chatrec_agent.search.embeddings import Embedder
        from chatrec_agent.settings import settings_from_dict
        from tests.conftest import film_items
        index_module.EMBED_CHUNK = 8
        settings = settings_from_dict({{"storage": {{"dir": {str(settings.storage.dir)!r}}}}}, environ={{}})
        idx = index_module.ItemIndex(settings, Embedder(settings.embeddings))
        def die(done, total, stage):
            if done >= 8:
                os.kill(os.getpid(), signal.SIGKILL)
        idx.sync(Catalog.from_items(film_items()), full=True, progress=die)
    """)
    child = subprocess.run([sys.executable, "-c", script], cwd=os.path.dirname(os.path.dirname(__file__)), timeout=300)
    assert child.returncode == -9
    fresh = ItemIndex(settings, index.embedder)
    assert fresh.status()["collection"] == collection
    assert ids(fresh.search("space monster", k=5)) == before
    assert len(collection_names(fresh)) == 3  # old, pointer, and the killed rebuild's partial collection
    report = fresh.sync(catalog, full=True)
    assert collection_names(fresh) == sorted([report.collection, "chatrec_items-active"])


@pytest.mark.parametrize("ours, theirs", [("movies", "movies-kids"), ("movies-kids", "movies")])
def test_full_rebuild_spares_a_deployment_whose_name_shares_a_prefix(tmp_path, embedder, catalog, ours, theirs):
    def deployment(base):
        settings = settings_from_dict(
            {"storage": {"dir": str(tmp_path / "store")}, "vector_store": {"collection": base}},
            environ={}, base_dir=tmp_path,
        )
        return ItemIndex(settings, embedder)

    check_full_rebuilds_spare_the_neighbour(deployment, catalog, ours, theirs)


def test_second_concurrent_sync_is_refused(index, catalog):
    results = []

    def nested(done, total, stage):
        if done and not results:
            with pytest.raises(VectorIndexError, match="already running"):
                index.sync(catalog)
            results.append("refused")

    index.sync(catalog, progress=nested)
    assert results == ["refused"]
    assert not index.is_syncing


def test_model_change_forces_full_rebuild(index, catalog, embedder):
    index.sync(catalog)
    real_name = embedder.model_name
    embedder.model_name = "some/other-model"
    try:
        report = index.sync(catalog)
    finally:
        embedder.model_name = real_name
    assert report.full and "embedding model changed" in report.reason


def test_chroma_never_loads_its_default_embedding_function(built_index):
    collection = built_index._collection()
    assert collection._embedding_function is None
    # Asking Chroma to embed text itself must fail rather than fetch its ONNX model.
    with pytest.raises(Exception):
        collection.query(query_texts=["space"], n_results=1)


def test_large_reads_are_paged(settings, embedder, monkeypatch):
    """Reading back more ids than one page holds (SQLite's variable limit at 100k ids)."""
    from chatrec_agent.search import index as index_module

    monkeypatch.setattr(index_module, "page_size", lambda client: 7)
    idx = ItemIndex(settings, embedder)
    idx.sync(Catalog.from_items(film_items()))
    assert idx.sync(Catalog.from_items(film_items())).unchanged == len(film_items())
    assert len(idx._facets()) == len(film_items())
    # Read back several pages at once, every row once, in the stored order; rows added after
    # the count was taken are read too.
    collection = idx._collection()
    want = [i.id for i in film_items()]
    assert [item_id for item_id, _ in idx._iter_metadata(collection)] == want

    class CountedEarlier:
        def __init__(self, missed):
            self.missed = missed

        def count(self):
            return collection.count() - self.missed

        def get(self, **kwargs):
            return collection.get(**kwargs)

    for missed in (len(want), 10, 9, 3):  # counted before any, a page's worth, and not
        rows = list(idx._iter_metadata(CountedEarlier(missed)))
        assert [item_id for item_id, _ in rows] == want and all(meta["content_hash"] for _, meta in rows), missed


# --- words the catalog has as tags ----------------------------------------------------------

TAGS = {
    "heat": ("heist", "cat and mouse"), "paddington-2": ("heist", "prison"), "fargo": ("kidnapping", "snow"),
    "psycho": ("twist ending", "motel"), "parasite": ("twist ending", "class divide"), "get-out": ("twist ending",),
    "some-like-it-hot": ("twist", "cross-dressing"), "groundhog-day": ("time loop",),
    "casablanca": ("tear jerker", "wartime"), "unforgiven": ("movies",), "rio-bravo": ("good",),
}


@pytest.fixture(scope="module")
def tagged_index(tmp_path_factory, embedder) -> ItemIndex:
    settings = settings_from_dict({"storage": {"dir": str(tmp_path_factory.mktemp("tagged"))}}, environ={})
    index = ItemIndex(settings, embedder)
    index.sync(Catalog.from_items([replace(i, tags=TAGS.get(i.id, ())) for i in film_items()]))
    return index


@pytest.mark.parametrize("query", ["a heist film", "heists", "something with a HEIST in it"])
def test_a_word_the_catalog_has_as_a_tag_finds_the_tagged_items_first(tagged_index, query):
    hits = tagged_index.search(query, k=4)
    assert set(ids(hits[:2])) == {"heat", "paddington-2"}, ids(hits)
    assert [h.matched for h in hits[:2]] == [("heist",), ("heist",)]
    assert not any(h.matched for h in hits[2:])


def test_a_multi_word_tag_finds_its_items_before_those_sharing_one_word(tagged_index):
    hits = tagged_index.search("a film with a twist ending", k=5)
    assert set(ids(hits[:3])) == {"psycho", "parasite", "get-out"}, ids(hits)
    assert all(h.matched == ("twist ending",) for h in hits[:3])
    twist = tagged_index.search("a clever twist", k=4)
    assert set(ids(twist)) == {"psycho", "parasite", "get-out", "some-like-it-hot"}, ids(twist)


@pytest.mark.parametrize("query", ["a film about a clever dog", "snowy film noir", "time travel"])
def test_words_that_are_no_tag_change_nothing(tagged_index, embedder, query):
    fused = tagged_index.search(query, k=8)
    plain = tagged_index.search_vector(embedder.encode([query])[0], k=8)
    assert [(h.item_id, h.score) for h in fused] == [(h.item_id, h.score) for h in plain]
    assert not any(h.matched for h in fused)


@pytest.mark.parametrize("query", ["a real tearjerker", "any tear-jerkers?", "a good tear jerker"])
def test_a_tag_is_one_term_however_it_is_spaced(tagged_index, query):
    hits = tagged_index.search(query, k=3)
    assert ids(hits)[0] == "casablanca" and hits[0].matched == ("tear jerker",), [(h.item_id, h.matched) for h in hits]


@pytest.mark.parametrize("query", ["good movies for tonight", "a great film", "the best movie ever"])
def test_a_tag_that_names_the_kind_or_a_verdict_matches_nothing(tagged_index, query):
    """An item tagged "movies" or "good" is about nothing in particular: every query says those."""
    assert not any(h.matched for h in tagged_index.search(query, k=8))


def test_tag_matches_respect_the_filters(tagged_index):
    hits = tagged_index.search("a heist film", k=3, flt=SearchFilter(genres=("Children",)))
    assert ids(hits)[0] == "paddington-2" and all("Children" in h.genres for h in hits)
    hits = tagged_index.search("a heist film", k=5, flt=SearchFilter(exclude_ids=frozenset({"heat"}), year_to=2000))
    assert "heat" not in ids(hits) and "paddington-2" not in ids(hits) and not any(h.matched for h in hits)


def test_the_search_tables_can_be_built_before_the_first_search(index, catalog):
    index.warm().join()  # an empty index: nothing to build, nothing raised
    index.sync(catalog)
    index.warm().join()
    active = index._active_state()
    assert active.facets is not None and active.lexical is not None and len(active.lexical) == len(catalog)


def test_vectors_of_an_id_named_twice_come_twice(built_index):
    """"a film for @ana and me like Fargo Fargo": Chroma refuses duplicate ids in one get."""
    vectors = built_index.vectors(["alien", "fargo", "alien", "no-such-film"])
    assert vectors.shape[0] == 4 and np.allclose(vectors[0], vectors[2]) and not np.allclose(vectors[0], vectors[1])
    assert np.allclose(vectors[3], 0.0) and np.linalg.norm(vectors[0]) > 0.5


def test_a_hit_counts_as_described_only_above_what_made_up_words_reach(built_index, settings, embedder, tmp_path, catalog):
    floor = built_index.noise_floor()
    assert 0.0 < floor < built_index.search("a monster loose on a spaceship", k=1)[0].score
    assert built_index.noise_floor() == floor  # cached with the collection
    # Titles and genres only, as MovieLens has them: noise comes nearer short documents, so the
    # floor is the catalog's own, not one number for every catalog.
    short = ItemIndex(settings_from_dict({"storage": {"dir": str(tmp_path / "short")}}, environ={}), embedder)
    short.sync(Catalog.from_items([replace(item, description="") for item in catalog.items.values()], source="titles only"))
    assert short.noise_floor() > floor
