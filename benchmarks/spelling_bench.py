"""The speller's figure (planner/spelling.py): which words of real people's messages it puts
right, on a real catalog's planner.

Replays the seeker utterances of the real dialogues through the speller the offline planner
builds for the catalog and prints JSON: turns read, turns changed, and each change of the
tuning part (word as written -> word read). The held-out part (conversations whose id is
divisible by 3) is counted, never listed.

    python benchmarks/spelling_bench.py --dialogues ../shared/datasets/crs-dialogues/iard_dev.json \\
        --catalog ../shared/datasets/ml-latest-small
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parent)]

from real_dialogues import clean, heldout  # noqa: E402

from chatrec_agent.catalog.load import load_catalog  # noqa: E402
from chatrec_agent.conversation.planner.model import OfflinePlanner  # noqa: E402
from chatrec_agent.settings import settings_from_dict  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dialogues", type=Path, default=Path("../shared/datasets/crs-dialogues/iard_dev.json"))
    parser.add_argument("--catalog", type=Path, default=Path("../shared/datasets/ml-latest-small"))
    args = parser.parse_args()
    catalog = load_catalog(settings_from_dict({"catalog": {"format": "movielens-csv", "path": str(args.catalog)}},
                                              environ={}).catalog)
    speller = OfflinePlanner.for_catalog(catalog).parser.speller
    report: dict = {"catalog": str(args.catalog), "items": len(catalog)}
    changes: Counter = Counter()
    for part in ("dev", "heldout"):
        turns = changed = 0
        for dialogue in json.loads(args.dialogues.read_text(encoding="utf-8")):
            if heldout(str(dialogue["conversation_id"])) != (part == "heldout"):
                continue
            for utterance in dialogue["conversation"]:
                if utterance["participant"] != "USER":
                    continue
                text = clean(utterance["utterance"]).replace("’", "'")
                read = speller(text)
                turns += 1
                if read != text:
                    changed += 1
                    if part == "dev":
                        written, right = re.findall(r"[A-Za-z']+", text), re.findall(r"[A-Za-z']+", read)
                        changes.update(f"{a} -> {b}" for a, b in zip(written, right) if a != b)
        report[part] = {"turns": turns, "turns_changed": changed}
    report["dev"]["changes"] = dict(changes.most_common())
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
