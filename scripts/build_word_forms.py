"""Writes the planner's inflected word forms (chatrec_agent/conversation/planner/data/word_forms.json)
from simplemma's lemma tables, so that the running bot reads "Komödien", "comédies" or
"películas" without loading a 100 MB table per language at start-up.

    python scripts/build_word_forms.py
"""

from __future__ import annotations

import json
import sys
from importlib import resources

import simplemma

from chatrec_agent.catalog.model import fold
from chatrec_agent.conversation.planner.wordforms import FORMS_FILE, genre_words

# A form that is also an everyday English word is left out ("kriegen" is no war, "polar" no
# crime): the forms are read in every message, English ones included.
ENGLISH_ZIPF = 3.0


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
    table = {"source": "simplemma's lemma tables, by python scripts/build_word_forms.py",
             "languages": build_forms()}
    with open(str(path), "w", encoding="utf-8") as out:
        json.dump(table, out, ensure_ascii=False, indent=0, sort_keys=True)
        out.write("\n")
    print(f"wrote {path}: " + ", ".join(f"{k} {len(v)} forms" for k, v in table["languages"].items()), file=sys.stderr)


if __name__ == "__main__":
    main()
