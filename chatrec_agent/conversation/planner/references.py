"""References to earlier results: "the second one", "the last", "#3", "it"."""

from __future__ import annotations

import re

ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
            "fifth": 5, "5th": 5, "sixth": 6, "6th": 6, "seventh": 7, "7th": 7, "eighth": 8, "8th": 8,
            "ninth": 9, "9th": 9, "tenth": 10, "10th": 10}
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
           "nine": 9, "ten": 10, "a couple": 2, "a couple of": 2, "a few": 3, "several": 4}


def ordinal_in(text: str) -> int | None:
    """A 1-based position named in the text, or -1 for "the last one"; None when none."""
    t = text.lower()
    if re.search(r"\b(the )?last( one)?\b", t) and not re.search(r"\blast (year|night|week|time)\b", t):
        return -1
    if m := re.search(r"(?:#|number |no\. ?)(\d{1,2})\b", t):
        return int(m.group(1))
    for word, n in ORDINALS.items():
        if re.search(rf"\b{word}\b", t):
            return n
    return None


def pick(items: list, position: int | None):
    if position is None or not items:
        return None
    if position == -1:
        return items[-1]
    return items[position - 1] if 1 <= position <= len(items) else None


def count_in(text: str, default: int = 5, maximum: int = 20) -> int:
    """How many items were asked for ("give me 3", "top ten", "a few")."""
    t = text.lower()
    if m := re.search(r"\b(\d{1,2})\b(?! ?(?:s\b|stars?|★|/5|out of))", t):
        n = int(m.group(1))
        if 1 <= n <= maximum and not re.search(r"\b(?:19|20)\d{2}\b", m.group(0)):
            return n
    for word, n in sorted(NUMBERS.items(), key=lambda kv: -len(kv[0])):
        if re.search(rf"\b(?:give me|show me|recommend|suggest|top|just|only|need|want|get me) {word}\b", t) or re.search(rf"^\s*{word}\b", t):
            return n
    return default
