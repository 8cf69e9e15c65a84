"""Misspelt words the planner reads, and chat shorthand ("seen em all"), set right before
anything else reads the message.

"I liekd lady bird", "any good thrilers?", "can you reccomend a horor film": a cue word
missed means a taste not recorded or a request not followed, and the linker weighs a title's
cues on the same words. Only the planner's own words are put right (its genre and kind words
and the words of its cue patterns), and only from a word the language hardly knows, so a
person's names and rare words stay as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, lru_cache
from importlib import resources

import yaml
from rapidfuzz import process
from rapidfuzz.distance import OSA
from wordfreq import zipf_frequency

from chatrec_agent.conversation.planner import cues

# A word the language uses more often than this is no misspelling ("teh" is, "honor" isn't).
KNOWN_ZIPF = 2.5
# Long words are mistyped twice as often ("reccomend" is two edits from "recommend").
TWO_EDITS_FROM = 8


@cache
def shorthand() -> dict[str, str]:
    """Chat shorthand and what it stands for ("em": "them"): data/shorthand.yaml."""
    text = (resources.files("chatrec_agent.conversation.planner") / "data" / "shorthand.yaml").read_text(encoding="utf-8")
    return {str(k): str(v) for k, v in yaml.safe_load(text).items()}


def cue_words() -> set[str]:
    """The words of four letters or more that the cue patterns read ("liked", "recommend")."""
    return {w for value in vars(cues).values() if isinstance(value, re.Pattern)
            for w in re.findall(r"(?<![\\?])\b[a-z]{4,}\b(?![?*\\])", value.pattern)}


class Speller:
    """Puts a word right when it is unknown to the language, not one the catalog's titles or
    names use, and one edit (a swap counts one; two for long words) from exactly one word
    the planner reads."""

    def __init__(self, words: Iterable[str], keep: Iterable[str] = ()):
        self.words = sorted({w for w in words if len(w) >= 4 and w.isalpha()})
        self.known = frozenset(self.words)
        self.keep = frozenset(keep)  # the catalog's title and name words: "Zootopia" is no typo
        self._word = lru_cache(maxsize=16384)(self._right)
        self.shorthand = shorthand()

    def __call__(self, text: str, titles: Iterable[tuple[int, int]] = ()) -> str:
        """`titles`: (start, end) of the spans that may be titles, where shorthand is kept
        ("shoot em up", "thx 1138")."""
        # A word with an apostrophe is taken whole and left alone: "haven't" is no "have't".
        titles = list(titles)
        return re.sub(r"[A-Za-z]+(?:['’][A-Za-z]+)*", lambda m: self._fix(m, titles), text)

    def _fix(self, m: re.Match, titles: list[tuple[int, int]]) -> str:
        word = m.group(0)
        lower = word.lower()
        if word in self.shorthand:  # "seen em all": written out, lower case and standing alone only ("u-571")
            alone = not re.match(r"[\w.-]", m.string[m.end():m.end() + 1]) and not re.search(r"[\w.-]$", m.string[:m.start()])
            inside = any(a <= m.start() < b for a, b in titles)
            return self.shorthand[word] if alone and not inside else word
        if not word.isalpha():
            return word
        # A capital inside a sentence is a name; one at its start is only the sentence's.
        if word != lower and not (word[0].isupper() and word[1:] == lower[1:] and
                                  re.search(r"(?:^|[.!?…]\s+)$", m.string[:m.start()])):
            return word
        right = self._word(lower)
        return right.capitalize() if word[0].isupper() else right

    def _right(self, word: str) -> str:
        if len(word) < 4 or word in self.known or word in self.keep or zipf_frequency(word, "en") >= KNOWN_ZIPF:
            return word
        right = self._nearest(word)
        # The words are in their dictionary forms: "comdies" is put right as "comdy" would be.
        for suffix, base in (("ies", "y"), ("s", "")):
            if right == word and word.endswith(suffix) and len(word) - len(suffix) + len(base) >= 4:
                stem = word[:len(word) - len(suffix)] + base
                fixed = self._nearest(stem)
                right = fixed[:len(fixed) - len(base)] + suffix if fixed != stem and fixed.endswith(base) else word
        return right

    def _nearest(self, word: str) -> str:
        edits = 2 if len(word) >= TWO_EDITS_FROM else 1
        if not (found := process.extract(word, self.words, scorer=OSA.distance, score_cutoff=edits, limit=4)):
            return word
        nearest = min(d for _, d, _ in found)
        near = {w for w, d, _ in found if d == nearest}
        return near.pop() if len(near) == 1 else word
