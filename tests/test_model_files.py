"""The fitted recommender on disk: arrays + JSON that answer as the fitted model did, and that
run no code whoever wrote them (a pickle at the old path is never read); damaged files are
refitted with a warning. Small synthetic data, a toy embedder."""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
from pathlib import Path

import numpy as np
import pytest

from chatrec_agent.catalog import Catalog, Interaction
from chatrec_agent.recommender import MODELS
from chatrec_agent.recommender.model_files import write_model
from chatrec_agent.recommender.recommendations import Recommendations
from chatrec_agent.settings import settings_from_dict
from chatrec_agent.store.history import HistoryStore
from chatrec_agent.store.model_store import DirectoryModelStore

from .conftest import FILMS, film_items


class WordVectors:
    """A toy embedder: hashed words, so similar descriptions get similar unit vectors."""

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 32), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                out[row, hashlib.blake2b(word.encode(), digest_size=1).digest()[0] % 32] += 1.0
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def interactions() -> list[Interaction]:
    """40 people, each rating 6 of the films (some without stars); leaves a few films unseen."""
    rng = np.random.default_rng(3)
    ids = [film[0] for film in FILMS[:20]]
    out = []
    for u in range(40):
        for n, i in enumerate(rng.choice(len(ids), size=6, replace=False)):
            out.append(Interaction(f"u{u}", ids[i], None if n == 5 else float(rng.integers(1, 6)), u * 10 + n))
    return out


def engine(folder: Path, model: str = "hybrid") -> Recommendations:
    settings = settings_from_dict({"storage": {"dir": str(folder)}, "recommender": {"model": model}}, environ={})
    catalog = Catalog.from_items(film_items(), interactions())
    return Recommendations(settings, catalog, HistoryStore.open(folder), embedder=WordVectors())


def answers(recs: Recommendations) -> dict:
    """Everything the bot asks the model, for a catalog user, a chat user and nobody."""
    model = recs.model
    out: dict = {}
    for user_id in ("u3", "chat-fan", "nobody"):
        user = recs.user_state(user_id)
        out[user_id] = {
            "recommend": [(e.item.id, round(e.score, 5), e.explanation.text) for e in recs.recommend(user_id, k=5)],
            "wish": [(e.item.id, round(e.score, 5)) for e in recs.recommend(user_id, k=5, wish="space monsters")],
            "like": [(e.item.id, round(e.score, 5)) for e in recs.recommend(user_id, k=5, like_items=["heat"])],
            "scores": {i: round(s, 5) for i, s in model.score(user, model.ds.item_ids).items()},
            "explain": recs.explain(user_id, "psycho").text,
        }
    out["similar"] = [(r.item_id, round(r.score, 5)) for r in model.similar_items(["alien", "shining"], k=5)]
    out["dataset"] = (model.ds.user_ids, model.ds.ratings.tolist(), model.ds.preferences.toarray().tolist())
    return out


def saved(folder: Path, model: str = "hybrid") -> tuple[dict, dict[str, np.ndarray]]:
    """The saved model's JSON and arrays, as a test reads them."""
    meta = json.loads((folder / "models" / f"{model}.json").read_text())
    with np.load(folder / "models" / f"{model}.npz") as npz:
        return meta, dict(npz)


def rewrite(folder: Path, meta: dict, arrays: dict[str, np.ndarray], model: str = "hybrid") -> None:
    """Save changed contents the way the bot does (a consistent pair, as a tamperer could)."""
    write_model(DirectoryModelStore(folder / "models"), model, meta["fingerprint"], meta["settings"], arrays)


@pytest.mark.parametrize("model", MODELS)
def test_a_saved_model_answers_as_the_fitted_one(tmp_path, model):
    first = engine(tmp_path, model)
    # Chat feedback is fitted on but is not in the data fingerprint: the saved dataset keeps it.
    first.history.record_feedback("chat-fan", "alien", "liked")
    first.history.record_feedback("chat-fan", "shining", "rated", 5.0)
    assert first.refresh() is True
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == [f"{model}.json", f"{model}.npz"]
    fitted = answers(first)
    again = engine(tmp_path, model)
    assert again.refresh() is False  # loaded, not refitted
    assert type(again.model) is type(first.model)
    assert answers(again) == fitted
    assert "chat-fan" in again.model.ds.user_ids


def test_the_saved_files_hold_no_pickle(tmp_path):
    recs = engine(tmp_path)
    recs.refresh()
    meta, arrays = saved(tmp_path)
    assert meta["format"] == "chatrec-recommender/1" and meta["settings"]["model"]["cf"]["kind"] == "ease"
    assert all(a.dtype.kind in "biuf" for a in arrays.values())  # np.load refuses objects anyway


class Marker:
    """Unpickling this creates the marker file: what a hostile pickle could do, harmlessly."""

    def __init__(self, path: Path):
        self.path = str(path)

    def __reduce__(self):
        return open, (self.path, "w")


def test_a_pickle_at_the_old_path_is_never_unpickled(tmp_path):
    marker = tmp_path / "unpickled"
    recs = engine(tmp_path / "store")
    old = recs.settings.storage.dir / "models" / f"{recs.model_name}.pkl"
    old.parent.mkdir(parents=True, exist_ok=True)
    recs.history.import_interactions(recs.catalog)
    old.write_bytes(pickle.dumps({"fingerprint": recs.fingerprint(), "model": Marker(marker)}))
    refitted = recs.refresh()
    assert not marker.exists()
    assert refitted is True  # fitted afresh, the old file ignored
    assert not old.exists()  # removed, so nobody takes it for the live model
    # Also when a saved model sits beside it.
    old.write_bytes(pickle.dumps({"fingerprint": recs.fingerprint(), "model": Marker(marker)}))
    assert engine(tmp_path / "store").refresh() is False
    assert not marker.exists()


def test_an_object_array_in_the_npz_is_refused_not_unpickled(tmp_path, caplog):
    marker = tmp_path / "unpickled"
    engine(tmp_path / "store").refresh()
    meta, arrays = saved(tmp_path / "store")
    arrays["model.popularity"] = np.array([Marker(marker)] * len(FILMS), dtype=object)
    rewrite(tmp_path / "store", meta, arrays)
    with caplog.at_level(logging.WARNING):
        assert engine(tmp_path / "store").refresh() is True
    assert not marker.exists()
    assert "refitting" in caplog.text


def _truncate_npz(folder: Path) -> None:
    path = folder / "models" / "hybrid.npz"
    path.write_bytes(path.read_bytes()[:200])


def _truncate_npz_named_in_json(folder: Path) -> None:
    _truncate_npz(folder)
    meta_path = folder / "models" / "hybrid.json"
    meta = json.loads(meta_path.read_text())
    meta["npz_blake2b"] = hashlib.blake2b((folder / "models" / "hybrid.npz").read_bytes(), digest_size=16).hexdigest()
    meta_path.write_text(json.dumps(meta))


def _truncate_json(folder: Path) -> None:
    path = folder / "models" / "hybrid.json"
    path.write_text(path.read_text()[:50])


def _wrong_shape(folder: Path) -> None:
    meta, arrays = saved(folder)
    arrays["model.cf.B"] = arrays["model.cf.B"][:-1]
    rewrite(folder, meta, arrays)


def _index_out_of_range(folder: Path) -> None:
    meta, arrays = saved(folder)
    arrays["dataset.cols"][0] = len(FILMS)
    rewrite(folder, meta, arrays)


def _other_items(folder: Path) -> None:
    meta, arrays = saved(folder)
    meta["settings"]["dataset"]["item_ids"].reverse()
    rewrite(folder, meta, arrays)


def _npz_of_another_fit(folder: Path) -> None:
    _, arrays = saved(folder)
    arrays["model.popularity"] = arrays["model.popularity"] + 1.0
    np.savez(folder / "models" / "hybrid.npz", **arrays)  # the JSON still names the old arrays


def _not_a_model(folder: Path) -> None:
    (folder / "models" / "hybrid.json").write_text('["not", "a", "model"]')


@pytest.mark.parametrize("damage", [_truncate_npz, _truncate_npz_named_in_json, _truncate_json, _wrong_shape, _index_out_of_range, _other_items,
                                    _npz_of_another_fit, _not_a_model])
def test_damaged_files_are_refitted_with_a_warning(tmp_path, caplog, damage):
    fitted = engine(tmp_path)
    fitted.refresh()
    expected = answers(fitted)
    damage(tmp_path)
    with caplog.at_level(logging.WARNING):
        refitted = engine(tmp_path)
        assert refitted.refresh() is True
    assert "refitting" in caplog.text
    assert answers(refitted) == expected
    assert engine(tmp_path).refresh() is False  # saved anew


def test_a_model_saved_for_other_data_is_refitted_quietly(tmp_path, caplog):
    engine(tmp_path).refresh()
    meta, arrays = saved(tmp_path)
    meta["fingerprint"] = "0" * 32
    rewrite(tmp_path, meta, arrays)
    with caplog.at_level(logging.WARNING):
        assert engine(tmp_path).refresh() is True
    assert "refitting" not in caplog.text  # out of date is normal, not damage


def test_a_model_of_another_kind_is_refused(tmp_path):
    # The same data fitted as popularity, saved under the name of the configured EASE model.
    engine(tmp_path, "popularity").refresh()
    models = tmp_path / "models"
    meta, arrays = saved(tmp_path, "popularity")
    ease = engine(tmp_path, "ease")
    ease.history.import_interactions(ease.catalog)
    write_model(DirectoryModelStore(models), "ease", ease.fingerprint(), meta["settings"], arrays)
    assert ease.refresh() is True
    assert type(ease.model).__name__ == "EASERecommender"
    assert ease.recommend("u3", k=3)


def test_a_hybrid_over_item_knn_round_trips(tmp_path):
    # What make_model builds for catalogs too large for EASE; too slow to reach through it here.
    from chatrec_agent.recommender import Dataset, UserState, restore_model
    from chatrec_agent.recommender.hybrid import HybridRecommender
    from chatrec_agent.recommender.itemknn import ItemKNNRecommender
    from chatrec_agent.recommender.model_files import read_model

    items = film_items()
    dataset = Dataset(interactions(), items)
    vectors = WordVectors().encode([item.document() for item in items])
    model = HybridRecommender(ItemKNNRecommender(neighbours=5)).set_vectors(vectors).fit(dataset)
    settings, arrays = model.state()
    write_model(DirectoryModelStore(tmp_path), "hybrid", "fp", settings, arrays)
    saved_settings, saved_arrays = read_model(DirectoryModelStore(tmp_path), "hybrid", "fp")
    again = restore_model("hybrid", saved_settings, saved_arrays, dataset).set_vectors(vectors)
    user = UserState("u", {"alien": 1.0, "fargo": 1.0, "psycho": -1.0}, disliked={"psycho"})
    assert again.score(user, dataset.item_ids) == model.score(user, dataset.item_ids)
    assert [r.item_id for r in again.recommend(user, k=5)] == [r.item_id for r in model.recommend(user, k=5)]


@pytest.mark.parametrize("damage", ["truncated", "empty", "json without keys", "a consistent pair, wrong shapes"])
def test_a_damaged_rating_model_is_refitted_not_fatal(tmp_path, caplog, damage):
    first = engine(tmp_path)
    expected = first.predicted_stars("u3", "psycho")
    folder = tmp_path / "models"
    if damage == "json without keys":
        (folder / "rating.json").write_text("{}")
    elif damage == "a consistent pair, wrong shapes":
        meta = json.loads((folder / "rating.json").read_text())
        with np.load(folder / "rating.npz") as npz:
            arrays = {name: npz[name] for name in npz.files}
        arrays["baseline_bi"] = arrays["baseline_bi"][:-1]
        write_model(DirectoryModelStore(folder), "rating", meta["fingerprint"], meta["settings"], arrays)
    else:
        npz = folder / "rating.npz"
        npz.write_bytes(npz.read_bytes()[:100] if damage == "truncated" else b"")
    fresh = engine(tmp_path)
    fresh.refresh()
    with caplog.at_level(logging.WARNING):
        assert fresh.predicted_stars("u3", "psycho") == expected
    assert "could not load the rating model" in caplog.text
