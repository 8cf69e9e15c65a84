"""Our own chat-style words: replays each labelled message of benchmarks/labels/own_messages.jsonl
as the first turn of a new person on a real-size catalog (ml-latest-small by default) and
reports, as JSON, per part (every third line is held out: never read while tuning):

- false links: messages where a film the person did not name was recorded, used as a seed or
  asked about (item details, explain), as benchmarks/real_dialogues.py counts them;
- false writes: of those, the ones written into the person's history;
- named films acted on: of the catalog films the message names, the share recorded, seeded or
  asked about; and the share only asked after ("Do you mean …?");
- asked unnamed: messages answered "Do you mean …?" about a film the message does not name;
- named returned: messages whose picks hold a film the message names ("elf every christmas" →
  *Elf* as a pick: the bot did not see the film, the search for the words found it);
- latency per turn.

The messages are lower case, yearless and full of everyday words that are titles ("we watched
up last night"), as people write in Slack, where the real dialogues' seekers were asked to write
"Title (YYYY)".

    python benchmarks/own_messages.py --catalog ../shared/datasets/ml-latest-small [--part dev|heldout|all] [--failures out.jsonl]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from fit_mentions import OWN, own_messages  # noqa: E402
from real_dialogues import Turn, ids  # noqa: E402

from chatrec_agent.runtime import Runtime  # noqa: E402
from chatrec_agent.settings import settings_from_dict  # noqa: E402


# "@bot have u got anything like superbad": in Slack and Discord the bot's own mention is the
# platform's, and the adapters take it out before the agent reads the message (bot/slack/app.py).
_BOT_ADDRESS = re.compile(r"@(?:bot|reelbot)\b[:,]?\s*", re.IGNORECASE)


def replay(runtime: Runtime, messages: list[tuple[str, dict]], part: str, run: str, failures: list | None) -> dict:
    turns = false_links = false_writes = named_total = acted = asked = returned = asked_unnamed = 0
    latencies = []
    for n, (text, label) in enumerate(messages):
        conversation, user = f"own:{run}:{part}:{n}", f"own-{run}-{part}-{n}"
        reply = runtime.agent.respond(conversation, user, _BOT_ADDRESS.sub("", text))
        messages_ = runtime.agent.history(conversation)
        start = max(i for i, m in enumerate(messages_) if m.type == "human")
        turn = Turn(reply, messages_[start + 1:])
        latencies.append(turn.latency_ms)
        turns += 1
        named = {i for i in ids(label["named"]) if i in runtime.catalog}
        wrong = turn.linked - named - set(turn.listed)
        wrong_writes = {i for i, _ in turn.recorded} - named
        false_links += bool(wrong)
        false_writes += bool(wrong_writes)
        named_total += len(named)
        acted += len(named & turn.linked)
        asked_only = "Do you mean" in turn.text and not named & turn.linked
        asked += len(named) if asked_only else 0
        returned += bool(named & set(turn.listed))
        asked_unnamed += "Do you mean" in turn.text and not any(runtime.catalog[i].title in turn.text for i in named)
        if failures is not None and (wrong or named - turn.linked):
            catalog = runtime.catalog
            failures.append({"text": text, "wrong": [catalog[i].label for i in wrong if i in catalog],
                             "missed": [catalog[i].label for i in named - turn.linked],
                             "recorded": turn.recorded, "seeds": turn.seeds, "reply": turn.text[:200]})
    return {"turns": turns, "false_links": false_links, "false_links_per_200_turns": round(false_links * 200 / max(turns, 1), 2),
            "false_writes": false_writes, "named_returned": returned, "asked_unnamed": asked_unnamed, "named_in_catalog": named_total,
            "named_acted_on": round(acted / max(named_total, 1), 3), "named_asked": round(asked / max(named_total, 1), 3),
            "latency_ms": {"p50": round(float(np.percentile(latencies, 50)), 1),
                           "p95": round(float(np.percentile(latencies, 95)), 1)} if latencies else {}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=Path, default=OWN)
    parser.add_argument("--catalog", type=Path, default=Path("../shared/datasets/ml-latest-small"),
                        help="a MovieLens ratings.csv/movies.csv folder (the labels' ids are its movieIds)")
    parser.add_argument("--part", choices=("dev", "heldout", "all"), default="all")
    parser.add_argument("--storage", type=Path, default=Path("/tmp/chatrec-real-dialogues"),
                        help="kept between runs so the index is built once; each message is a new person")
    parser.add_argument("--failures", type=Path, help="write the tuning part's wrong and missed links here (JSONL)")
    args = parser.parse_args()

    settings = settings_from_dict({"catalog": {"format": "movielens-csv", "path": str(args.catalog.resolve())},
                                   "storage": {"dir": str(args.storage)}}, environ={})
    runtime = Runtime.start(settings)
    run = f"{time.time():.0f}"
    report: dict = {"catalog": str(args.catalog), "items": len(runtime.catalog)}
    failures: list = []
    for part in ("dev", "heldout") if args.part == "all" else (args.part,):
        report[part] = replay(runtime, own_messages(args.messages, part), part, run,
                              failures if part == "dev" and args.failures else None)
    if args.failures:
        args.failures.write_text("".join(json.dumps(f, ensure_ascii=False) + "\n" for f in failures))
    runtime.close()
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
