"""The planner's word lists (data/genre_words.yaml, data/era_words.yaml) and the inflected forms
of their words in the other languages people write in (data/word_forms.json).

The forms come from simplemma's tables, written out once by scripts/build_word_forms.py: a
person writing "Komödien", "comédies" or "películas" is read without loading a 100 MB lemma
table per language at start-up. Only the catalog's own language is lemmatised live (lexicon.py).
"""

from __future__ import annotations

import json
import re
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import simplemma
import yaml

from chatrec_agent.catalog.model import fold

FORMS_FILE = "word_forms.json"


def _data(name: str) -> str:
    return (resources.files("chatrec_agent.conversation.planner") / "data" / name).read_text(encoding="utf-8")


@cache
def genre_words() -> dict[str, Any]:
    return yaml.safe_load(_data("genre_words.yaml"))


@cache
def era_words() -> dict[str, Any]:
    return yaml.safe_load(_data("era_words.yaml"))


@cache
def word_forms() -> dict[str, str]:
    """Folded form -> folded dictionary form, for the seed's words in every language but English."""
    languages = json.loads(_data(FORMS_FILE))["languages"]
    # A form several languages share takes the first language's lemma, in alphabetical order.
    return {form: lemma for language in sorted(languages, reverse=True) for form, lemma in languages[language].items()}


@lru_cache(maxsize=16384)
def lemma(word: str, language: str = "en") -> str:
    """A word's dictionary form in the language ("comedies" -> "comedy"); short words as they are."""
    return simplemma.lemmatize(word, lang=language) if word.isalpha() and len(word) > 3 else word


def words_of(text: str) -> list[str]:
    """The folded words of a text: hyphens part words ("sci-fi"), "'s" joins its word ("kids'",
    "children's"), and a French or Italian elision comes off its word ("d'horreur", "l'amour")."""
    text = re.sub(r"[^\w']+|_", " ", fold(text).replace("-", " ")).replace("'s", "s")
    text = re.sub(r"(?<![\w'])(?:[dljcmnst]|qu)'(?=\w{3})", " ", text)
    return re.sub(r"'(?=\s|$)|(?<=\s)'|^'", "", text).split()


class Normaliser:
    """Each word in its dictionary form: the words of `keep` as they are ("animated" is not
    "animate"), the seed's words of other languages through their forms ("komödien" ->
    "komodie"), the rest through simplemma in the catalog's language."""

    def __init__(self, keep: frozenset[str] = frozenset(), language: str = "en"):
        self.keep = keep
        self.language = language
        self.forms = word_forms()

    def word(self, word: str) -> str:
        if word in self.keep:
            return word
        return self.forms[word] if word in self.forms else fold(lemma(word, self.language))

    def __call__(self, words: list[str]) -> list[str]:
        return [self.word(w) for w in words]
