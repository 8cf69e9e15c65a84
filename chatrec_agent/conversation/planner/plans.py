"""What every reading of a message shares: the plan it becomes, and the titles the message
names, found once per message by the linker and read by every rule (intents.py,
feedback.py, requests.py)."""

from __future__ import annotations

import re
from contextvars import ContextVar
from dataclasses import dataclass, field

from chatrec_agent.catalog import Item, phrase_words
from chatrec_agent.catalog.mentions import Mention, tokens
from chatrec_agent.conversation.planner import cues
from chatrec_agent.conversation.planner.memory import Recall
from chatrec_agent.conversation.planner.opinions import continues

# The titles the message being planned names, found once on its original casing (the linker
# weighs capitals, quotes and years) and read by every rule below; per call, so concurrent
# turns never see each other's.
MENTIONS: ContextVar[tuple[Mention, ...]] = ContextVar("mentions", default=())
# The message as written, for what else weighs capitals ("a huge Hitchcock fan": a name, though
# "hitchcock" is an everyday word to the model's vocabulary).
WRITTEN: ContextVar[str] = ContextVar("written", default="")


# Capitalised words and a year in parentheses: how people write a title ("Saw (2004)").
WRITTEN_TITLE = re.compile(r"(?P<t>(?:[A-Z0-9][\w'’:&!.,-]*\s+){0,7}[A-Z0-9][\w'’:&!.-]*)\s*\((?:19|20)\d\d\)")


def last_search(memory: Recall) -> dict:
    """The arguments of the conversation's latest recommend call that say something."""
    return {k: v for k, v in (memory.last_recommend or {}).items() if v not in (None, [], "")}


def past_shown(args: dict, memory: Recall) -> dict:
    """`args`, keeping out everything the conversation has shown."""
    return {**args, "exclude": list(dict.fromkeys([*args.get("exclude", []), *memory.shown_ids]))}


def spans_in(t: str, decisions: tuple[str, ...] | None = None) -> list[tuple[Mention, tuple[int, int]]]:
    """Where in `t` (lower case) the message's mentions (with these decisions) are written."""
    return [(m, found.span()) for m in MENTIONS.get() if decisions is None or m.decision in decisions
            for found in re.finditer(rf"(?<!\w){re.escape(m.text.lower())}(?!\w)", t)]


def folded(text: str) -> str:
    return " " + " ".join(t for t, _, _ in tokens(text)) + " "


def mentioned(phrase: str, decision: str) -> list[Mention]:
    """The message's mentions with this decision that lie inside the phrase. A kind of film
    ("a superhero movie", "any of the star wars") is never asked about as one film."""
    words = folded(phrase)
    return [m for m in MENTIONS.get() if m.decision == decision and folded(m.text) in words
            and not (decision == "ask" and (m.evidence.get("indefinite") or m.evidence.get("kind_of")))]


def without_titles(t: str) -> str:
    """The text less the titles it surely names, and the series it may name: their words are
    no genre, era or count ("Paddington 2", "2012", "Scary Movie", "any of the star wars").
    What the clause says of a title goes with it: "Die Hard is a classic" asks for no old films."""
    for m in MENTIONS.get():
        if m.decision == "link" or (m.decision == "ask" and m.evidence.get("kind_of")):
            t = re.sub(rf"(?<!\w){re.escape(m.text.lower())}(?:\s*\(?\d{{4}}\)?)?(?!\w)"
                       r"(?:\s+(?:is|was|are|were|'s)\b(?:(?!\b(?:but|and|so)\b)[^,.;!?])*)?", " ", t)
    return " ".join(t.split())


def sentences_of(t: str) -> list[str]:
    """The message's sentences; a title's own full stop ("Mrs. Doubtfire", "Dr. No") ends none,
    and a sentence that only turns the one before round ("…. Not so much Heat though") is
    part of it."""
    titles = [span for _, span in spans_in(t, ("link", "ask"))]
    out, start = [], 0
    for cut in cues.SENTENCE.finditer(t):
        if not any(a <= cut.start() < b for a, b in titles):
            out.append(t[start:cut.start()])
            start = cut.end()
    out.append(t[start:])
    out = [part for sentence in out for part in _question_after(sentence)]
    joined: list[str] = []
    for sentence in out:
        if joined and continues(sentence, [span for _, span in spans_in(sentence, ("link",))]):
            joined[-1] = f"{joined[-1]} {sentence}"  # its full stop stays: a clause's end, and maybe a title's ("Airplane!")
        else:
            joined.append(sentence)
    return joined


def _question_after(sentence: str) -> list[str]:
    """"the second one sounds good, is it scary?", "I love sci fi, is Alien any good?": a question
    about a film (by pronoun or title) after a comma is a sentence of its own, where the part
    before asks for nothing ("something like Alien, is that possible?" is one request)."""
    m = cues.QUESTION_AFTER.search(sentence)
    head, tail = (sentence[:m.start()], sentence[m.end():]) if m else ("", "")
    if m is None or cues.REQUEST.search(head) or cues.ASKS.search(head) or cues.LIKE.search(head) or \
            not (cues.ABOUT_IT.search(tail) or spans_in(tail, ("link", "ask"))) or spans_in(head, ("ask",)):
        return [sentence]  # an unsure title before it ("Alien was good, is Aliens good too?") is asked about first
    return [head, tail]


def did_you_mean(mentions: list[Mention]) -> Plan:
    """Asks whether the likeliest film is meant; a "yes" next turn confirms it (Recall.pending)."""
    return did_you_mean_item(mentions[0].item, mentions[0].text)


def label_of(item: Item) -> str:
    return f"*{item.title}* ({item.year})" if item.year else f"*{item.title}*"


def did_you_mean_item(item: Item, span: str) -> Plan:
    return Plan(answer=f"Do you mean {label_of(item)}? Say “yes”, or name the title you meant.",
                confirm={"item": item.id, "span": span})


def also_meant(item: Item, span: str) -> dict:
    """The question put after an answer about a film named too unsurely to act on; a bare "yes"
    re-reads the message with it confirmed (IntentParser.plan)."""
    return {"item": item.id, "span": span, "also": f"Did you also mean {label_of(item)}? Say “yes” and I'll count it too."}


def merged(first: dict, second: dict) -> dict:
    """Two sentences' constraints as one request: lists joined, bounds and wish from the later
    one where it has them, the count only where one was asked for."""
    out = dict(first)
    for key, value in second.items():
        if isinstance(value, list):
            out[key] = [*out.get(key, []), *value] if key == "attributes" else list(dict.fromkeys([*out.get(key, []), *value]))
        elif key == "k":
            out[key] = value if value != 5 else out.get(key, value)
        else:
            out[key] = value
    if out.get("genres"):  # a genre one sentence asks for and the other rules out is out
        out["genres"] = [g for g in out["genres"] if g not in out.get("exclude_genres", [])]
    return {k: v for k, v in out.items() if v not in (None, [], "")}


def set_era(args: dict, year_from: int | None, year_to: int | None) -> None:
    """Replaces `args`' era, in place; None leaves that side open."""
    args.pop("year_from", None)
    args.pop("year_to", None)
    args.update({k: v for k, v in (("year_from", year_from), ("year_to", year_to)) if v is not None})


def without_interjection(t: str) -> str:
    """"no, a comedy" is a correction, not "no comedy"."""
    return re.sub(r"^(?:no|nope|nah|hmm|ok|okay)\s*[,.!]\s*", "", t)


@dataclass
class Plan:
    tool_calls: list[dict] = field(default_factory=list)  # {"name": ..., "args": {...}}
    answer: str | None = None
    # Calls that need the first ones' results to be in first ("I hated the first one, show me
    # others": the dislike is recorded before the next list is chosen).
    then: list[Plan] = field(default_factory=list)
    # An answer that asks "do you mean the film X?": the item, the words it was read from and
    # (filled in by `plan`) the message, so that a "yes" next turn re-reads it with X confirmed.
    # With tool calls, "also" is the question put after their answer.
    confirm: dict | None = None
    reset: bool = False  # "start over": what came before is set aside (Recall stops reading there)

    def steps(self) -> list[list[dict]]:
        return [self.tool_calls, *(call for plan in self.then for call in plan.steps())] if self.tool_calls else []


def names_a_tag(text: str, tags, shortest: int = 1) -> bool:
    """Whether the text names one of the catalog's tags word for word ("a heist")."""
    padded = f" {phrase_words(text)} "
    return any(f" {tag} " in padded for tag in tags if len(tag) >= shortest)
