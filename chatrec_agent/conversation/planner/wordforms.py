"""The planner's word lists (data/genre_words.yaml, data/era_words.yaml) and the inflected forms
of their words in the other languages people write in (data/word_forms.json).

The forms come from simplemma's tables, written out once by running this module: a person
writing "Komödien", "comédies" or "películas" is read without loading a 100 MB lemma table
per language at start-up. Only the catalog's own language is lemmatised live (lexicon.py).

    python -m chatrec_agent.conversation.planner.wordforms   # rewrites data/word_forms.json
"""

from __future__ import annotations

import json
import re
import sys
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import simplemma
import yaml

from chatrec_agent.catalog.model import fold

FORMS_FILE = "word_forms.json"
# A form that is also an everyday English word is left out ("kriegen" is no war, "polar" no
# crime): the forms are read in every message, English ones included.
ENGLISH_ZIPF = 3.0


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
    table = json.loads(_data(FORMS_FILE))
    forms: dict[str, str] = {}
    for language in sorted(table["languages"]):
        for form, lemma in table["languages"][language].items():
            forms.setdefault(form, lemma)
    return forms


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
        if word in self.forms:
            return self.forms[word]
        return fold(lemma(word, self.language))

    def __call__(self, words: list[str]) -> list[str]:
        return [self.word(w) for w in words]


def seed_words(language: str) -> set[str]:
    """Every word of the seed's genre phrases in a language, as written."""
    words: set[str] = set()
    for by_language in genre_words()["genres"].values():
        for phrase in by_language.get(language, []):
            words.update(phrase.replace("-", " ").replace("'", " ").split())
    return words


def build_forms() -> dict[str, dict[str, str]]:
    """For each language but English: every inflected form simplemma knows of each seed word's
    lemma, folded, mapped to that lemma."""
    import simplemma
    from simplemma.strategies.dictionaries import DefaultDictionaryFactory
    from wordfreq import zipf_frequency

    languages = sorted({lang for by_language in genre_words()["genres"].values() for lang in by_language} - {"en"})
    all_seed = {fold(w) for lang in languages + ["en"] for w in seed_words(lang)}
    factory = DefaultDictionaryFactory()
    out: dict[str, dict[str, str]] = {}
    for language in languages:
        lemmas = {}
        small = {w.casefold() for w in genre_words()["function_words"].get(language, [])}
        for word in seed_words(language):
            if len(word) < 4 or word.casefold() in small:
                continue  # "die", "la", "para": function words keep their own form
            lemmas.setdefault(_lemma(simplemma, word, language).casefold(), set()).add(word)
        table: dict[str, str] = {}
        for form, lemma in factory.get_dictionary(language).items():
            if lemma.casefold() in lemmas:
                table[fold(form)] = fold(lemma)
        for lemma, words in lemmas.items():
            for word in words:
                table[fold(word)] = fold(lemma)
        unwanted = {fold(w) for w in genre_words().get("not_forms", {}).get(language, [])}
        out[language] = {form: lemma for form, lemma in sorted(table.items()) if form not in unwanted and
                         (form in all_seed or (form.isalpha() and zipf_frequency(form, "en") < ENGLISH_ZIPF))}
    return out


def _lemma(simplemma, word: str, language: str) -> str:
    """The word's dictionary form; a word that is one already stays ("Krieg" is no "kriegen":
    German nouns are looked up capitalised too)."""
    for spelling in (word, word.capitalize()):
        if simplemma.lemmatize(spelling, lang=language).casefold() == word.casefold():
            return word
    return simplemma.lemmatize(word, lang=language)


def main() -> None:
    path = resources.files("chatrec_agent.conversation.planner") / "data" / FORMS_FILE
    table = {"source": "simplemma's lemma tables, by python -m chatrec_agent.conversation.planner.wordforms",
             "languages": build_forms()}
    with open(str(path), "w", encoding="utf-8") as out:
        json.dump(table, out, ensure_ascii=False, indent=0, sort_keys=True)
        out.write("\n")
    print(f"wrote {path}: " + ", ".join(f"{k} {len(v)} forms" for k, v in table["languages"].items()), file=sys.stderr)


if __name__ == "__main__":
    main()
