"""The flood benchmark end to end, tiny: the real `chatrec serve slack` past its turn queue,
with retried deliveries, a person over the rate limit, slow-loris connections and oversized
bodies, on the test films."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .conftest import film_records, write_jsonl

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "flood_bench.py"


def test_flood_bench_smoke(tmp_path):
    films = write_jsonl(tmp_path / "films.jsonl", film_records())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    out = subprocess.run([sys.executable, str(BENCH), "--catalog", str(films), "--events", "80", "--seconds", "1",
                          "--duplicates", "5", "--flooder", "25", "--model-delay", "0.2", "--max-pending", "4",
                          "--slow-loris", "5", "--oversized", "2", "--normal", "3", "--head-timeout", "1"],
                         check=False, capture_output=True, text=True, timeout=300, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout)
    flood = report["flood"]
    assert flood["acknowledged_200"] == 80 and flood["every_event_answered_once_or_refused"], flood
    outcomes = flood["outcomes"]
    assert "answered_twice" not in outcomes and "unanswered" not in outcomes
    assert outcomes["refused_rate_limited"] == 5  # 25 from one person, 20 a minute allowed
    assert outcomes["refused_busy"] > 0 and outcomes["answered"] > 0  # the queue of 4 overflowed politely
    assert sum(outcomes.values()) == 80
    abuse = report["abuse"]
    assert abuse["slow_loris_closed_by_server"] == 5 and abuse["oversized_refused_413"] == 2
    assert abuse["normal_answered"] == 3
    assert report["recovery"]["healthz_ready"] and report["recovery"]["fresh_mention_outcome"] == "answered"
    assert report["exit_code_on_sigterm"] == 0 and report["peak_rss_mb"] >= report["rss_mb_at_start"] > 0
