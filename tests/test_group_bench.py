"""The group benchmark runs on a small MovieLens-100K-format folder and reports every method."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

from .test_loaders import GENRES, flags

ROOT = Path(__file__).resolve().parents[1]
TASTES = ["Western", "Horror", "Comedy"]


def write_tastes_movielens(folder: Path, users: int = 60, items: int = 45, seed: int = 4) -> Path:
    """Three taste clusters: each person rates films of their genre 4-5★ and others 1-3★."""
    folder.mkdir()
    rng = random.Random(seed)
    (folder / "u.genre").write_text("".join(f"{g}|{i}\n" for i, g in enumerate(GENRES)), encoding="latin-1")
    genre = {i: TASTES[i % 3] for i in range(1, items + 1)}
    (folder / "u.item").write_text("".join(
        f"{i}|Film {i} (19{50 + i})|01-Jan-19{50 + i}||http://example.org/{i}|{flags(genre[i])}\n"
        for i in genre), encoding="latin-1")
    rows = []
    for u in range(1, users + 1):
        for i in rng.sample(sorted(genre), 16):
            stars = rng.choice([4, 5]) if genre[i] == TASTES[u % 3] else rng.choice([1, 2, 3])
            rows.append(f"{u}\t{i}\t{stars}\t{880000000 + u * 100 + i}")
    (folder / "u.data").write_text("\n".join(rows) + "\n")
    return folder


def test_group_bench_reports_every_strategy_and_the_one_member_baseline(tmp_path):
    folder = write_tastes_movielens(tmp_path / "ml")
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "group_bench.py"), "--movielens", str(folder),
                          "--groups", "6", "--seed", "3", "--model", "ease"],
                         capture_output=True, text=True, timeout=300, cwd=ROOT, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout)
    assert report["default_strategy"] == "fair" and report["groups_per_kind"] == 6
    methods = {"one_member", "fair", "average", "least_misery", "most_pleasure"}
    assert set(report["results"]) == {"random", "similar", "all"}
    for kind, rows in report["results"].items():
        assert set(rows) == methods
        for row in rows.values():
            for metric in ("hit_rate@10", "ndcg@10", "misery_known", "misery_oracle"):
                assert 0 <= row[metric] <= 1, (kind, row)
            assert 0 < row["picks"] <= 10 * (12 if kind == "all" else 6) and 0 <= row["known_picks"] <= row["picks"]
    assert set(report["default_beats_one_member"]) == {"ndcg@10", "misery_oracle", "misery_known"}
    # Clean taste clusters: picks that suit one member only make somebody miserable more often.
    everyone = report["results"]["all"]
    assert everyone["fair"]["misery_oracle"] <= everyone["one_member"]["misery_oracle"]
