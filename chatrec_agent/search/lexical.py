"""Lexical matching over the catalog's own keywords (its tags), fused with vector scores.

A sentence embedding of a plot description is weak on themes and devices ("heist", "twist
ending"), which catalogs often carry as tags. BM25 (through `bm25s`) over each item's tags
finds the items that carry a word or phrase of the query. Every tag is indexed as a whole
phrase ("twist ending"), and so is each of its words that the catalog also uses as a tag on
its own ("twist" where some item is tagged "twist"; not "film" for "film school", which
would make every "… film" query match it). So a query naming the phrase ranks its items
above those sharing one keyword, and a word that is no tag changes nothing. Plurals fold
("heists" finds "heist"); stemming does not, because keywords conflate under it ("ending"
would find "the end").

The index is built once per catalog (milliseconds for the demo, about a second at 100k
items); a query costs one sparse look-up per matching term.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import bm25s
import numpy as np
from bm25s.stopwords import STOPWORDS_EN

from chatrec_agent.catalog.model import phrase_words

# How much a full lexical match adds to a cosine similarity (scores are cosine +
# LEXICAL_WEIGHT x the item's BM25 score over the best one's): enough to lift an item that
# carries what was asked for above ones that are merely about something close.
LEXICAL_WEIGHT = 0.3
# Longest phrase (in words) looked up as one tag.
MAX_PHRASE = 4
# Words that name what every item of a catalog is ("feel-good movies", "a book about…"): a tag
# saying one says nothing about the item, and matching it would rank its few carriers first.
_KIND_WORDS = frozenset("movie film flick picture book novel title show series item product song track album game "
                        "episode".split())
# A verdict is no keyword either: an item tagged "good" is not about goodness, and "a good
# tearjerker" asks for tearjerkers ("good soundtrack", a whole tag, still matches as a phrase).
_VERDICTS = frozenset("good great nice best better fine cool awesome excellent amazing favorite favourite".split())
_STOPWORDS = frozenset(STOPWORDS_EN) | {"s", "t"} | _KIND_WORDS | _VERDICTS


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _words(text: str) -> list[str]:
    return [_singular(w) for w in phrase_words(text).split()]


class LexicalIndex:
    """BM25 over items' tags, in a fixed item order (`ids`)."""

    def __init__(self, ids: Sequence[str], tags: Sequence[Iterable[str]]):
        self.ids = list(ids)
        tags = [tuple(item_tags) for item_tags in tags]
        # Tags repeat across items: each distinct one is normalised once.
        phrase = {tag: " ".join(_words(tag)) for tag in {tag for item_tags in tags for tag in item_tags}}
        # Words the catalog uses as a whole tag: only these count inside longer tags.
        self.keywords = frozenset(p for p in phrase.values() if p and " " not in p and p not in _STOPWORDS)
        terms = {tag: self._terms([p]) for tag, p in phrase.items() if p}
        documents = [[term for tag in item_tags for term in terms.get(tag, ())] for item_tags in tags]
        self.vocabulary = frozenset(term for item_terms in terms.values() for term in item_terms)
        # "tearjerker" and "tear jerker", "superhero" and "super hero": one term however it is spaced.
        self._spaced = {term.replace(" ", ""): term for term in self.vocabulary}
        self._bm25: bm25s.BM25 | None = None
        if self.vocabulary:
            self._bm25 = bm25s.BM25()
            self._bm25.index(documents, show_progress=False)

    def __len__(self) -> int:
        return len(self.ids)

    def _terms(self, phrases: Iterable[str]) -> list[str]:
        terms: list[str] = []
        for phrase in phrases:
            if " " not in phrase:
                if phrase not in _STOPWORDS:
                    terms.append(phrase)
                continue
            terms.append(phrase)
            terms.extend(w for w in phrase.split() if w in self.keywords)
        return terms

    def matched(self, tags: Iterable[str], terms: Iterable[str]) -> tuple[str, ...]:
        """Those of an item's tags that the query's `terms` (see `terms`) matched."""
        wanted = set(terms)
        return tuple(tag for tag in tags if wanted & set(self._terms([" ".join(_words(tag))])))

    def terms(self, query: str) -> list[str]:
        """The query's words and phrases that some item carries, in the order they appear."""
        if not self.vocabulary:
            return []
        words = _words(query)
        found: list[str] = []
        for start in range(len(words)):
            for size in range(1, min(MAX_PHRASE, len(words) - start) + 1):
                term = " ".join(words[start:start + size])
                term = term if term in self.vocabulary else self._spaced.get(term.replace(" ", ""), "")
                if term and term not in found:
                    found.append(term)
        return found

    def scores(self, query: str) -> np.ndarray | None:
        """BM25 score of every item for the query's terms; None when no item carries any."""
        terms = self.terms(query)
        if not terms or self._bm25 is None:
            return None
        return np.asarray(self._bm25.get_scores(terms), dtype=np.float32)

    def matches(self, query: str, mask: np.ndarray | None = None) -> np.ndarray | None:
        """Scores scaled so that the best item (among `mask`, when given) is 1; None when no
        item (that passes) carries a term of the query."""
        scores = self.scores(query)
        if scores is None:
            return None
        allowed = scores if mask is None else scores[mask]
        best = float(allowed.max()) if allowed.size else 0.0
        if best <= 0:
            return None
        return scores / best
