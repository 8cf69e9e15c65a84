"""Catalog attributes on a catalog that is not films: a book list with authors (one of them
two authors in a JSON list), a language and a long free-text field. Nothing about authors or
languages is written into chatrec: the vocabulary, filters and planner learn them here."""

from __future__ import annotations

import json
import random

import pytest

from chatrec_agent.catalog import Catalog
from chatrec_agent.catalog.attributes import AttributeCondition, AttributeVocabulary, attribute_fields, item_values
from chatrec_agent.catalog.filters import FacetTable, SearchFilter, item_metadata
from chatrec_agent.catalog.load import load_catalog
from chatrec_agent.runtime import Runtime
from chatrec_agent.settings import CatalogSettings, settings_from_dict

BOOKS = [
    ("b1", "A Wizard of Earthsea", 1968, ["Fantasy"], "Ursula K. Le Guin", "English", "A gifted boy unleashes a shadow."),
    ("b2", "The Left Hand of Darkness", 1969, ["Science Fiction"], "Ursula K. Le Guin", "English", "An envoy on a winter world."),
    ("b3", "The Dispossessed", 1974, ["Science Fiction"], "Ursula K. Le Guin", "English", "A physicist between two worlds."),
    ("b4", "The Hobbit", 1937, ["Fantasy"], "J. R. R. Tolkien", "English", "A homely creature joins a quest for treasure."),
    ("b5", "The Fellowship of the Ring", 1954, ["Fantasy"], "J. R. R. Tolkien", "English", "A ring must be destroyed."),
    ("b6", "Le Petit Prince", 1943, ["Fable"], "Antoine de Saint-Exupéry", "French", "A pilot meets a small prince."),
    ("b7", "L'Étranger", 1942, ["Novel"], "Albert Camus", "French", "An indifferent man commits a crime."),
    ("b8", "La Peste", 1947, ["Novel"], "Albert Camus", "French", "A plague closes a city."),
    ("b9", "Good Omens", 1990, ["Fantasy", "Comedy"], ["Terry Pratchett", "Neil Gaiman"], "English", "An angel and a demon avert the end."),
    ("b10", "Neverwhere", 1996, ["Fantasy"], "Neil Gaiman", "English", "A man falls into London Below."),
    ("b11", "Mort", 1987, ["Fantasy", "Comedy"], "Terry Pratchett", "English", "Death takes an apprentice."),
    ("b12", "Dune", 1965, ["Science Fiction"], "Frank Herbert", "English", "A noble family takes over a desert planet."),
]


def write_books(folder) -> CatalogSettings:
    path = folder / "books.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for book_id, title, year, genres, author, language, blurb in BOOKS:
            notes = f"{blurb} " + "It is widely read, often taught and has been translated into many languages. " * 2
            out.write(json.dumps({"id": book_id, "title": title, "year": year, "genres": genres, "author": author,
                                  "language": language, "notes": notes, "cover_url": f"http://covers/{book_id}.jpg",
                                  "description": blurb}) + "\n")
    interactions = folder / "ratings.csv"
    rng = random.Random(5)
    rows = ["user_id,item_id,rating"]
    for user in range(12):
        for book in rng.sample([b[0] for b in BOOKS], 6):
            rows.append(f"reader-{user},{book},{rng.choice([2, 3, 4, 5])}")
    interactions.write_text("\n".join(rows) + "\n")
    return CatalogSettings(format="jsonl", path=path, interactions_path=interactions)


@pytest.fixture
def books(tmp_path) -> Catalog:
    return load_catalog(write_books(tmp_path))


def test_short_named_fields_are_attributes_prose_and_links_are_not(books):
    assert attribute_fields(books.items.values()) == ["author", "language"]
    assert item_values(books["b9"], "author") == ("Terry Pratchett", "Neil Gaiman")  # a JSON list
    assert "Author: Terry Pratchett, Neil Gaiman." in books["b9"].document()


@pytest.mark.parametrize("text, field, values, negate", [
    ("anything by Le Guin?", "author", ("Ursula K. Le Guin",), False),
    ("something by ursula le guin", "author", ("Ursula K. Le Guin",), False),
    ("a fantasy book, but nothing by Tolkien", "author", ("J. R. R. Tolkien",), True),
    ("more Gaiman please", "author", ("Neil Gaiman",), False),
    ("a Pratchet novel", "author", ("Terry Pratchett",), False),  # a typo
    ("a book in French", "language", ("French",), False),
    ("Camus's novels", "author", ("Albert Camus",), False),
])
def test_values_are_found_in_messages_from_the_catalog_s_own_vocabulary(books, text, field, values, negate):
    (mention,) = AttributeVocabulary(books).find(text)
    assert (mention.condition.field, mention.condition.values, mention.condition.negate) == (field, values, negate)


def test_surnames_that_are_ordinary_words_need_a_cue():
    from chatrec_agent.catalog import Item
    catalog = Catalog.from_items([Item("x", "X", extra={"director": "David Lean"}),
                                  Item("y", "Y", extra={"director": "Robert Wise"})])
    vocabulary = AttributeVocabulary(catalog, common_words={"lean", "wise"})
    assert vocabulary.find("something lean and wise") == []
    assert [m.condition.values for m in vocabulary.find("a film by Lean")] == [("David Lean",)]
    assert [m.condition.values for m in vocabulary.find("a Wise film")] == [("Robert Wise",)]


def test_tool_values_resolve_to_catalog_values_with_close_matches(books):
    vocabulary = AttributeVocabulary(books)
    assert vocabulary.resolve("Author", ["Le Guin", "tolkien", "Zorblax"]) == (
        ["Ursula K. Le Guin", "J. R. R. Tolkien"], ["Zorblax"])
    assert vocabulary.resolve("authors", ["Neil Gaiman"])[0] == ["Neil Gaiman"]
    assert "Terry Pratchett" in vocabulary.suggest("author", "Pratchet")


def test_facet_mask_agrees_with_accepts_on_random_attribute_filters(books):
    items = list(books.items.values())
    table = FacetTable.from_metadata((i.id, item_metadata(i)) for i in items)
    authors = sorted({a for i in items for a in item_values(i, "author")}) + ["Nobody"]
    rng = random.Random(7)
    for _ in range(200):
        conditions = tuple(
            AttributeCondition(rng.choice(["author", "language"]),
                               tuple(rng.sample(authors + ["French", "English"], rng.choice([1, 2]))), rng.random() < 0.4)
            for _ in range(rng.choice([1, 2])))
        flt = SearchFilter(attributes=conditions, year_from=rng.choice([None, 1950]))
        mask = table.mask(flt)
        assert [table.ids[p] for p in mask.nonzero()[0]] == [i.id for i in items if flt.accepts(i)]


def test_a_runtime_over_books_filters_by_author_and_language_end_to_end(tmp_path, embedder):
    settings = settings_from_dict({"storage": {"dir": str(tmp_path / "store")},
                                   "catalog": write_books(tmp_path).model_dump(mode="json")}, environ={})
    runtime = Runtime.start(settings, embedder=embedder)
    hits = runtime.index.search("a story", k=5, flt=SearchFilter(attributes=(AttributeCondition("language", ("French",)),)))
    assert {h.item_id for h in hits} == {"b6", "b7", "b8"}
    reply = runtime.agent.respond("books", "reader-1", "anything by Le Guin?")
    assert reply.items and {runtime.catalog[i.id].extra["author"] for i in reply.items} == {"Ursula K. Le Guin"}
    reply = runtime.agent.respond("books2", "new-reader", "a fantasy book, but nothing by Tolkien")
    assert reply.items and all("Tolkien" not in runtime.catalog[i.id].extra["author"] and
                               "Fantasy" in runtime.catalog[i.id].genres for i in reply.items)
    who = runtime.agent.respond("books3", "new-reader", "who wrote Good Omens?")
    assert "Terry Pratchett and Neil Gaiman" in who.text
