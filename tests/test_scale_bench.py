"""The scale benchmark end to end, tiny: a generated catalog with power-law ratings through
the real index, recommender and agent, in a child process per size."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "scale_bench.py"


def test_scale_bench_smoke():
    out = subprocess.run([sys.executable, str(BENCH), "--sizes", "300,600", "--turns", "12"],
                         check=False, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout)
    small, big = report["runs"]
    assert (small["items"], big["items"]) == (300, 600)
    for run in (small, big):
        assert run["ratings"] > 5 * run["items"] and run["index"]["items_per_s"] > 0
        assert run["recommender"] and run["peak_rss_mb"] >= run["rss_mb_after_start"] > 0
        assert 0 < run["turns"]["p50_ms"] <= run["turns"]["p95_ms"]
        assert run["reindex_1pct"]["changed"] == run["items"] // 100
        assert set(run["search"]) == set(run["recommend"]) == {"unfiltered", "genre+decade"}
    assert report["growth"]["items"] == 2.0
