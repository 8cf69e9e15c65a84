"""Group requests in the offline planner: whether a message asks for a group, and for whom.

A message is a group request when it mentions people ("a comedy for @Ana, @Ben and me": the
adapter renders each mention as "@Name"), or speaks of "us" ("movie night for the three of
us"). In a conversation whose current list is a group's, the usual follow-ups ("something
older", "not those", "why the second one?") stay with the group, "without Ben" leaves a member
out (only a name of the current group counts, so "without horror" stays a filter), "add
@Cleo" adds the people it mentions, and "just for me" goes back to personal picks.

The rest of the message is read by the usual rules (filters, wishes, follow-ups); `regroup`
then turns their personal calls into group calls.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from chatrec_agent.conversation.group_members import MIN_NAME_SCORE
from chatrec_agent.conversation.planner.memory import REQUEST_ARGS, Recall
from chatrec_agent.conversation.planner.plans import Plan
from chatrec_agent.conversation.planner.references import number
from chatrec_agent.conversation.tool_names import ToolName

_MENTION = re.compile(r"(?<![\w@])@(\w[\w.'’-]*)")  # one word: latest_human made each mention one
_US = re.compile(
    r"\b(?:for (?:all of |both of |the (?:two|three|four|five|six|\d+) of )?us|(?:all|both|the (?:two|three|four|five|six|\d+)) of us|"
    r"(?:for )?the (?:whole )?(?:group|gang|crew)|every(?:one|body) here|(?:the )?rest of us)\b")
_OCCASION = re.compile(r"\b(?:movie|film|cinema|watch) (?:night|party|evening|club)\b")
_ME = re.compile(r"(?:,|\band)?\s*\b(?:and |& )?(?:me|myself)\b")
_NOT_ME = re.compile(r"\b(?:not (?:for )?me|without me|leave me out|except me|(?:i'?m|i am) out)\b")
_PERSONAL = re.compile(r"\b(?:just|only) (?:for )?(?:me|myself)\b|\bfor me (?:alone|only)\b|\bjust mine\b")
_ADD = re.compile(r"\b(?:add|include|invite|bring in|with)\b|\b(?:too|as well|also)\b|^(?:and|plus)\b")
_DROP = r"(?:without|minus|except(?: for)?|leave out|leaving out|drop|skip|exclude|remove|not (?:with|for|including))"
# "leave Ben out", "take Ana off", "count Cleo out": the verb's particle after the names.
_SPLIT_VERB = r"(?:leave|leaving|take|taking|count|counting|cut|kick|drop|strike|cross)"
_WITHOUT = re.compile(rf"\b{_DROP}\s+(?P<names>[^.;!?]+)|\b{_SPLIT_VERB}\s+(?P<split>[^.;!?]+?)\s+(?:out|off)\b")
_STRATEGIES = (
    (re.compile(r"\bleast[- ]misery\b|\bnobody (?:hates|would hate)\b|\bno ?one (?:hates|would hate)\b"), "least_misery"),
    (re.compile(r"\bmost[- ]pleasure\b|\bsomeone (?:loves|would love)\b"), "most_pleasure"),
    (re.compile(r"\b(?:on )?average\b"), "average"),
)


@dataclass
class GroupAsk:
    source: str  # "mentioned" | "same" | "everyone_here" (group_members.GroupSource)
    rest: str  # the message without its group words, for the usual rules
    add_mentioned: bool = False
    without: list[str] = field(default_factory=list)
    include_me: bool = True
    strategy: str | None = None
    membership_only: bool = False  # "without Ben", "add @Cleo": the same request, other people
    size: int | None = None  # "the three of us"


def personal(t: str, memory: Recall) -> tuple[str, dict | None] | None:
    """"just for me" in a group's conversation: (the rest of the message; the group's last
    request as a personal one, for when nothing else is asked). None when not said."""
    if not _PERSONAL.search(t) or memory.list_tool != ToolName.RECOMMEND_FOR_GROUP:
        return None
    return " ".join(_PERSONAL.sub(" ", t).strip(" ,.!?").split()), {k: v for k, v in (memory.last_group or {}).items() if k in REQUEST_ARGS}


def read_group(t: str, memory: Recall) -> GroupAsk | None:
    """The group a message (lower-cased) asks for, or None for a personal message."""
    in_group = memory.list_tool == ToolName.RECOMMEND_FOR_GROUP
    if _PERSONAL.search(t):
        return None
    mentions = _MENTION.findall(t)
    rest = _MENTION.sub(" ", t)
    without, words = _members_named(t, memory.group_names) if in_group else ([], [])
    for word in words:  # "without Ben": the name and its cue go; "without horror" stays a filter
        rest = re.sub(rf"(?:\b(?:{_DROP}|{_SPLIT_VERB})\s+)?@?\b{re.escape(word)}\b(?:\s+(?:out|off)\b)?", " ", rest)
    if _NOT_ME.search(t):
        without.append("me")
    strategy = next((name for pattern, name in _STRATEGIES if pattern.search(t)), None)
    for pattern in (_NOT_ME, _US, _OCCASION, *(p for p, _ in _STRATEGIES)):
        rest = pattern.sub(" ", rest)
    if mentions:
        rest = _ME.sub(" ", rest)
    rest = " ".join(re.sub(r"\b(?:for|and|with|add|include|invite|too|also|as well)\b\s*(?=[,.!?]|$)", " ", rest).split())
    rest = re.sub(r"\s+([,.!?])", r"\1", re.sub(r"^(?:[,.!?&]\s*)+|(?:\s*[,&])+$", "", rest)).strip()
    bare = not re.sub(r"[\W_]+", "", rest)
    if mentions and in_group and _ADD.search(t):
        return GroupAsk("same", rest, add_mentioned=True, without=without, strategy=strategy, membership_only=bare)
    if mentions:
        return GroupAsk("mentioned", rest, without=[w for w in without if w != "me"], include_me="me" not in without,
                        strategy=strategy)
    if us := _US.search(t):  # said again in a group's conversation, it re-counts who is here
        return GroupAsk("everyone_here", rest, without=without, strategy=strategy, size=_counted(us.group(0)))
    if in_group:
        return GroupAsk("same", rest, without=without, strategy=strategy, membership_only=bare and bool(without))
    return None


def _counted(phrase: str) -> int | None:
    """How many "the three of us" / "both of us" counts (None: "all of us", "for us")."""
    m = re.search(r"\b(both|two|three|four|five|six|\d+) of us\b", phrase)
    return None if not m else 2 if m.group(1) == "both" else number(m.group(1))


def _members_named(t: str, names: list[str]) -> tuple[list[str], list[str]]:
    """(the current group's members a "without …" names, fuzzy by full or first name; the
    words of the message that named them)."""
    found: list[str] = []
    words: list[str] = []
    choices = {n.lower(): n for n in names} | {n.split()[0].lower(): n for n in names if n.split()}
    for m in _WITHOUT.finditer(t):
        for word in re.split(r"\s*(?:,|\band\b|&|\bor\b|\bnor\b)\s*", m.group("names") or m.group("split")):
            word = word.strip().lstrip("@")
            match = process.extractOne(word, list(choices), scorer=fuzz.ratio, score_cutoff=MIN_NAME_SCORE) if word else None
            if name := "me" if word in ("me", "myself") else match and choices[match[0]]:
                found.append(name)
                words.append(word)
    return found, words


def regroup(plan: Plan, ask: GroupAsk, memory: Recall) -> Plan:
    """The personal calls of a plan, step by step, as the group's: a list becomes the group's
    list (its filters kept), a "why" the group's explanation; anything else (feedback, a
    title's details, the speaker's history) stays the speaker's own."""
    out = []
    for call in plan.tool_calls:
        if call["name"] == ToolName.RECOMMEND:
            call = {"name": ToolName.RECOMMEND_FOR_GROUP, "args": {**call["args"], **_who(ask, memory)}}
        elif call["name"] == ToolName.EXPLAIN and memory.list_tool == ToolName.RECOMMEND_FOR_GROUP:
            call = {"name": ToolName.EXPLAIN_FOR_GROUP, "args": dict(call["args"])}
        out.append(call)
    return Plan(out, plan.answer, [regroup(p, ask, memory) for p in plan.then])


def membership_call(ask: GroupAsk, memory: Recall) -> dict:
    """"without Ben" / "add @Cleo": the group's last request again, for the new group."""
    args = {k: v for k, v in (memory.last_group or {}).items() if k in (*REQUEST_ARGS, "strategy")}
    args.update(_who(ask, memory))
    return {"name": ToolName.RECOMMEND_FOR_GROUP, "args": args}


def _who(ask: GroupAsk, memory: Recall) -> dict:
    who = {"group": ask.source, "add_mentioned": ask.add_mentioned or None, "without": list(ask.without) or None,
           "include_me": None if ask.include_me else False, "size": ask.size if ask.size and 2 <= ask.size <= 50 else None,
           "strategy": ask.strategy or (memory.last_group or {}).get("strategy") or None}
    return {k: v for k, v in who.items() if v is not None}  # only what differs from the defaults
