"""The genre lexicon on real people's words: of the labelled request/taste turns that name
genres (benchmarks/labels/crs_dialogues.jsonl), how many of the labelled genres the lexicon's
parse of the utterance finds (recall) and how many of the genres it finds are labelled
(precision), on the tuning part and the held-out part (conversation id % 3 == 0) apart.

Two lexicons are scored on the same catalog: `seed` (the hand seed alone, as the planner
reads without an encoder) and `learned` (with the words the catalog's tags and the embedding
model show to name a genre). `spurious` counts the request/taste turns labelled with no
genre where the parse finds one (the labels' genres on follow-ups are a floor, so these are
not all wrong). `start_s` is what building each lexicon costs at start-up, the learned one
without and with its on-disk cache.

    python benchmarks/lexicon_bench.py [--catalog ../shared/datasets/ml-latest-small] \\
        [--dialogues ../shared/datasets/crs-dialogues/iard_dev.json] [--sweep] [--misses out.jsonl]

`--sweep` scores the tuning part at each threshold (how the shipped one was chosen);
`--misses` writes the tuning part's misses and additions. The held-out part is scored, never
swept or written out.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from real_dialogues import LABELS, REQUEST_ACTS, labelled_turns, load_labels  # noqa: E402

from chatrec_agent.catalog.load import load_catalog  # noqa: E402
from chatrec_agent.conversation.planner.lexicon import GenreLexicon  # noqa: E402
from chatrec_agent.search.embeddings import Embedder  # noqa: E402
from chatrec_agent.settings import EmbeddingSettings, settings_from_dict  # noqa: E402


def score(lexicon: GenreLexicon, turns: list[tuple[str, dict]]) -> tuple[dict, list[dict]]:
    found = labelled = hits = whole = spurious = unlabelled = 0
    notes: list[dict] = []
    for text, label in turns:
        if label["act"] not in REQUEST_ACTS:
            continue
        got = set(lexicon.parse(text)[0])
        want = set(label["genres"])
        if not want:
            unlabelled += 1
            spurious += bool(got)
            if got:
                notes.append({"kind": "spurious", "text": text, "found": sorted(got)})
            continue
        labelled += len(want)
        found += len(got)
        hits += len(got & want)
        whole += want <= got
        if got != want:
            notes.append({"kind": "miss" if want - got else "added", "text": text, "want": sorted(want),
                          "found": sorted(got)})
    turns_with = sum(1 for _, label in turns if label["act"] in REQUEST_ACTS and label["genres"])
    return {
        "turns": turns_with,
        "recall": round(hits / labelled, 3) if labelled else None,
        "precision": round(hits / found, 3) if found else None,
        "turns_all_found": round(whole / turns_with, 3) if turns_with else None,
        "genres": {"labelled": labelled, "found": found, "right": hits},
        "spurious": {"turns": unlabelled, "with_genres": spurious},
    }, notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dialogues", type=Path, default=Path("../shared/datasets/crs-dialogues/iard_dev.json"))
    parser.add_argument("--catalog", type=Path, default=Path("../shared/datasets/ml-latest-small"),
                        help="a MovieLens movies.csv/tags.csv/ratings.csv folder")
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--sweep", action="store_true", help="the tuning part's figures at each threshold")
    parser.add_argument("--misses", type=Path, help="write the tuning part's misses and additions here (JSONL)")
    args = parser.parse_args()

    dialogues = json.loads(args.dialogues.read_text(encoding="utf-8"))
    labels = load_labels(args.labels)
    turns = {part: list(labelled_turns(dialogues, labels, part)) for part in ("dev", "heldout")}
    settings = settings_from_dict({"catalog": {"format": "movielens-csv", "path": str(args.catalog.resolve())}}, environ={})
    catalog = load_catalog(settings.catalog)
    report: dict = {"catalog": str(args.catalog), "items": len(catalog),
                    "tagged_items": sum(1 for i in catalog.items.values() if i.tags), "start_s": {}}

    started = time.perf_counter()
    seed = GenreLexicon(catalog.genres, catalog.tag_index)
    report["start_s"]["seed"] = round(time.perf_counter() - started, 3)
    lexicons = {"seed": seed}
    if hasattr(GenreLexicon, "for_catalog"):  # the lexicon before this benchmark's branch has no learned part
        from chatrec_agent.conversation.planner.associations import Params, decide, weigh

        embedder = Embedder(EmbeddingSettings())
        embedder.encode(["warm"])  # loaded at start-up anyway, for the index: not the lexicon's cost
        with tempfile.TemporaryDirectory() as cache:
            for run in ("learned_cold", "learned_cached"):
                started = time.perf_counter()
                learned = GenreLexicon.for_catalog(catalog, embedder.encode, cache_dir=Path(cache))
                report["start_s"][run] = round(time.perf_counter() - started, 3)
        lexicons["learned"] = learned
        params = Params.from_data()
        evidence = weigh(catalog, embedder.encode, params)
        chosen = decide(evidence, params.threshold)
        report["threshold"] = params.threshold
        report["learned_phrases"] = {p: g for p, g in sorted(chosen.items()) if g}
        if args.sweep:
            sweep = {}
            for threshold in [x / 4 for x in range(8, 29)]:
                lexicon = GenreLexicon(catalog.genres, catalog.tag_index, decide(evidence, threshold))
                figures, _ = score(lexicon, turns["dev"])
                sweep[str(threshold)] = {k: figures[k] for k in ("recall", "precision", "turns_all_found")} | \
                    {"spurious": figures["spurious"]["with_genres"], "phrases": sum(1 for g in decide(evidence, threshold).values() if g)}
            report["sweep_dev"] = sweep
    for name, lexicon in lexicons.items():
        report[name] = {}
        for part in ("dev", "heldout"):
            figures, notes = score(lexicon, turns[part])
            report[name][part] = figures
            if part == "dev" and args.misses and name == list(lexicons)[-1]:
                with args.misses.open("w", encoding="utf-8") as out:
                    for note in notes:
                        out.write(json.dumps(note, ensure_ascii=False) + "\n")
    json.dump(report, sys.stdout, indent=2, ensure_ascii=False)
    print()


if __name__ == "__main__":
    main()
