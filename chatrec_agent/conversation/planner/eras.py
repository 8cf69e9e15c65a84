"""Era phrases ("90s", "from the eighties", "before 1960", "recent") as a year range."""

from __future__ import annotations

import re

DECADE_WORDS = {"twenties": 1920, "thirties": 1930, "forties": 1940, "fifties": 1950, "sixties": 1960,
                "seventies": 1970, "eighties": 1980, "nineties": 1990, "noughties": 2000, "two thousands": 2000}


def parse_era(text: str, latest_year: int) -> tuple[int | None, int | None]:
    """(year_from, year_to), either None when not stated. `latest_year` anchors "recent"."""
    t = text.lower()
    if m := re.search(r"\bbetween (\d{4}) and (\d{4})\b", t):
        a, b = sorted((int(m.group(1)), int(m.group(2))))
        return a, b
    # "nothing before 1990", "no films older than 1990", "not after 2000": the bound turns round.
    negated = r"(?P<neg>\b(?:nothing|not|no|none|never|nowt)\b(?:\s+\w+){0,2}?\s+)?"
    if m := re.search(negated + r"\b(?:before|earlier than|older than|prior to|pre)[ -](\d{4})s?\b", t):
        year = int(m.group(2))
        return (year, None) if m.group("neg") else (None, year - 1)
    if m := re.search(negated + r"\b(?:after|later than|newer than|since|post)[ -](\d{4})s?\b", t):
        year = int(m.group(2))
        if m.group("neg"):
            return None, (year - 1 if "since" in m.group(0) else year)
        return (year if "since" in m.group(0) else year + 1), None
    # "early 80s", "mid-1990s", "late nineties": a third of the decade.
    part = r"(?P<part>early|mid|middle|late)[ -](?:(?:the )?)"
    if m := re.search(part + r"(?:(?P<century>1[89]|20)?(?P<decade>\d)0s|'(?P<short>\d)0s|(?P<word>" + "|".join(DECADE_WORDS) + r"))\b", t):
        if m.group("word"):
            start = DECADE_WORDS[m.group("word")]
        else:
            digit = int(m.group("decade") or m.group("short"))
            century = int(m.group("century")) * 100 if m.group("century") else (2000 if digit <= 1 else 1900)
            start = century + digit * 10
        low, high = {"early": (0, 4), "mid": (3, 7), "middle": (3, 7), "late": (5, 9)}[m.group("part")]
        return start + low, start + high
    if m := re.search(r"\b(?:around|about|circa|roughly|approximately|somewhere around|c\.) ?((?:19|20)\d\d)\b", t):
        year = int(m.group(1))
        return year - 2, year + 2
    if m := re.search(r"\b(1[89]\d|20\d)0s\b", t):
        start = int(m.group(1)) * 10
        return start, start + 9
    if m := re.search(r"(?<![\d£$€])'?\b([2-9]0)s\b", t):
        start = 1900 + int(m.group(1))
        return start, start + 9
    if m := re.search(r"\b00s\b|\b(?:2000s)\b", t):
        return 2000, 2009
    for word, start in DECADE_WORDS.items():
        if re.search(rf"\b{word}\b", t):
            return start, start + 9
    if m := re.search(r"\b(?:from|in|of) (\d{4})\b|\b((?:19|20)\d\d) (?:films?|movies?|releases?)\b", t):
        year = int(m.group(1) or m.group(2))
        return year, year
    if re.search(r"\b(recent|latest|new releases?|newest|brand new|modern)\b", t):
        return latest_year - 7, None
    if re.search(r"\b(classics?|old|golden age|black and white|vintage)\b(?! (one|ones)\b)", t) and "older" not in t:
        return None, 1969
    return None, None
