"""References to earlier results: "the second one", "the last", "#3", "it"."""

from __future__ import annotations

import re
from collections.abc import Iterable

from chatrec_agent.catalog.mentions import TASTE_CUES, WATCHED

ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
            "fifth": 5, "5th": 5, "sixth": 6, "6th": 6, "seventh": 7, "7th": 7, "eighth": 8, "8th": 8,
            "ninth": 9, "9th": 9, "tenth": 10, "10th": 10}
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
           "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a couple": 2, "a couple of": 2, "a few": 3, "several": 4}


def number(word: str, default: int | None = None) -> int | None:
    """"3", "three", "couple", "a few" as a number; `default` for any other word."""
    word = word.lower()
    return int(word) if word.isdigit() else NUMBERS.get(word, NUMBERS.get("a " + word, default))


# "the last one" is a position (and "the last two" opens a run: picks_named); "last night", "at last" are not.
_LAST = re.compile(r"(?<!\bat )\blast\b(?! (?:year|night|week|weekend|month|summer|winter|spring|autumn|fall|christmas|time)\b)")


def ordinal_in(text: str) -> int | None:
    """A 1-based position named in the text, or -1 for "the last one"; None when none, nor for a
    run of something else ("i liked the first two alien films") or what counts no picks ("the first time")."""
    t = text.lower()
    named = [n for a, b, n in ordinals_in(t) if not _other_run(t, a) and counts_picks(t, b)]
    return -1 if -1 in named else next(iter(named), None)  # "watched the last one last weekend": the last


def _other_run(t: str, start: int) -> bool:
    """Whether the position at `start` opens a run of something other than picks ("the first two hours")."""
    return bool((m := _FIRST_OR_LAST.match(t, start)) and not _RUN_END.match(t, m.end()))


def ordinals_in(text: str) -> list[tuple[int, int, int]]:
    """Every position the text names, as (start, end, position), in order: "loved the first, not
    so much the third" -> [(.., .., 1), (.., .., 3)]; "the last" is -1."""
    words = "|".join(map(re.escape, ORDINALS))
    found = [(m.start(), m.end(), ORDINALS[m.group(1)]) for m in re.finditer(rf"\b({words})\b", text.lower())]
    found += [(m.start(), m.end(), int(m.group(1))) for m in re.finditer(r"(?:#|number |no\. ?)(\d{1,2})\b", text.lower())]
    found += [(m.start(), m.end(), -1) for m in _LAST.finditer(text.lower())]
    found += [(m.start("n") + d.start(), m.start("n") + d.end(), int(d.group())) for m in _NUMBER_LIST.finditer(text.lower())
              for d in re.finditer(r"[1-9]", m.group("n"))]
    return sorted(found)


# Bare numbers listed at a clause's start or after a verb of what was done with them ("1 and 3
# already watched", "seen 2, 4 and 5") point at picks as "#1" does; one alone is a count or a
# rating ("2 more", "rate it 4"), and after other words a sequel's ("toy story 2 and 3").
_NUMBER_LIST = re.compile(r"(?:^|(?<!\d)[,.;:!?]|\b(?:" + "|".join(sorted(WATCHED | TASTE_CUES | {"rate", "rated", "both", "only", "also"}))
                          + r"))\s*"
                          r"(?P<n>[1-9](?:\s*(?:,|&|and)\s*[1-9](?![\w./-]|,\d|\s*(?:stars?|★|/|out of)\b))+)")


# "the first time I saw…", "the second half", "my second favourite": an ordinal that counts
# something else points at no pick.
_POINTER = re.compile(r"(?:\b(?:the|that|your)\s+|#|\bnumber\s+|\bno\.\s?)$")
_NOT_A_PICK = frozenset("time times half part parts thing things place day days night nights week weeks date season seasons "
                        "episode episodes act acts scene scenes minute minutes hour hours chapter chapters step steps sight look "
                        "glance impression".split())


def counts_picks(text: str, end: int) -> bool:
    """Whether the ordinal ending at `end` may count picks: not "the first time", "the second half"."""
    return (re.findall(r"[a-z]+", text[end:end + 20].lower())[:1] or [""])[0] not in _NOT_A_PICK


_POSITION_PHRASE = re.compile(r"\b(?:the|your)\s+(?:" + "|".join(map(re.escape, ORDINALS)) + r"|last)(?:\s+one)?\b"
                              r"(?!\s+(?:two|three|four|five|few|couple|\d))|#\d{1,2}\b")  # not a run: "the first two"


def as_that_one(text: str) -> str:
    """The text with its positions said as "that one": which pick it is is no part of what a
    message means ("I'll check out the second one" is an acknowledgement, as "…that one" is)."""
    return _POSITION_PHRASE.sub("that one", text)


_FIRST_OR_LAST = re.compile(r"\b(?:the )?(first|top|last) (two|three|four|five|six|seven|eight|nine|ten|couple|few|\d{1,2})\b")
_EVERY = re.compile(r"\b(?:all|each|every one|every single one) (?:of )?(?:those|these|them|em|the (?:\w+ )?(?:ones|films|movies|picks))\b|"
                    r"\b(?:them|em|those|these) all\b")
_EXCEPT = re.compile(r"\b(?:except(?: for)?|but(?: not)?|other than|apart from|besides)\b.*")  # "seen em all except the last one"
_ALL_N = re.compile(r"\ball (two|three|four|five|six|seven|eight|nine|ten|\d{1,2})\b")  # "all three": of a list of three
_BOTH = re.compile(r"\bboth\b")


# "the others", "the rest of them": the picks not spoken of (not asked after: "seen the first, what about the rest?").
_REST = re.compile(r"\b(?:the|all the) (?:others|other ones|other (?:two|three|four|\d)|rest)"
                   r"(?: of (?:them|those|these|the (?:list|picks|ones|movies|films)(?: on (?:the|your) list)?))?"
                   r"(?=\s*(?:$|[,.;:!…]|\d|too\b|as well\b|(?:were|are|was|look|looked|sound|sounded|seem|seemed|except|but|"
                   r"apart|other than|besides)\b))(?![^,.;:!…]*\?)")
# What may follow a run of picks: "the first two were great", not "the first two hours", "the first two matrix movies".
_RUN_END = re.compile(r"(?:\s+(?:ones|of (?:them|those|these)|picks|films|movies|suggestions))?"
                      r"(?=\s*(?:$|[,.;:!?…]|(?:were|are|look|looked|sound|sounded|seem|seemed|and|but|both|too|already|before|"
                      r"again|yet|though|lol)\b))")


def picks_named(text: str, shown: int, spoken: Iterable[int] = (), pointed: bool = False) -> list[tuple[int, int, int | None]]:
    """Every pick of a list of `shown` the text names, as (start, end, position) with the span
    that names it, in order: positions ("loved the 2nd, hated the 4th", "#3", "the last one"),
    runs ("the first two", "the last three"), all of them ("seen em all", "loved both" of two)
    but those excepted ("all except the last one"), and the others: those neither `spoken` of
    before nor named here ("the third looks great, seen the others"), position None where none
    was spoken of (which are they?). `pointed`: only what it points at as picks ("the first
    one", "#2"; not "first of all")."""
    t = text.lower()
    runs = [(m.start(), m.end(), n) for m in _FIRST_OR_LAST.finditer(t)
            if _RUN_END.match(t, m.end()) and (not pointed or _POINTER.search(t[:m.start(1)])) for n in _run(m, shown)]
    named = sorted(runs + [(a, b, shown if n == -1 else n) for a, b, n in ordinals_in(t)
                           if counts_picks(t, b) and not _other_run(t, a) and not any(s <= a < e for s, e, _ in runs)
                           and (not pointed or _POINTER.search(t[:a]))])
    every = (m if (m := _ALL_N.search(t)) and number(m.group(1)) == shown else None) or _EVERY.search(t) or \
        (_BOTH.search(t) if shown == 2 else None)
    rest = _REST.search(t)
    if (every and shown > 1) or rest:
        cut = m.start() if (m := _EXCEPT.search(t)) else len(t)  # "seen em all except the last one": not the last
        but = {n for a, _, n in named if a >= cut}
        named = [p for p in named if p[0] < cut]
        others = [n for n in range(1, shown + 1) if n not in but | {n for _, _, n in named}]
        if every and shown > 1:
            named += [(every.start(), every.end(), n) for n in others]
        elif rest:
            unsaid = [n for n in others if n not in set(spoken)]
            named += [(rest.start(), rest.end(), n) for n in unsaid] if len(unsaid) < shown else [(rest.start(), rest.end(), None)]
    return sorted((p for p in named if p[2] is None or 1 <= p[2] <= shown), key=lambda p: p[0])


def _run(m: re.Match, shown: int) -> list[int]:
    """The positions of a run: "the first two" [1, 2], "the last three" of five [3, 4, 5]; [] for one."""
    n = min(shown, number(m.group(2), 0))
    return [] if n < 2 else list(range(1, n + 1)) if m.group(1) != "last" else list(range(shown - n + 1, shown + 1))


def pick(items: list, position: int | None):
    if position is None or not items:
        return None
    return items[-1] if position == -1 else items[position - 1] if 1 <= position <= len(items) else None


# What a number counts when it asks for a list: "3 comedies", "two more films", "top 10".
COUNT_NOUNS = frozenset("""films film movies movie picks pick options option ones suggestions suggestion
recommendations recommendation titles title more others other""".split())
_ASKS_FOR = r"(?:give me|show me|recommend|suggest|top|just|only|need|want|get me|list|pick|find me|how about|maybe|make it|i'?ll take)"


def count_in(text: str, default: int = 5, maximum: int = 20, nouns: frozenset[str] = frozenset()) -> int:
    """How many items were asked for ("give me 3", "3 comedies", "top ten", "a few"). A number
    counts only where it asks for a list, so "my daughters are 12 and 10" or "5 stars" don't;
    `nouns`: more words a count may go with (the catalog's genre words, "comedies")."""
    t = text.lower().strip()
    number = r"(\d{1,2}|" + "|".join(sorted(map(re.escape, NUMBERS), key=len, reverse=True)) + r")"
    counted = [rf"^{number}(?:\s+(?:of them|please|instead|then))?\W*$",
               rf"\b{_ASKS_FOR}\s+(?:me\s+)?{number}\b(?! ?(?:s\b|stars?|★|/5|out of))",
               rf"\banother\s+(?:[a-z-]+\s+)?{number}\b(?!\s*(?:of|hours?|hrs?|minutes?|mins?|-))",  # "another one", "another crime one", "another three"
               r"\b(a couple of|a couple|a few|several)\b"]  # the last only ever a count
    for pattern in counted:
        if m := re.search(pattern, t):
            return _bounded(m.group(1), default, maximum)
    for m in re.finditer(rf"\b{number}\b((?:\s+[\w'-]+){{1,3}})", t):
        if m.group(1) == "one" and re.search(r"\b(?:that|this|the|which|first|second|third|fourth|fifth|last|next|other) $",
                                             t[:m.start()]):
            continue  # "that one was too scary", "the first one is too old": a film pointed at, not a count
        for word in m.group(2).split():
            if word in COUNT_NOUNS or word in nouns or word.rstrip("s") in nouns or word[:-3] + "y" in nouns:
                return _bounded(m.group(1), default, maximum)
            if word in ("stars", "star", "years", "year", "minutes", "hours", "kids", "daughters", "sons"):
                break
    return default


def _bounded(word: str, default: int, maximum: int) -> int:
    n = number(word, default)
    return n if 1 <= n <= maximum else default
