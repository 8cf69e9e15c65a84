"""The concurrency benchmark end to end, tiny: the real `chatrec serve slack` against its slow
model stand-in (part A) and the offline planner in-process (part B), on the test films."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .conftest import film_records, write_jsonl

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "concurrency_bench.py"


def test_concurrency_bench_smoke(tmp_path):
    films = write_jsonl(tmp_path / "films.jsonl", film_records())  # a small catalog: the index builds in seconds
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    out = subprocess.run([sys.executable, str(BENCH), "--catalog", str(films), "--storage", str(tmp_path / "state"),
                          "--mentions", "3", "--model-delay", "0.3", "--turn-workers", "3", "--levels", "1,2",
                          "--turns", "4"], check=False, capture_output=True, text=True, timeout=240, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout)  # stdout is the JSON report alone; progress goes to stderr

    assert report["cpu_count"] >= 1 and report["settings"]["turn_workers"] == [3]
    (run,) = report["part_a"]["runs"]
    assert run["turn_workers"] == 3 and run["replies_with_items"] == 3 and run["model_calls"] == 6
    # Turns of different conversations waited on the model together, not one after another.
    assert run["max_concurrent_model_requests"] > 1
    assert run["serial_estimate_s"] == 1.8 and run["all_replied_s"] < run["serial_estimate_s"]
    assert {"p50_ms", "p95_ms", "max_ms"} <= set(run["reply_latency"])
    # The answer streams: its first words show before the cards end it.
    assert run["first_text_latency"]["p50_ms"] < run["reply_latency"]["p50_ms"]

    levels = report["part_b"]["levels"]
    assert [level["concurrency"] for level in levels] == [1, 2]
    for level in levels:
        assert level["turns"] == 4 and level["turns_per_s"] > 0
        assert 0 < level["latency"]["p50_ms"] <= level["latency"]["p95_ms"] <= level["latency"]["max_ms"]
