"""Genre words people use, mapped onto whatever genres the catalog actually has."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import simplemma

from chatrec_agent.catalog import genre_key
from chatrec_agent.catalog.model import fold

# Phrase -> canonical genre names (first one present in the catalog wins; a "+" joins two).
SYNONYMS: dict[str, str] = {
    "sci fi": "Sci-Fi", "scifi": "Sci-Fi", "science fiction": "Sci-Fi", "sf": "Sci-Fi", "space opera": "Sci-Fi",
    "romcom": "Romance+Comedy", "rom com": "Romance+Comedy", "romantic comedy": "Romance+Comedy",
    "romantic comedies": "Romance+Comedy",
    "kids": "Children", "kid": "Children", "family": "Children", "children": "Children", "childrens": "Children",
    "cartoon": "Animation", "cartoons": "Animation", "animated": "Animation", "anime": "Animation", "animation": "Animation",
    "scary": "Horror", "horror": "Horror", "creepy": "Horror", "frightening": "Horror", "spooky": "Horror",
    "funny": "Comedy", "comedy": "Comedy", "comedies": "Comedy", "hilarious": "Comedy", "laugh": "Comedy",
    "western": "Western", "westerns": "Western", "cowboy": "Western", "cowboys": "Western",
    "war": "War", "war movie": "War", "war film": "War",
    "noir": "Film-Noir", "film noir": "Film-Noir",
    "musical": "Musical", "musicals": "Musical",
    "documentary": "Documentary", "documentaries": "Documentary", "doc": "Documentary",
    "thriller": "Thriller", "thrillers": "Thriller", "suspense": "Thriller", "suspenseful": "Thriller",
    "mystery": "Mystery", "mysteries": "Mystery", "whodunit": "Mystery", "detective": "Mystery",
    "crime": "Crime", "gangster": "Crime", "gangsters": "Crime", "heist": "Crime", "mob": "Crime", "mafia": "Crime",
    "action": "Action", "action packed": "Action",
    "adventure": "Adventure", "adventures": "Adventure",
    "fantasy": "Fantasy", "magic": "Fantasy", "magical": "Fantasy", "fairy tale": "Fantasy",
    "drama": "Drama", "dramas": "Drama",
    "romance": "Romance", "romantic": "Romance", "love story": "Romance", "love stories": "Romance",
}

# Moods the genres can't name rule some genres out: a feel-good pick is not a horror film,
# a dark one is not a cartoon. (Genres the person asked for are never ruled out.)
MOODS: dict[str, tuple[str, ...]] = {
    "feel good": ("Horror", "War", "Film-Noir"), "uplifting": ("Horror", "War", "Film-Noir"),
    "heartwarming": ("Horror", "War", "Film-Noir"), "cheerful": ("Horror", "War", "Film-Noir"),
    "light hearted": ("Horror", "War", "Film-Noir"), "lighter": ("Horror", "War", "Film-Noir"),
    "something light": ("Horror", "War", "Film-Noir"), "cosy": ("Horror", "War", "Film-Noir"),
    "cozy": ("Horror", "War", "Film-Noir"),
    "dark": ("Children", "Animation", "Musical"), "darker": ("Children", "Animation", "Musical"),
    "bleak": ("Children", "Animation", "Musical"), "gritty": ("Children", "Animation", "Musical"),
    "disturbing": ("Children", "Animation", "Musical"), "grim": ("Children", "Animation", "Musical"),
}

# A negation governs the genre words after it up to the end of its clause ("not really into
# horror, what about thrillers?": horror is out, thrillers are in).
NEGATION = re.compile(
    r"\b(?:no|not|never|without|nothing|none|except|avoid|skip|hate|hated|dislike|disliked|neither|nor|"
    r"(?:do|does|did|is|are|was|were|could|would)n'?t|(?:do|does|did|could|would) not|ca?n'?t stand|sick of|tired of|"
    r"anything but|other than|instead of|rather than)\b")
_CLAUSE_END = re.compile(r"[,.;!?…()]|\b(?:(?<!anything )(?<!nothing )(?<!all )but|though|although|however|what about|how about|instead|rather|prefer|"
                         r"more like|and (?:maybe|perhaps|also|some))\b")


class GenreLexicon:
    def __init__(self, catalog_genres: Iterable[str], tags: Iterable[str] = ()):
        """`tags`: the catalog's tags; one of several words that holds a genre word ("live
        action") is read whole, so it names no genre."""
        self.by_key = {genre_key(g): g for g in catalog_genres}
        tag_phrases = {_words(t) for t in tags}
        # Tags of several words that contain a genre word ("live action", "war hero") are read
        # as the tag, so "live-action" is not the genre Action.
        # Except where the tag is itself how people name a genre: "romantic comedy" is both,
        # and "scary movie" / "funny film" are still scary and funny.
        generic = {"movie", "movies", "film", "films", "flick", "flicks"}
        self.tag_phrases = sorted((t for t in tag_phrases if " " in t and t not in SYNONYMS and t.split()[-1] not in generic),
                                  key=len, reverse=True)
        # A catalog's own genre names always count as words for themselves.
        phrases: dict[str, list[str]] = {}
        for name in self.by_key.values():
            phrases.setdefault(_words(name), []).append(name)
        # A synonym the catalog also has as a tag ("scifi", "family", "heist") still names its
        # genre: the request keeps the word as its wish, so the tagged items rank first within it.
        for phrase, target in SYNONYMS.items():
            names = [self._present(t) for t in target.split("+")]
            if all(names):
                phrases.setdefault(phrase, [n for n in names if n])
        # Longest phrases first so "romantic comedy" beats "comedy".
        self.phrases = sorted(phrases.items(), key=lambda kv: -len(kv[0]))
        self.known = frozenset(self.words())
        lemma("warming")  # loads simplemma's English tables now, not in someone's turn

    def words(self) -> set[str]:
        """Every word of the genre and mood phrases this catalog understands."""
        return {w for phrase, _ in self.phrases for w in phrase.split()} | {w for m in MOODS for w in m.split()}

    def _present(self, name: str) -> str | None:
        key = genre_key(name)
        if key in self.by_key:
            return self.by_key[key]
        # "Children" also finds MovieLens' "Children's".
        return next((g for k, g in self.by_key.items() if k.startswith(key)), None)

    def mood_exclusions(self, text: str, asked: Iterable[str]) -> list[str]:
        """The catalog genres a mood word in the text rules out, minus the genres asked for."""
        words = " " + _words(text) + " "
        asked = set(asked)
        out: list[str] = []
        for phrase, genres in MOODS.items():
            if f" {phrase} " in words:
                for present in filter(None, map(self._present, genres)):
                    if present not in asked and present not in out:
                        out.append(present)
        return out

    def parse(self, text: str) -> tuple[list[str], list[str]]:
        """(genres asked for, genres excluded) in the text. Words count in their everyday forms
        (plurals, "dramas"); a negation rules out what follows it in its clause, and a negated
        mix ("not a romcom") after one of its parts was asked for ("a comedy") rules out the rest."""
        include: list[str] = []
        exclude: list[list[str]] = []
        for clause in _CLAUSE_END.split(fold(text)):
            taken = " " + _lemmas(_words(clause), self.known) + " "
            for phrase in self.tag_phrases:
                if f" {phrase} " in taken:
                    # The head word stays: a "dark comedy" is a comedy, "live action hybrid" no action film.
                    head = phrase.split()[-1]
                    keep = f" {head} " if any(p == head for p, _ in self.phrases) else " "
                    taken = taken.replace(f" {phrase} ", " #" + keep)
            for phrase, names in self.phrases:
                pattern = rf" {re.escape(phrase)} "
                for match in re.finditer(pattern, taken):
                    if NEGATION.search(taken[: match.start() + 1]):
                        exclude.append(names)
                    else:
                        include.extend(n for n in names if n not in include)
                taken = re.sub(pattern, " # ", taken)
        excluded: list[str] = []
        for names in exclude:
            rest = [n for n in names if n not in include] if len(names) > 1 else names
            excluded.extend(n for n in rest if n not in excluded)
        include = [g for g in include if g not in excluded]
        return include, excluded


@lru_cache(maxsize=8192)
def lemma(word: str) -> str:
    """A word's dictionary form ("comedies" -> "comedy"); short words as they are."""
    return simplemma.lemmatize(word, lang="en") if word.isalpha() and len(word) > 3 else word


def _lemmas(words: str, known: frozenset[str] = frozenset()) -> str:
    """Each word in its dictionary form ("comedies" -> "comedy", "thrillers" -> "thriller"),
    but for the words the lexicon knows as they are ("animated", "romantic")."""
    return " ".join(w if w in known else lemma(w) for w in words.split())


def _words(text: str) -> str:
    text = re.sub(r"[^\w']+|_", " ", fold(text).replace("-", " ")).replace("'s", "s")
    return re.sub(r"'(?=\s|$)|(?<=\s)'|^'", "", text).strip()  # "kids'" -> "kids"
