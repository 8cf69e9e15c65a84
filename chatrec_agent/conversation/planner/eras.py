"""Era phrases ("90s", "from the eighties", "before 1960", "recent", "aus den 80ern", "des années
90", "de los años 80") as a year range. The words, in each language, are data
(data/era_words.yaml); the patterns here only say how they combine with years."""

from __future__ import annotations

import re
from collections.abc import Iterable

from chatrec_agent.catalog.model import fold
from chatrec_agent.conversation.planner.lexicon import negated_here
from chatrec_agent.conversation.planner.wordforms import era_words


def _norm(text: str) -> str:
    return " ".join(fold(text).replace("-", " ").split())


def _any(words: Iterable[str]) -> str:
    """An alternation of the words, longest first, each matched as whole words."""
    return "(?:" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(set(map(_norm, words)), key=len, reverse=True)) + ")"


_DATA = era_words()
_DECADE_DATA = _DATA["decades"]
# Decade words: folded word -> first year; those that need a prefix apart.
DECADE_WORDS = {_norm(w): start for w, start in _DECADE_DATA["words"].items()}
_PREFIXED_WORDS = {_norm(w): start for w, start in _DECADE_DATA["words_after_prefix"].items()}
_SUFFIX = _any(_DECADE_DATA["suffixes"])
_PREFIX = _any(_DECADE_DATA["prefixes"])
_WORD = rf"(?P<word>{_any(DECADE_WORDS)}){_any(_DECADE_DATA['word_endings'])}?"
_PREFIXED_WORD = rf"{_PREFIX}\s+(?P<pword>{_any(_PREFIXED_WORDS)})"
# A decade, however written: "1980s", "80er", "'80s", "années 1980", "los 90", "eighties", "los ochenta".
_DECADE = (rf"(?:(?P<century>1[89]|20)?(?P<decade>\d)0{_SUFFIX}|'(?P<short>\d)0s"
           rf"|{_PREFIX}\s+(?:(?P<pcentury>1[89]|20)(?P<pdecade>\d)|(?P<pshort>[2-9]))0(?!\d)|{_PREFIXED_WORD}|{_WORD})")
_PART = {_norm(w): part for part, words in _DATA["parts"].items() for w in words}
_PARTS = re.compile(rf"\b(?P<part>{_any(_PART)})\s+(?:{_any(_DATA['part_fillers'])}\s+)?{_DECADE}\b")
_BETWEEN = [re.compile(rf"\b{re.escape(_norm(a))} (\d{{4}}) {re.escape(_norm(b))} (\d{{4}})\b") for a, b in _DATA["between"]]
_NEGATED = rf"(?P<neg>\b{_any(_DATA['negations'])}\b(?:\s+\w+){{0,2}}?\s+)?"
_BEFORE = re.compile(_NEGATED + rf"\b{_any(_DATA['before'])}\s+(\d{{4}})s?\b")
_AFTER = re.compile(_NEGATED + rf"\b(?P<word>{_any(_DATA['after'])})\s+(\d{{4}})s?\b")
_REFUSING = re.compile(r"\b(?:watch|want|like|stand|see|care|fan|into)\w*")  # a bound refused (_refused)
_SINCE = {_norm(w) for w in _DATA["since"]}
_AROUND = re.compile(rf"(?<!\w){_any(_DATA['around'])} ?((?:19|20)\d\d)\b")
# Every decade the text names, each way of writing it once, in order: "1980s", "80s", "'80s", "80er",
# "années 1980", "los 90" (not "los 10 mejores": a bare number is a decade from 20 on), "00s", "eighties".
_DECADES = re.compile(rf"\b(?P<century>1[89]|20)(?P<decade>\d)0{_SUFFIX}\b|(?<![\d£$€])'?\b(?P<short>[2-9])0{_SUFFIX}\b"
                      rf"|\b{_PREFIX}\s+(?:(?P<pcentury>1[89]|20)(?P<pdecade>\d)|(?P<pshort>[2-9]))0\b"
                      rf"|\b(?P<noughties>00)s\b|\b(?:{_PREFIXED_WORD}|{_WORD})\b")
_JOINER = re.compile(r"^\W*(?:or|and|to|through|till|until|&|/|-)?\W*(?:the\s+)?$")  # between decades joined
_YEAR = re.compile(rf"\b{_any(_DATA['from_year'])} (\d{{4}})\b|\b((?:19|20)\d\d) {_any(_DATA['year_nouns'])}\b")
_RECENT = re.compile(rf"\b{_any(_DATA['recent'])}\b")
_MONOCHROME = re.compile(rf"(?<!\w){_any(_DATA['monochrome'])}(?!\w)")
# "my 10 year old", "a six-year-old": a person's age, no era.
_OLD = re.compile(rf"(?<!\byear )(?<!\byears )(?<!\bmonth )(?<!\bmonths )\b{_any(_DATA['old'])}\b(?! (one|ones)\b)")


def _start(m: re.Match) -> int:
    """The first year of the decade a _DECADE or _DECADES match names (not "00s": 2000)."""
    if m.group("word"):
        return DECADE_WORDS[m.group("word")]
    if m.group("pword"):
        return _PREFIXED_WORDS[m.group("pword")]
    digit = int(m.group("decade") or m.group("short") or m.group("pdecade") or m.group("pshort"))
    century = m.group("century") or m.group("pcentury")
    return int(century) * 100 + digit * 10 if century else (2000 if digit <= 1 else 1900) + digit * 10


def parse_era(text: str, latest_year: int) -> tuple[int | None, int | None]:
    """(year_from, year_to), either None when not stated. `latest_year` anchors "recent"."""
    t = _norm(text)
    for between in _BETWEEN:
        if m := between.search(t):
            return tuple(sorted((int(m.group(1)), int(m.group(2)))))
    # "nothing before 1990", "no films older than 1990", "not after 2000": the bound turns round.
    if m := _BEFORE.search(t):
        year = int(m.group(2))
        return (year, None) if m.group("neg") or _refused(t, m) else (None, year - 1)
    if m := _AFTER.search(t):
        year = int(m.group(3))
        first = year if _norm(m.group("word")) in _SINCE else year + 1  # "since 2000" counts 2000, "after 2000" doesn't
        return (None, first - 1) if m.group("neg") or _refused(t, m) else (first, None)
    # "early 80s", "mid-1990s", "late nineties", "Anfang der 80er": a third of the decade.
    if m := _PARTS.search(t):
        start = _start(m)
        low, high = {"early": (0, 4), "mid": (3, 7), "late": (5, 9)}[_PART[_norm(m.group("part"))]]
        return start + low, start + high
    if m := _AROUND.search(t):
        year = int(m.group(1))
        return year - 2, year + 2
    if decades := [(m.start(), m.end(), 2000 if m.group("noughties") else _start(m)) for m in _DECADES.finditer(t)]:
        # "the 50s or 60s", "80s and 90s", "the 70s to the 90s": decades joined are one span.
        gaps = [t[b:c] for (_, b, _), (c, _, _) in zip(decades, decades[1:])]
        joined = len(decades) > 1 and all(_JOINER.match(gap) for gap in gaps)
        starts = [start for _, _, start in decades] if joined else [decades[0][2]]
        return min(starts), max(starts) + 9
    if m := _YEAR.search(t):
        year = int(m.group(1) or m.group(2))
        return year, year
    # "not too old", "nothing recent", "not black and white": a negation turns the era round.
    if m := _RECENT.search(t):
        return (None, latest_year - 8) if negated_here(t[:m.start()]) else (latest_year - 7, None)
    if m := _MONOCHROME.search(t):
        return (_DATA["monochrome_until"] + 1, None) if negated_here(t[:m.start()]) else (None, _DATA["monochrome_until"])
    if (m := _OLD.search(t)) and "older" not in t:
        return (1970, None) if negated_here(t[:m.start()]) else (None, 1969)
    return None, None


def _refused(t: str, m: re.Match) -> bool:
    """"I don't watch anything older than 2000": a bound negated further off, by a refusal to
    watch or want it ("I don't know many films older than 1980" asks for them)."""
    return negated_here(t[:m.start()]) and _REFUSING.search(t[max(0, m.start() - 40):m.start()]) is not None
