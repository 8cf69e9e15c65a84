from __future__ import annotations

import json
import math
import random
import subprocess
import sys
from collections import Counter

import pytest

from chatrec_agent.catalog import Interaction
from chatrec_agent.recommender.evaluate import ranking_metrics, split_per_user

from .test_loaders import GENRES, flags


def test_ranking_metrics_match_hand_computed_values():
    recommended = ["a", "b", "c", "d", "e"]
    relevant = {"b", "d", "x"}
    p, r, ndcg, hit = ranking_metrics(recommended, relevant, 5)
    assert p == pytest.approx(2 / 5)
    assert r == pytest.approx(2 / 3)
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg == pytest.approx(dcg / ideal)
    assert hit == 1.0
    assert ranking_metrics(["a", "b"], {"a"}, 1) == (1.0, 1.0, 1.0, 1.0)
    assert ranking_metrics(["a", "b"], {"z"}, 2) == (0.0, 0.0, 0.0, 0.0)


def test_split_is_per_user_seeded_and_80_20():
    data = [Interaction(f"u{u}", f"i{i}", 4.0, i) for u in range(5) for i in range(10 + u)]
    a, b = split_per_user(data, seed=1), split_per_user(data, seed=1)
    assert a.test == b.test and split_per_user(data, seed=2).test != a.test
    tested = Counter(i.user_id for i in a.test)
    assert tested == {f"u{u}": round((10 + u) * 0.2) for u in range(5)}
    assert not {(i.user_id, i.item_id) for i in a.test} & {(i.user_id, i.item_id) for i in a.train}
    assert len(a.test) + len(a.train) == len(data)


def write_tiny_movielens(folder, n_users=40, n_items=30, seed=3):
    """A MovieLens-100K-format folder with two taste groups, plus u1.base/u1.test."""
    folder.mkdir()
    rng = random.Random(seed)
    (folder / "u.genre").write_text("".join(f"{g}|{i}\n" for i, g in enumerate(GENRES)), encoding="latin-1")
    lines = []
    for i in range(1, n_items + 1):
        genre = "Western" if i <= n_items // 2 else "Animation"
        lines.append(f"{i}|Film {i} (19{50 + i})|01-Jan-19{50 + i}||http://example.org/{i}|{flags(genre)}")
    (folder / "u.item").write_text("\n".join(lines) + "\n", encoding="latin-1")
    rows = []
    for u in range(1, n_users + 1):
        group = range(1, n_items // 2 + 1) if u % 2 else range(n_items // 2 + 1, n_items + 1)
        for i in rng.sample(list(group), 10):
            rows.append(f"{u}\t{i}\t{rng.choice([3, 4, 5])}\t{880000000 + u * 100 + i}")
    (folder / "u.data").write_text("\n".join(rows) + "\n")
    (folder / "u1.base").write_text("\n".join(r for n, r in enumerate(rows) if n % 5) + "\n")
    (folder / "u1.test").write_text("\n".join(r for n, r in enumerate(rows) if not n % 5) + "\n")
    return folder


def test_chatrec_eval_reports_every_model_side_by_side(tmp_path):
    folder = write_tiny_movielens(tmp_path / "ml")
    result = subprocess.run(
        [sys.executable, "-m", "chatrec_agent.cli", "eval", "--dataset", "movielens-100k", "--path", str(folder),
         "--models", "popularity,itemknn,ease,als", "--k", "5,10", "--json"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert list(report["models"]) == ["popularity", "itemknn", "ease", "als"]
    for row in report["models"].values():
        for key in ("precision@5", "recall@5", "ndcg@5", "hit_rate@5", "coverage@5", "precision@10", "fit_s"):
            assert 0 <= row[key] <= 1 or key == "fit_s"
    # Two clean taste groups: collaborative models must beat popularity clearly.
    assert report["models"]["ease"]["precision@5"] > report["models"]["popularity"]["precision@5"] + 0.1
    assert 0 < report["rating"]["rmse"] < 2 and report["rating"]["ratings"] > 0
    cold = report["cold_start"]["ease"]
    assert set(cold) == {"cold_recall@10", "cold_hit_rate@10", "new_user_precision@10", "new_user_ndcg@10"}
    assert all(0 <= v <= 1 for v in cold.values())
    assert report["references"]["Chat-REC (ML-100K, with an LLM)"]["precision@5"] == 0.324

    u1 = subprocess.run(
        [sys.executable, "-m", "chatrec_agent.cli", "eval", "--path", str(folder), "--models", "ease",
         "--split", "u1", "--k", "5"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    assert u1.returncode == 0, u1.stderr
    assert "u1.base/u1.test" in u1.stdout and "ease" in u1.stdout and "RMSE" in u1.stdout


def test_eval_errors_are_clear(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "chatrec_agent.cli", "eval", "--models", "ease,magic", "--path", str(tmp_path)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert result.returncode == 2 and "Unknown model(s) magic" in result.stderr


def test_eval_on_movielens_csv_layout(tmp_path):
    folder = tmp_path / "ml-latest-small"
    folder.mkdir()
    rng = random.Random(5)
    (folder / "movies.csv").write_text("movieId,title,genres\n" + "".join(
        f"{i},Film {i} ({1960 + i}),{'Western' if i <= 10 else 'Animation|Children'}\n" for i in range(1, 21)))
    rows = ["userId,movieId,rating,timestamp"]
    for u in range(1, 31):
        group = range(1, 11) if u % 2 else range(11, 21)
        rows += [f"{u},{i},{rng.choice([3.5, 4.0, 4.5, 5.0])},{964982703 + i}" for i in rng.sample(list(group), 6)]
    (folder / "ratings.csv").write_text("\n".join(rows) + "\n")
    result = subprocess.run(
        [sys.executable, "-m", "chatrec_agent.cli", "eval", "--dataset", "movielens-csv", "--path", str(folder),
         "--models", "popularity,ease", "--k", "5", "--json"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["items"] == 20 and report["models"]["ease"]["precision@5"] > report["models"]["popularity"]["precision@5"]


def test_rating_models_learn_a_low_rank_taste_and_the_blend_beats_the_baseline():
    import numpy as np

    from chatrec_agent.recommender import AutoRec, BiasedMF, BlendedRating

    rng = np.random.default_rng(3)
    n_users, n_items = 300, 120
    taste = rng.normal(size=(n_users, 3)) @ rng.normal(size=(3, n_items))
    truth = np.clip(np.rint(3 + taste + rng.normal(0, 0.3, size=taste.shape)), 1, 5)
    observed = rng.random(truth.shape) < 0.35
    users, items = np.nonzero(observed)
    held = rng.random(len(users)) < 0.2
    train = [(u, i, truth[u, i]) for u, i in zip(users[~held], items[~held])]
    tu, ti = users[held], items[held]
    expected = truth[tu, ti]

    def rmse(model) -> float:
        return float(np.sqrt(np.mean((model.predict(tu, ti) - expected) ** 2)))

    means = np.array([np.mean([r for u, _, r in train if u == user] or [3.0]) for user in range(n_users)])
    baseline = float(np.sqrt(np.mean((means[tu] - expected) ** 2)))
    mf = BiasedMF().fit(train, n_users, n_items)
    small = {"epochs": 150, "batch_size": 16}  # 120 items: more, smaller steps than on MovieLens
    autorec = AutoRec(**small).fit(train, n_users, n_items)
    blend = BlendedRating(**small).fit(train, n_users, n_items)
    assert rmse(mf) < 0.6 * baseline and rmse(autorec) < 0.5 * baseline  # about 0.69 and 0.54 vs 1.29
    assert rmse(blend) < rmse(mf)
    # Deterministic for a seed.
    again = AutoRec(**small).fit(train, n_users, n_items)
    assert np.allclose(again.predict(tu, ti), autorec.predict(tu, ti))
    # An item nobody rated gets the bias-only answer, not the autoencoder's guess.
    unrated = BlendedRating(**small).fit([t for t in train if t[1] != 0], n_users, n_items)
    assert not unrated.autorec.rated[0]
    assert np.allclose(unrated.predict(np.array([5]), np.array([0])), unrated.mf.predict(np.array([5]), np.array([0])))
