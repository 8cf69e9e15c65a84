"""Title linking: find catalog items named in free text, typo-tolerant (rapidfuzz)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from chatrec_agent.catalog.model import Catalog, Item, longest_matches, phrase_words

_YEAR = re.compile(r"\((\d{4})\)|\b(1[89]\d{2}|20\d{2})\b")
SUGGEST_MIN = 62  # how close a title offered for an unknown one must be (rapidfuzz ratio or token-set ratio):
# "casablankka nights" ~ Casablanca 64, "the matrx" ~ The Matrix 67; "paul blart" ~ The Last Waltz 60, "hot fuzz" ~ Some Like It Hot 55


def normalise_title(text: str) -> str:
    """Folded words without a leading article: "The Shawshank Redemption" -> "shawshank
    redemption", "Amélie" -> "amelie"; titles in other scripts keep their letters."""
    return re.sub(r"^(the|a|an) ", "", phrase_words(text))


@dataclass(frozen=True)
class TitleMatch:
    item: Item
    score: float  # 0..100


class TitleLinker:
    """Resolves titles (with typos, without articles, with or without a year) to items."""

    def __init__(self, catalog: Catalog):
        self.items = list(catalog.items.values())
        self.keys = [normalise_title(item.title) for item in self.items]
        self.by_key: dict[str, list[Item]] = {}
        for key, item in zip(self.keys, self.items):
            self.by_key.setdefault(key, []).append(item)

    def resolve(self, text: str, min_score: float = 85.0) -> TitleMatch | None:
        """The item a title names, or None when nothing is close enough."""
        year = _year_in(text)
        # "1917", "Blade Runner 2049", "2012 (2009)": a title that holds a year is read whole first.
        whole = normalise_title(re.sub(r"\(\d{4}\)", " ", text))
        key = whole if whole in self.by_key else normalise_title(_YEAR.sub(" ", text))
        if not key:
            return None
        exact = self.by_key.get(key)
        if exact:
            return TitleMatch(_prefer_year(exact, year), 100.0)
        best = process.extractOne(key, self.keys, scorer=fuzz.ratio, score_cutoff=min_score)
        if best is None:
            return None
        candidates = self.by_key[best[0]]
        return TitleMatch(_prefer_year(candidates, year), float(best[1]))

    def suggest(self, text: str, limit: int = 3) -> list[Item]:
        """Close titles to offer when `resolve` found nothing."""
        key = normalise_title(_YEAR.sub(" ", text))
        if not key:
            return []
        found = process.extract(key, self.keys, scorer=fuzz.WRatio, limit=limit * 2, score_cutoff=50)
        out: list[Item] = []
        for match_key, _, _ in found:
            # WRatio rates a shared word alone highly ("hot fuzz" ~ "some like it hot" 86): a title
            # offered must be close as a whole or share most of its words.
            if max(fuzz.ratio(key, match_key), fuzz.token_set_ratio(key, match_key)) < SUGGEST_MIN:
                continue
            for item in self.by_key[match_key]:
                if item not in out:
                    out.append(item)
        return out[:limit]

    def find_in_text(self, text: str) -> list[Item]:
        """Items whose exact titles appear in a phrase ("Alien and Blade Runner"), in order.

        Exact spans only (dictionary look-ups, so it is fast on any message); the planner
        fuzzy-resolves the pieces it cuts at "and" / "," when this finds nothing.
        """
        words = normalise_title(text).split()
        return [items[0] for _, _, items in longest_matches(words, self.by_key, 10)]

def _year_in(text: str) -> int | None:
    match = _YEAR.search(text)
    return int(match.group(1) or match.group(2)) if match else None


def _prefer_year(items: list[Item], year: int | None) -> Item:
    if year is not None:
        for item in items:
            if item.year == year:
                return item
    return items[0]
