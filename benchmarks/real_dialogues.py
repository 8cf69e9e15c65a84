"""Real people's words: replays the seeker turns of real dialogues through the bot and scores
them against our own labels (benchmarks/labels/crs_dialogues.jsonl).

Each labelled dialogue is one conversation of a new person (no history) on a real-size
catalog (ml-latest-small, 9.7k films, by default); the bot's answers replace the human
recommender's. Reported separately for the tuning part and the held-out part (conversations
whose id is divisible by 3), as JSON:

- requests followed: of the request/taste turns naming genres, like-X titles or negations,
  the share answered with a list that honours them;
- request turns with no items;
- false links: turns where a film the person did not name (nor one the bot showed) was
  recorded in their history, used as a seed or asked about;
- named films returned: films the person named in the dialogue, recommended back;
- latency per turn.

    python benchmarks/real_dialogues.py --dialogues ../shared/datasets/crs-dialogues/iard_dev.json \\
        --catalog ../shared/datasets/ml-latest-small [--part dev|heldout|all] [--failures out.jsonl]

`--failures` writes the failed turns of the tuning part only: the held-out part is scored,
never read.

`--speaker recommender` replays the human recommenders' utterances instead, as if a seeker
had said them, and scores false links only: what counts as named there is a film written the
collection's way, "Title (YYYY)", in that utterance or an earlier one. It needs no labels,
so it measures the linker on ~1,400 more turns of real words than the labels cover.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import unquote

import numpy as np

from wordfreq import zipf_frequency

from chatrec_agent.catalog.mentions import aliases, key_of, tokens
from chatrec_agent.conversation.tool_names import LIST_TOOLS, ToolName
from chatrec_agent.conversation.tool_results import tool_result
from chatrec_agent.runtime import Runtime
from chatrec_agent.settings import settings_from_dict

LABELS = Path(__file__).parent / "labels" / "crs_dialogues.jsonl"
REQUEST_ACTS = ("request", "taste")
GENRE_SHARE = 0.8  # of the items shown, how many must carry every genre asked for
LIKE_SHARE = 0.6  # of the items shown, how many must share a genre with the film named


def heldout(conversation_id: str) -> bool:
    return int(conversation_id) % 3 == 0


def clean(utterance: str) -> str:
    """The collection's own encodings undone: "<Title (YYYY)>" repeats the mention before it,
    `&quot;` and `%3F` stand for `"` and `?`."""
    text = re.sub(r"\s*<[^<>]*\(\d{4}\)\s*>", "", utterance)
    return html.unescape(unquote(text)).strip()


def load_labels(path: Path) -> dict[tuple[str, int], dict]:
    labels = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            label = json.loads(line)
            labels[(str(label["conv"]), int(label["turn"]))] = label
    return labels


def labelled_turns(dialogues: list[dict], labels: dict, part: str):
    """(text, label) for each labelled seeker turn of the part ("dev" or "heldout")."""
    for dialogue in dialogues:
        conv = str(dialogue["conversation_id"])
        if heldout(conv) != (part == "heldout"):
            continue
        for n, utterance in enumerate(dialogue["conversation"]):
            if (label := labels.get((conv, n))) is not None:
                yield clean(utterance["utterance"]), label


class WrittenFilms:
    """The films a recommender's utterance names, found the collection's way and leniently,
    since it only decides what is *not* named: a title (or one of its other names, or its head
    before a subtitle) right before "(YYYY)" of its year ±1 (or of a film the catalog gives no
    year); or, without a year, written with a capital in two words or more, or in one rare
    word, where no sentence starts or in a very rare one ("Anchorman was great")."""

    def __init__(self, catalog):
        self.by_key: dict[str, list] = defaultdict(list)
        for item in catalog.items.values():
            for key, _short in aliases(item.title):
                self.by_key[key].append(item)

    def __call__(self, text: str) -> set[str]:
        toks = tokens(text)
        found: set[str] = set()
        for i in range(len(toks)):
            for j in range(i + 1, min(i + 10, len(toks)) + 1):
                items = self.by_key.get(key_of(text[toks[i][1]:toks[j - 1][2]]))
                if not items:
                    continue
                after = re.match(r"[^\w\s(]{0,3}\s*\((\d{4})\)", text[toks[j - 1][2]:])  # "Mother! (2017)"
                if after:
                    year = int(after.group(1))
                    found |= {it.id for it in items if not it.year or abs(it.year - year) <= 1}
                elif self._written_as_title(text, toks, i, j):
                    found |= {it.id for it in items}
        return found

    @staticmethod
    def _written_as_title(text: str, toks, i: int, j: int) -> bool:
        first = text[toks[i][1]:toks[i][2]]
        if not first[:1].isupper() and not first[:1].isdigit():
            return False
        sentence_start = not text[:toks[i][1]].strip() or text[:toks[i][1]].rstrip()[-1:] in ".!?"
        if j - i >= 2:
            return True
        return zipf_frequency(first, "en") < (2.5 if sentence_start else 3.5)


def ids(films: list[dict]) -> set[str]:
    return {str(f["id"]) for f in films if f.get("id") is not None}


class Turn:
    """What the bot did in one turn, read from its tool calls and results."""

    def __init__(self, reply, messages: list):
        self.items = [i.id for i in reply.items]
        self.latency_ms = reply.latency_ms
        self.text = reply.text
        self.recorded: list[tuple[str, str]] = []  # (item, kind)
        self.seeds: list[str] = []
        self.asked_about: list[str] = []
        self.listed: list[str] = []  # items of the list tools only
        calls = {}
        for message in messages:
            for call in getattr(message, "tool_calls", None) or []:
                calls[call["id"]] = call
            if message.type != "tool":
                continue
            payload = tool_result(message)
            tool = payload.get("tool") or message.name
            if tool == ToolName.RECORD_FEEDBACK and payload.get("item"):
                self.recorded.append((payload["item"]["id"], payload.get("kind", "")))
            if tool in (ToolName.RECOMMEND, ToolName.RECOMMEND_FOR_GROUP):
                self.seeds += [c["id"] for c in payload.get("like", [])]
            if tool == ToolName.SIMILAR_ITEMS:
                self.seeds += [c["id"] for c in payload.get("seeds", [])]
            if tool in (ToolName.EXPLAIN, ToolName.ITEM_DETAILS) and payload.get("item"):
                self.asked_about.append(payload["item"]["id"])
            if tool in LIST_TOOLS:
                self.listed += [c["id"] for c in payload.get("items", [])]

    @property
    def linked(self) -> set[str]:
        return {i for i, _ in self.recorded} | set(self.seeds) | set(self.asked_about)


def replay(runtime: Runtime, dialogues: list[dict], labels: dict, part: str, run: str,
           errors: list[dict], speaker: str = "USER") -> tuple[list[dict], list[float]]:
    """Every labelled seeker turn of the part's dialogues with what the bot did; turns that
    raised go to `errors`. With speaker "AGENT", the recommenders' turns instead, each
    labelled with the films written "Title (YYYY)" in it."""
    results, latencies = [], []
    written = WrittenFilms(runtime.catalog)
    for dialogue in dialogues:
        conv = str(dialogue["conversation_id"])
        if (part == "dev" and heldout(conv)) or (part == "heldout" and not heldout(conv)):
            continue
        if speaker == "USER" and not any(key[0] == conv for key in labels):
            continue
        conversation, user = f"real:{run}:{conv}", f"seeker-{run}-{conv}"
        named_so_far: set[str] = set()
        shown_so_far: set[str] = set()
        for n, utterance in enumerate(dialogue["conversation"]):
            if utterance["participant"] != speaker:
                continue
            text = clean(utterance["utterance"])
            if speaker == "USER":
                label = labels.get((conv, n))
            else:
                label = {"act": "other", "named": [{"id": i} for i in written(text)]}
            try:
                reply = runtime.agent.respond(conversation, user, text)
            except Exception as exc:  # a turn the bot cannot answer is a finding, not the end of the run
                errors.append({"conv": conv, "turn": n, "error": f"{exc.__class__.__name__}: {exc}"})
                continue
            messages = runtime.agent.history(conversation)
            start = max(i for i, m in enumerate(messages) if m.type == "human")
            turn = Turn(reply, messages[start + 1:])
            latencies.append(turn.latency_ms)
            if label is None:
                shown_so_far |= set(turn.items)
                continue
            named_so_far |= ids(label["named"])
            results.append({"conv": conv, "turn": n, "label": label, "text": text, "bot": turn,
                            "named": set(named_so_far), "shown_before": set(shown_so_far)})
            shown_so_far |= set(turn.items)
    return results, latencies


def score(results: list[dict], catalog) -> tuple[dict, list[dict]]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # name -> [hits, of]
    failures: list[dict] = []

    def tally(name: str, ok: bool, result: dict, why: str = "") -> None:
        counts[name][0] += int(ok)
        counts[name][1] += 1
        if not ok:
            failures.append({"check": name, "why": why, "conv": result["conv"], "turn": result["turn"],
                             "text": result["text"], "label": {k: v for k, v in result["label"].items() if k not in ("conv", "turn")},
                             "items": [catalog[i].label for i in result["bot"].items if i in catalog],
                             "seeds": [catalog[i].label for i in result["bot"].seeds if i in catalog],
                             "recorded": [(catalog[i].label, k) for i, k in result["bot"].recorded if i in catalog],
                             "reply": result["bot"].text[:300]})

    for result in results:
        label, bot = result["label"], result["bot"]
        items = [catalog[i] for i in bot.items if i in catalog]
        # False links: anything acted on that the person did not name and the bot had not shown.
        allowed = result["named"] | result["shown_before"] | set(bot.listed)
        wrong = sorted(bot.linked - allowed)
        tally("no_false_link", not wrong, result, "linked " + ", ".join(catalog[i].label for i in wrong if i in catalog))
        wrong_writes = sorted({i for i, _ in bot.recorded} - result["named"] - result["shown_before"])
        tally("no_false_write", not wrong_writes, result,
              "recorded " + ", ".join(catalog[i].label for i in wrong_writes if i in catalog))
        # Recommended back, that is: a card shown because they asked about the film doesn't count.
        returned_named = [i for i in bot.listed if i in result["named"]]
        tally("no_named_returned", not returned_named, result,
              "returned " + ", ".join(catalog[i].label for i in returned_named if i in catalog))
        if label["act"] not in REQUEST_ACTS:
            continue
        tally("request_has_items", bool(items), result, "no items")
        genres = [g for g in label["genres"]]
        if genres:
            share = sum(all(g in it.genres for g in genres) for it in items) / len(items) if items else 0.0
            tally("genre_followed", share >= GENRE_SHARE, result, f"{share:.0%} carry {genres}")
        like = [i for i in ids(label["like"]) if i in catalog]
        if like:
            seeded = bool(set(bot.seeds) & set(like))
            seed_genres = {g for i in like for g in catalog[i].genres}
            share = sum(bool(seed_genres & set(it.genres)) for it in items) / len(items) if items else 0.0
            tally("like_followed", seeded and share >= LIKE_SHARE, result,
                  f"seeded={seeded}, {share:.0%} share genres of {[catalog[i].label for i in like]}")
        if label["exclude_genres"]:
            clash = [it.label for it in items if set(it.genres) & set(label["exclude_genres"])]
            tally("negation_followed", bool(items) and not clash, result,
                  f"excluded {label['exclude_genres']} but shows {clash}" if items else "no items")
        disliked = ids(label["disliked"])
        if disliked:
            wrong_kind = [catalog[i].label for i, k in bot.recorded if i in disliked and k in ("liked",) and i in catalog]
            tally("dislike_not_liked", not wrong_kind, result, f"recorded as liked: {wrong_kind}")
    report = {name: {"rate": round(hits / total, 3), "hits": hits, "of": total} for name, (hits, total) in sorted(counts.items())}
    return report, failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dialogues", type=Path, default=Path("../shared/datasets/crs-dialogues/iard_dev.json"))
    parser.add_argument("--catalog", type=Path, default=Path("../shared/datasets/ml-latest-small"),
                        help="a MovieLens ratings.csv/movies.csv folder")
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--part", choices=("dev", "heldout", "all"), default="all")
    parser.add_argument("--storage", type=Path, default=Path("/tmp/chatrec-real-dialogues"),
                        help="kept between runs so the index is built once; conversations start fresh each run")
    parser.add_argument("--failures", type=Path, help="write the tuning part's failed turns here (JSONL)")
    parser.add_argument("--speaker", choices=("seeker", "recommender"), default="seeker",
                        help="whose utterances to replay; the recommenders' score false links only")
    args = parser.parse_args()

    dialogues = json.loads(args.dialogues.read_text(encoding="utf-8"))
    labels = load_labels(args.labels)
    settings = settings_from_dict({"catalog": {"format": "movielens-csv", "path": str(args.catalog.resolve())},
                                   "storage": {"dir": str(args.storage)}}, environ={})
    started = time.perf_counter()
    runtime = Runtime.start(settings)
    report: dict = {"catalog": str(args.catalog), "items": len(runtime.catalog), "labelled_turns": len(labels),
                    "start_s": round(time.perf_counter() - started, 1)}
    run = f"{time.time():.0f}"  # each run meets every person afresh: new conversations, new people
    parts = ("dev", "heldout") if args.part == "all" else (args.part,)
    for part in parts:
        errors: list[dict] = []
        speaker = "USER" if args.speaker == "seeker" else "AGENT"
        results, latencies = replay(runtime, dialogues, labels, part, run, errors, speaker)
        figures, failures = score(results, runtime.catalog)
        if speaker == "AGENT":  # a recommender names films to recommend them: only links count
            figures.pop("no_named_returned", None)
            failures = [f for f in failures if f["check"] != "no_named_returned"]
        figures["turns"] = len(latencies)
        figures["errors"] = len(errors)
        if latencies:
            figures["latency_ms"] = {"p50": round(float(np.percentile(latencies, 50)), 1),
                                     "p95": round(float(np.percentile(latencies, 95)), 1)}
        report[part] = figures
        if part == "dev" and args.failures:
            with args.failures.open("w", encoding="utf-8") as out:
                for failure in failures:
                    out.write(json.dumps(failure, ensure_ascii=False) + "\n")
    runtime.close()
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
