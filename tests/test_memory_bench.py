"""The memory benchmark runs and shows memory bounded: one checkpoint per conversation and
no more messages than twice the window, however many turns."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_memory_stays_bounded_over_many_turns():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "memory_bench.py"), "--turns", "48",
                          "--conversations", "3", "--window", "4", "--every", "24"],
                         capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout)
    first, last = report["growth"]
    assert last["checkpoints"] == 3 and last["pending_writes"] <= 3 * 10
    assert last["max_messages_kept"] <= 2 * 4 + 6  # the window twice, plus one turn's tool messages
    assert last["memory_bytes"] < 2 * first["memory_bytes"]  # twice the turns, not twice the memory
