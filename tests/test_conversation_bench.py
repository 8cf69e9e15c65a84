"""The conversation benchmark end to end on the demo catalog: a handful of simulated sessions."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

from chatrec_agent.catalog.load import load_catalog
from chatrec_agent.settings import CatalogSettings

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "conversation_bench.py"


def _load_bench():
    spec = importlib.util.spec_from_file_location("conversation_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_conversation_bench_on_the_demo_catalog(tmp_path, capsys):
    bench = _load_bench()
    report = bench.main(["--demo", "--sessions", "6", "--seeds", "1", "--like-x", "4", "--like-x-people", "2",
                         "--include-sessions", "--workdir", str(tmp_path / "work")])
    printed = json.loads(capsys.readouterr().out)  # stdout is the JSON report and nothing else
    assert printed["summary"] == report["summary"]

    assert report["config"]["catalog"] == "demo" and report["config"]["seeds"] == [1]
    summary = report["summary"]
    for block in ("conversation", "baseline_static", "baseline_turns"):
        metrics = summary[block]
        for key in ("hit@5_within_1", "hit@5_within_3", "hit@5_within_5"):
            assert 0.0 <= metrics[key]["mean"] <= 1.0
            assert {"mean", "std", "min", "max", "per_seed"} <= set(metrics[key])
        assert metrics["hit@5_within_1"]["mean"] <= metrics["hit@5_within_3"]["mean"] <= metrics["hit@5_within_5"]["mean"]
        assert 1.0 <= metrics["avg_turns"]["mean"] <= 6.0
    like = summary["like_x"]
    assert like["pairs"]["mean"] == 4
    for key in ("neighbour_share", "neighbour_share_unseen", "cold_neighbour_share", "mean_pairwise_jaccard",
                "jaccard_vs_cold"):
        assert 0.0 <= like[key]["mean"] <= 1.0
    assert report["wall_s"] > 0 and report["latency_ms"]["turns"] >= 6

    catalog = load_catalog(CatalogSettings(format="demo"))
    sessions = report["sessions"]
    assert len(sessions) == 6
    for session in sessions:
        title = session["target"]["title"]
        assert 1 <= len(session["turns"]) <= 5
        for turn in session["turns"]:
            # Grounding: every item the bot showed is a catalog item, under its catalog title.
            for item in turn["items"]:
                assert item["id"] in catalog and catalog[item["id"]].title == item["title"]
            # The simulated person never names the film they are looking for.
            assert not bench.mentions(turn["user"], title), (turn["user"], title)
            assert not re.search(rf"\b{re.escape(title.lower())}\b", turn["user"].lower()), (turn["user"], title)
        last = [i["id"] for i in session["turns"][-1]["items"][:5]]
        if session["hit_turn"] is not None:
            assert session["hit_turn"] == len(session["turns"]) and session["target"]["id"] in last
        else:
            assert len(session["turns"]) == 5 and session["target"]["id"] not in last
        # The target was held out: the person's training history in the benchmark does not have it.
        assert session["anchor"] is None or session["anchor"]["id"] != session["target"]["id"]
