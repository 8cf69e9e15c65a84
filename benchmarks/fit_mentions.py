"""Fits the title-mention model (chatrec_agent/catalog/mentions.py) on labelled real utterances.

Every span of a labelled seeker turn that spells a catalog title is a candidate; it is a
mention when the person named that film (the labels' `named`). A logistic model over the
candidates' evidence is fitted on the tuning part with a Gaussian prior centred on the
hand-set weights (so evidence the real dialogues rarely show, such as quotes, keeps its
prior) and each candidate seen with and without its year (people in chat rarely write one),
and the thresholds are chosen there: `link` where precision reaches --precision, `ask`
where it reaches --ask-precision. The precision is the least (the most recall) at which
cross-validation over the tuning part's conversations keeps false links within --max-false
per 200 turns: a model flatters the words it was fitted on. Both parts are reported; the
held-out part is never fitted or chosen on.

ReDial's seekers were asked to write films as "Title (YYYY)", so their words say little of how
people write in Slack: lowercase, no year, everyday words that are titles ("we watched up last
night"). Our own labelled messages (benchmarks/labels/own_messages.jsonl, every third line held
out) are reported apart; with --fit-own they are fitted and cross-validated beside them too.
Not by default, and by default only from line 341 on, the messages in chat's own proportions:
the first 340 were written to shares we asked for, a third of them films whose titles are
everyday words, and a fit on them learns that lower-case messages and everyday words name
films (44 planner tests failed, with "Up" linked in lists, "blade" for "blade runer", "saw" in
"my brother saw it last week").

With --lower-only the shipped weights and thresholds stay, and only the weights of messages
all in lower case (mentions.LOWER) are fitted, on both: how "Title (YYYY)" is read does not move,
and lower case's own bias is set so that its links reach the same precision at the same threshold.
The shipped model (session 19):

    python benchmarks/fit_mentions.py --fit-own --lower-only --precision 0.97 --write

(cross-validated over the tuning parts: 0.56 false links per 200 turns at 0.97, 0.96 at 0.96).

    python benchmarks/fit_mentions.py --write    # writes chatrec_agent/catalog/data/mention_model.json
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from real_dialogues import LABELS, heldout, ids, labelled_turns, load_labels  # noqa: E402

from chatrec_agent.catalog.mentions import FEATURES, LOWER, LOWERED, MODEL_FILE, PRIOR_WEIGHTS, MentionLinker, MentionModel  # noqa: E402
from chatrec_agent.conversation.planner.model import planner_vocabulary  # noqa: E402
from chatrec_agent.catalog.load import load_catalog  # noqa: E402
from chatrec_agent.settings import settings_from_dict  # noqa: E402

# The model's columns: each feature, then its second weight in lower-case messages (mentions.LOWER).
COLUMNS = (*FEATURES, *(LOWER + f for f in LOWERED))
OUT = Path(__file__).parent.parent / "chatrec_agent" / "catalog" / "data" / MODEL_FILE


OWN = LABELS.parent / "own_messages.jsonl"
WHOSE = {False: "real seekers'", True: "real seekers' and our own"}


# Where our own messages in chat's own proportions begin (the lines before were written to shares we set).
NATURAL_FROM = 341


def own_messages(path: Path, part: str, first_line: int = 1) -> list[tuple[str, dict]]:
    """(text, label) for our own labelled messages of the part, from `first_line` on: every third
    line is held out."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(label["text"], label) for n, line in enumerate(lines, 1) if (n % 3 == 0) == (part == "heldout") and n >= first_line
            for label in [json.loads(line)]]


def examples(linker: MentionLinker, turns_of: list[tuple[str, dict]]) -> tuple[np.ndarray, np.ndarray, int]:
    rows, targets, turns = [], [], 0
    for text, label in turns_of:
        turns += 1
        named = ids(label["named"])
        for m in linker.candidates(text):
            lower = m.evidence["lowercase_message"]
            rows.append([m.evidence[f] for f in FEATURES] + [m.evidence[f] * lower for f in LOWERED])
            targets.append(float(any(i.id in named for i in m.items[:3])))
    return np.asarray(rows, dtype=float), np.asarray(targets), turns


def fit(x: np.ndarray, y: np.ndarray, prior_strength: float, held: dict[str, float] | None = None) -> np.ndarray:
    """MAP logistic regression, the prior centred on the hand-set weights (Newton steps);
    `held`: columns kept at these weights (a prior of them too strong to move)."""
    held = held or {}
    prior = np.array([held.get(f, PRIOR_WEIGHTS.get(f, 0.0)) for f in COLUMNS])  # in lower case: the same, unless shown otherwise
    strength = np.array([1e6 if f in held else prior_strength for f in COLUMNS])
    w = prior.copy()
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(x @ w, -30, 30)))
        grad = x.T @ (p - y) + strength * (w - prior)
        hess = (x * (p * (1 - p))[:, None]).T @ x + np.diag(strength)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return w


def threshold(p: np.ndarray, y: np.ndarray, precision: float, below: float = 1.01) -> float:
    """The lowest score at which the candidates from it up to `below` are right often enough."""
    keep = p < below
    p, y = p[keep], y[keep]
    order = np.argsort(-p)
    prec = np.cumsum(y[order]) / np.arange(1, len(order) + 1)
    # A cut that ends on a wrong candidate only adds it: the cut ends on a right one.
    ok = np.where((prec >= precision) & (y[order] == 1))[0]
    return float(p[order][ok.max()]) if len(ok) else below


def figures(linker: MentionLinker, turns_of: list[tuple[str, dict]], failures: list | None = None) -> dict:
    """What the linker decides on whole messages (overlaps resolved), against the labels."""
    turns = found = named_total = wrong = asked = 0
    for text, label in turns_of:
        turns += 1
        named = {i for i in ids(label["named"]) if i in linker.catalog_ids}
        named_total += len(named)
        mentions = linker.find(text)
        links = [m for m in mentions if m.decision == "link"]
        asked += sum(m.decision == "ask" for m in mentions)
        found += len(named & {m.item.id for m in links})
        bad = [m for m in links if m.item.id not in named]
        wrong += len(bad)
        if failures is not None:
            missed = named - {m.item.id for m in links}
            if bad or missed:
                failures.append({"text": text, "wrong": [(m.text, m.item.label, m.score) for m in bad],
                                 "missed": sorted(missed), "asked": [(m.text, m.item.label, m.score) for m in mentions if m.decision == "ask"]})
    return {"turns": turns, "named_in_catalog": named_total, "link_recall": round(found / max(named_total, 1), 3),
            "false_links": wrong, "false_links_per_200_turns": round(wrong * 200 / max(turns, 1), 2), "asks": asked}


def fitted_model(x: np.ndarray, y: np.ndarray, args: argparse.Namespace, precision: float) -> MentionModel:
    """Weights fitted on (x, y), thresholds where the links reach `precision`."""
    # ReDial's people write "Title (YYYY)" as the collection asked them to; in Slack few do. So
    # every candidate is also shown without its year, to learn what the rest of the evidence
    # says when no year is written (the person still named the film, or still did not).
    masked = x.copy()
    masked[:, [COLUMNS.index("year"), COLUMNS.index("year_clash")]] = 0.0  # (no lower-case weight of their own)
    if args.lower_only:  # the shipped weights and thresholds stay; only lower case's own are fitted
        shipped = MentionModel.load()
        held = {f: shipped.weights[f] for f in FEATURES if f != "lowercase_message"}
        w = fit(np.vstack([x, masked]), np.concatenate([y, y]), args.prior_strength, held)
        weights = {f: float(v) for f, v in zip(COLUMNS, w)}
        # Lower case's links reach `precision` at the shipped threshold too: its own bias moves
        # its scores so that the score where they do is the threshold.
        lower = x[:, FEATURES.index("lowercase_message")] == 1
        p = np.array([MentionModel(weights, 0.5, 0.25).probability(dict(zip(FEATURES, row))) for row in x[lower]])
        at = min(max(threshold(p, y[lower], precision), 1e-6), 1 - 1e-6)
        weights["lowercase_message"] += math.log(shipped.link / (1 - shipped.link)) - math.log(at / (1 - at))
        return MentionModel({f: round(v, 3) for f, v in weights.items()}, shipped.link, shipped.ask, shipped.popular_unknown)
    w = fit(np.vstack([x, masked]), np.concatenate([y, y]), args.prior_strength)
    weights = {f: round(float(v), 3) for f, v in zip(COLUMNS, w)}
    fitted = MentionModel(weights, 0.5, 0.25)
    p = np.array([fitted.probability(dict(zip(FEATURES, row))) for row in x])
    link = round(threshold(p, y, precision), 3)
    return MentionModel(weights, link, round(threshold(p, y, args.ask_precision, below=link), 3),
                        round(float(x[:, FEATURES.index("popular")].mean()), 3))


def cross_validated(linker: MentionLinker, dev: list[list[tuple[str, dict]]], args: argparse.Namespace) -> dict[float, dict]:
    """For each precision target: the false links per 200 turns and the recall on conversations
    the model was not fitted on, by --folds-fold cross-validation over the tuning part's
    conversations (`dev`, each a list of turns). A model looks better on the words it was
    fitted on than on new ones; this is the estimate of the new ones, from the tuning part alone."""
    totals = {t: Counter() for t in args.targets}
    for k in range(args.folds):
        test = [turn for i, d in enumerate(dev) if i % args.folds == k for turn in d]
        x, y, _ = examples(linker, [turn for i, d in enumerate(dev) if i % args.folds != k for turn in d])
        for target in args.targets:
            got = figures(linker.with_model(fitted_model(x, y, args, target)), test)
            totals[target].update({"turns": got["turns"], "false": got["false_links"], "named": got["named_in_catalog"],
                                   "found": round(got["link_recall"] * got["named_in_catalog"])})
    return {t: {"false_links_per_200_turns": round(c["false"] * 200 / max(c["turns"], 1), 2),
                "link_recall": round(c["found"] / max(c["named"], 1), 3)} for t, c in totals.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dialogues", type=Path, default=Path("../shared/datasets/crs-dialogues/iard_dev.json"))
    parser.add_argument("--catalog", type=Path, default=Path("../shared/datasets/ml-latest-small"))
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--own", type=lambda s: Path(s) if s else None, default=OWN, help="our own labelled messages (JSONL); '' for none")
    parser.add_argument("--fit-own", action="store_true",
                        help="fit on our own messages' tuning part too, from line --own-from on")
    parser.add_argument("--own-from", type=int, default=NATURAL_FROM,
                        help="the first line of our own messages fitted on (by default the part in chat's own proportions)")
    parser.add_argument("--precision", type=float,
                        help="of the links made; by default the least of --targets whose cross-validated false links "
                             "stay within --max-false")
    parser.add_argument("--targets", type=lambda s: [float(v) for v in s.split(",")], default=[0.95, 0.96, 0.965, 0.97, 0.975, 0.98])
    parser.add_argument("--max-false", type=float, default=1.0, help="false links per 200 turns the product allows")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--ask-precision", type=float, default=0.4, help="of the candidates between ask and link")
    parser.add_argument("--failures", type=Path, help="the tuning part's wrong and missed links (JSONL)")
    parser.add_argument("--prior-strength", type=float, default=2.0)
    parser.add_argument("--lower-only", action="store_true",
                        help="keep the shipped weights and thresholds; fit only lower-case messages' own weights (mentions.LOWER)")
    parser.add_argument("--write", action="store_true", help=f"write {OUT.relative_to(OUT.parents[2])}")
    args = parser.parse_args()

    settings = settings_from_dict({"catalog": {"format": "movielens-csv", "path": str(args.catalog.resolve())}}, environ={})
    catalog = load_catalog(settings.catalog)
    dialogues = json.loads(args.dialogues.read_text(encoding="utf-8"))
    labels = load_labels(args.labels)
    linker = MentionLinker(catalog, planner_vocabulary(catalog), MentionModel(dict(PRIOR_WEIGHTS), 0.5, 0.25))
    own = {part: own_messages(args.own, part) if args.own else [] for part in ("dev", "heldout")}
    redial = {part: list(labelled_turns(dialogues, labels, part)) for part in ("dev", "heldout")}
    fitted_own = own_messages(args.own, "dev", args.own_from) if args.own and args.fit_own else []
    prior_on_dev = figures(linker, redial["dev"])
    report: dict = {}
    precision = args.precision
    if precision is None:
        # The folds: the tuning part's conversations, and our own messages a few at a time.
        dev = [list(labelled_turns([d], labels, "dev")) for d in dialogues if not heldout(str(d["conversation_id"]))]
        dev += [fitted_own[i:i + 5] for i in range(0, len(fitted_own), 5)]
        report["cross_validated"] = cross_validated(linker, dev, args)
        within = [t for t, got in report["cross_validated"].items() if got["false_links_per_200_turns"] <= args.max_false]
        precision = min(within) if within else max(args.targets)
    x, y, turns = examples(linker, redial["dev"] + fitted_own)
    model = fitted_model(x, y, args, precision)
    fitted = linker.with_model(model)
    failures: list = []
    report = {"precision": precision, "weights": model.weights, "link": model.link, "ask": model.ask,
              "popular_unknown": model.popular_unknown, **report,
              "dev": figures(fitted, redial["dev"], failures), "heldout": figures(fitted, redial["heldout"]),
              "own_dev": figures(fitted, own["dev"], failures), "own_heldout": figures(fitted, own["heldout"]),
              "prior_on_dev": prior_on_dev, "shipped": {part: figures(linker.with_model(MentionModel.load()), turns_of)
                                                        for part, turns_of in (("dev", redial["dev"]), ("heldout", redial["heldout"]),
                                                                               ("own_dev", own["dev"]), ("own_heldout", own["heldout"]))}}
    if args.failures:
        args.failures.write_text("\n".join(json.dumps(f, ensure_ascii=False) for f in failures) + "\n")
    if args.write:
        OUT.write_text(json.dumps({"weights": model.weights, "link": model.link, "ask": model.ask,
                                   "popular_unknown": model.popular_unknown,
                                   "fitted_on": f"{turns} labelled turns ({WHOSE[args.fit_own]}, tuning parts), {int(y.sum())} mentions; "
                                                f"links at {precision} precision"},
                                  indent=2) + "\n")
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
