"""The tuned rating model: settings chosen by validation, fold-in of new people, saving
without pickle, and the fallback for tiny catalogs. All data is synthetic, built here."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from chatrec_agent.recommender.rating import FitStopped, train_autorec
from chatrec_agent.recommender.rating_model import RatingModel, Search


def low_rank_ratings(n_users=300, n_items=120, rank=3, density=0.35, noise=0.3, seed=3):
    """Ratings 1-5 from a low-rank taste: (train triples, held-out users, items, ratings,
    a function giving the true ratings of new people)."""
    rng = np.random.default_rng(seed)
    films = rng.normal(size=(rank, n_items))

    def people(n: int, rng=rng) -> np.ndarray:
        taste = rng.normal(size=(n, rank)) @ films
        return np.clip(np.rint(3 + taste + rng.normal(0, noise, size=taste.shape)), 1, 5)

    truth = people(n_users)
    users, items = np.nonzero(rng.random(truth.shape) < density)
    held = rng.random(len(users)) < 0.2
    train = [(int(u), int(i), float(truth[u, i])) for u, i in zip(users[~held], items[~held])]
    return train, users[held], items[held], truth[users[held], items[held]], people


def rmse(predicted, expected) -> float:
    return float(np.sqrt(np.mean((np.asarray(predicted) - expected) ** 2)))


def user_means(train, n_users) -> np.ndarray:
    u = np.array([t[0] for t in train])
    r = np.array([t[2] for t in train])
    return np.bincount(u, r, n_users) / np.maximum(np.bincount(u, minlength=n_users), 1)


# The default search, with a smaller AutoRec stage to keep the tests quick.
QUICK = Search(autorec_hidden=(100,), autorec_l2=(10.0, 30.0), autorec_max_epochs=40, autorec_min_epochs=10)


@pytest.fixture(scope="module")
def taste():
    train, tu, ti, expected, people = low_rank_ratings()
    model = RatingModel.fit(train, 300, 120, seed=7, search=QUICK)
    return model, train, tu, ti, expected, people


def test_the_tuned_model_learns_a_low_rank_taste_far_better_than_user_means(taste):
    model, train, tu, ti, expected, _ = taste
    baseline = rmse(user_means(train, 300)[tu], expected)
    assert rmse(model.predict(tu, ti), expected) < 0.6 * baseline  # about 0.47 vs 1.33
    assert model.chosen["model"] != "baseline"
    assert model.chosen["validation_rmse"] < model.chosen["baseline_validation_rmse"]


def test_the_chosen_settings_are_the_best_on_validation(taste):
    chosen = taste[0].chosen
    candidates = chosen["candidates"]
    assert chosen["validation"]["ratings"] >= 20 and chosen["validation"]["train_ratings"] > 0

    def best(part: str, among=lambda c: True) -> dict:
        rows = [c for c in candidates if c["part"] == part and among(c)]
        assert len(rows) >= 2, f"{part}: a search needs more than one candidate"
        return min(rows, key=lambda c: c["validation_rmse"])

    assert chosen["baseline"] == best("baseline")["settings"]
    assert chosen["baseline_validation_rmse"] == best("baseline")["validation_rmse"]
    assert chosen["biased_mf"] == best("biased-mf")["settings"]
    assert chosen["biased_mf_validation_rmse"] == best("biased-mf")["validation_rmse"]
    # AutoRec's λ and epochs are chosen with the trained decoder; the final decoder is solved exactly.
    network = best("autorec", lambda c: "decoder" not in c["settings"])["settings"]
    assert {k: v for k, v in chosen["autorec"].items() if k != "decoder"} == network
    assert 1 <= network["epochs"] <= QUICK.autorec_max_epochs
    # The blend is at least as good as either part, and what was chosen is the best of all.
    parts = [chosen["biased_mf_validation_rmse"], chosen["autorec_validation_rmse"]]
    assert chosen["validation_rmse"] <= min(parts) + 1e-9
    assert chosen["validation_rmse"] <= chosen["baseline_validation_rmse"]
    assert 0 <= chosen["blend_weight"] <= 1


def test_different_data_gets_different_settings(taste):
    # Rank 3 on a 1-5 scale vs. no shared taste at all (biases and noise) on a 1-10 scale.
    strong_chosen = taste[0].chosen
    rng = np.random.default_rng(11)
    n_users, n_items = 150, 40
    biases = 5.5 + rng.normal(0, 1.2, (n_users, 1)) + rng.normal(0, 1.2, (1, n_items))
    flat = np.clip(np.rint(biases + rng.normal(0, 1.5, biases.shape)), 1, 10)
    users, items = np.nonzero(rng.random(flat.shape) < 0.3)
    noisy = RatingModel.fit([(u, i, flat[u, i]) for u, i in zip(users, items)], n_users, n_items, seed=7)
    chosen = noisy.chosen
    assert (chosen["model"], chosen["biased_mf"]) != (strong_chosen["model"], strong_chosen["biased_mf"])
    # With nothing but biases to learn, factors gain little or nothing over the baseline.
    assert chosen["baseline_validation_rmse"] - chosen["validation_rmse"] < 0.05
    assert strong_chosen["baseline_validation_rmse"] - strong_chosen["validation_rmse"] > 0.3
    predictions = noisy.predict(users[:50], items[:50])
    assert predictions.min() >= 1 and predictions.max() <= 10  # the data's own scale


def test_a_new_person_with_a_few_ratings_is_folded_in(taste):
    model, train, _, _, _, people = taste
    # A person not in the fit, with the same kind of taste as the people who were.
    rng = np.random.default_rng(21)
    person = people(1, rng)[0]
    rated = rng.choice(120, size=8, replace=False)
    others = np.setdiff1d(np.arange(120), rated)
    predicted = model.predict_for_history({int(i): float(person[i]) for i in rated}, others)
    global_mean = np.mean([t[2] for t in train])
    assert rmse(predicted, person[others]) < 0.8 * rmse(np.full(len(others), global_mean), person[others])
    # With no ratings: the average person, the same as a user the model has never seen.
    nobody = model.predict_for_history({}, others)
    assert np.allclose(nobody, model.predict(np.full(len(others), 10_000), others))
    # Someone from the fit, folded in from their own training ratings, gets about the same answers.
    mine = {i: r for u, i, r in train if u == 5}
    every = np.arange(120)
    assert np.allclose(model.predict_for_history(mine, every), model.predict(np.full(120, 5), every), atol=0.1)


def test_save_and_load_give_the_same_predictions_and_run_no_code(taste, tmp_path):
    model, _, tu, ti, _, _ = taste
    folder = model.save(tmp_path / "rating")
    assert sorted(p.name for p in folder.iterdir()) == ["rating_model.json", "rating_model.npz"]
    again = RatingModel.load(folder)
    assert np.array_equal(again.predict(tu, ti), model.predict(tu, ti))
    history = {3: 4.0, 17: 2.0, 40: 5.0}
    assert np.array_equal(again.predict_for_history(history, np.arange(120)),
                          model.predict_for_history(history, np.arange(120)))
    assert again.chosen == model.chosen
    # An array that would need pickle is refused, not run.
    with np.load(folder / "rating_model.npz") as npz:
        arrays = dict(npz)
    arrays["seen"] = np.array([object()] * 300, dtype=object)
    np.savez(folder / "rating_model.npz", **arrays)
    with pytest.raises(ValueError):
        RatingModel.load(folder)


def test_a_fit_is_repeatable_and_autorec_can_work_alone(tmp_path):
    train, tu, ti, _, _ = low_rank_ratings()
    # BiasedMF held back by a heavy penalty, so that the blend leaves it out.
    search = Search(autorec_hidden=(100,), autorec_l2=(10.0, 30.0), autorec_max_epochs=30, autorec_min_epochs=10,
                    mf_l2=(40.0,), mf_max_factors=8)
    first = RatingModel.fit(train, 300, 120, seed=3, search=search)
    second = RatingModel.fit(train, 300, 120, seed=3, search=search)
    assert first.chosen["model"] == "autorec" and first.mf is None
    assert np.array_equal(first.predict(tu, ti), second.predict(tu, ti))
    again = RatingModel.load(first.save(tmp_path / "autorec"))
    assert np.array_equal(again.predict(tu, ti), first.predict(tu, ti))
    assert np.array_equal(again.predict_for_history({1: 5.0, 2: 1.0}, ti), first.predict_for_history({1: 5.0, 2: 1.0}, ti))


def test_a_fit_asked_to_stop_gives_up_instead_of_fitting():
    """What closing the bot does to a background fit: it ends at the next candidate or epoch."""
    train, *_ = low_rank_ratings()
    stop = threading.Event()
    stop.set()
    with pytest.raises(FitStopped):
        RatingModel.fit(train, 300, 120, search=QUICK, stop=stop)
    users, items, ratings = (np.array(column) for column in zip(*train))
    with pytest.raises(FitStopped):
        train_autorec(users.astype(np.int64), items.astype(np.int64), ratings, 300, 120, hidden=10, l2=1.0, epochs=5,
                      stop=stop)


def test_tiny_data_falls_back_to_the_biases_baseline():
    rng = np.random.default_rng(2)
    tiny = [(int(rng.integers(0, 6)), int(rng.integers(0, 10)), float(rng.integers(1, 6))) for _ in range(30)]
    model = RatingModel.fit(tiny, 6, 10)
    assert model.chosen["model"] == "baseline" and "under 50 ratings" in model.chosen["reason"]
    predictions = model.predict(np.arange(6).repeat(10), np.tile(np.arange(10), 6))
    assert np.all((predictions >= 1) & (predictions <= 5))
    # Enough ratings, but one per person: nothing to validate on either.
    single = [(u, u % 10, float(1 + u % 5)) for u in range(80)]
    model = RatingModel.fit(single, 80, 10)
    assert model.chosen["model"] == "baseline" and model.chosen["validation"] is None
    assert model.predict_for_history({1: 5.0, 2: 4.0}, [3]).shape == (1,)


def test_a_small_catalog_is_tuned_without_autorec():
    train, tu, ti, expected, _ = low_rank_ratings(n_users=60, n_items=30, density=0.5, seed=5)
    assert 50 <= len(train) < 2000
    model = RatingModel.fit(train, 60, 30)
    assert model.chosen["autorec"] is None and "skipped" in model.chosen["autorec_note"]
    assert model.chosen["model"] in ("biased-mf", "baseline")
    assert rmse(model.predict(tu, ti), expected) < rmse(user_means(train, 60)[tu], expected)
