"""A catalog of another domain: a small bookshop written here (JSONL, an author attribute,
genres named its own way: Humor, Suspense, Kids), run end to end with the real embedder and
Chroma. The bot speaks of books (catalog.words), understands its genres through everyday
words, and the help on every surface says so."""

from __future__ import annotations

import json

import pytest

from bot.core import Markup, help_text
from chatrec_agent.catalog.mentions import MentionLinker
from chatrec_agent.catalog.model import Catalog, Interaction, Item
from chatrec_agent.conversation.agent import system_prompt
from chatrec_agent.runtime import Runtime
from chatrec_agent.settings import settings_from_dict

BOOKS = [
    ("The Hobbit", "J. R. R. Tolkien", 1937, ["Fantasy", "Adventure"], "A hobbit is swept into a quest for a dragon's treasure."),
    ("Mistborn", "Brandon Sanderson", 2006, ["Fantasy"], "A street thief learns to burn metals for power."),
    ("Dune", "Frank Herbert", 1965, ["Science Fiction", "Adventure"], "A noble family rules a desert planet."),
    ("Foundation", "Isaac Asimov", 1951, ["Science Fiction"], "A mathematician plans for the fall of an empire."),
    ("Murder on the Orient Express", "Agatha Christie", 1934, ["Mystery", "Suspense"], "Poirot and a murder on a snowbound train."),
    ("And Then There Were None", "Agatha Christie", 1939, ["Mystery", "Suspense"], "Ten strangers on an island die one by one."),
    ("Gone Girl", "Gillian Flynn", 2012, ["Suspense"], "A wife vanishes and her husband is the suspect."),
    ("The Shining", "Stephen King", 1977, ["Horror"], "A writer minds an isolated hotel for the winter."),
    ("Dracula", "Bram Stoker", 1897, ["Horror"], "A count travels to England in search of blood."),
    ("Pride and Prejudice", "Jane Austen", 1813, ["Romance"], "Elizabeth Bennet and Mr Darcy."),
    ("Matilda", "Roald Dahl", 1988, ["Kids", "Humor"], "A brilliant girl with awful parents finds she has powers."),
    ("The Hitchhiker's Guide to the Galaxy", "Douglas Adams", 1979, ["Science Fiction", "Humor"],
     "An ordinary man is swept into space as Earth is demolished."),
    ("Good Omens", "Terry Pratchett", 1990, ["Fantasy", "Humor"], "An angel and a demon try to stop the apocalypse."),
    ("Three Men in a Boat", "Jerome K. Jerome", 1889, ["Humor"], "Three friends and a dog take a boating holiday on the Thames."),
    ("Charlotte's Web", "E. B. White", 1952, ["Kids"], "A pig is saved by a clever spider."),
    ("Sapiens", "Yuval Noah Harari", 2011, ["Nonfiction", "History"], "A brief history of humankind."),
]
WORDS = {"item": "book", "items": "books", "verb": "read"}


@pytest.fixture(scope="module")
def bookshop(tmp_path_factory, embedder) -> Runtime:
    folder = tmp_path_factory.mktemp("bookshop")
    path = folder / "books.jsonl"
    path.write_text("".join(json.dumps({"id": f"b{n}", "title": t, "author": a, "year": y, "genres": g, "description": d}) + "\n"
                            for n, (t, a, y, g, d) in enumerate(BOOKS)), encoding="utf-8")
    ratings = folder / "ratings.csv"
    rows = [f"u{u},b{(u * 3 + k) % len(BOOKS)},{4 + (u + k) % 2},{1_700_000_000 + u * 10 + k}" for u in range(12) for k in range(5)]
    ratings.write_text("user_id,item_id,rating,timestamp\n" + "\n".join(rows) + "\n", encoding="utf-8")
    settings = settings_from_dict({"catalog": {"format": "jsonl", "path": str(path), "interactions_path": str(ratings),
                                               "words": WORDS},
                                   "storage": {"dir": str(folder / "state")}}, environ={})
    return Runtime.start(settings, embedder=embedder)


def test_the_bot_speaks_of_the_catalogs_own_items(bookshop):
    agent = bookshop.agent
    help_reply = agent.respond("shop-help", "u1", "help")
    assert "I recommend books from this catalog" in help_reply.text and "what should I read tonight?" in help_reply.text
    assert "film" not in help_reply.text.lower()
    assert "enjoy the book" in agent.respond("shop-bye", "u1", "ok bye!").text
    assert "I recommend books" in agent.respond("shop-weather", "u1", "what's the weather tomorrow?").text
    assert "a book recommender" in system_prompt(bookshop.catalog.words)
    assert "recommends books" in help_text(Markup(bold="*"), bookshop.catalog.words)
    # The film defaults stay where nothing is configured.
    assert "recommends films" in help_text()


def test_the_catalogs_genres_are_understood_in_everyday_words(bookshop):
    funny = bookshop.agent.respond("shop-funny", "u2", "any funny books?")
    assert funny.items and all("Humor" in bookshop.catalog[i.id].genres for i in funny.items)
    thriller = bookshop.agent.respond("shop-thriller", "u2", "a good thriller please")
    assert thriller.items and all("Suspense" in bookshop.catalog[i.id].genres for i in thriller.items)
    christie = bookshop.agent.respond("shop-author", "u2", "anything by Agatha Christie?")
    assert christie.items and all(bookshop.catalog[i.id].extra.get("author") == "Agatha Christie" for i in christie.items)


def test_the_catalogs_own_verb_in_the_past_says_an_item_was_had(bookshop):
    hobbit = next(i.id for i in bookshop.catalog.items.values() if i.title == "The Hobbit")
    read = bookshop.agent.respond("shop-read", "u3", "I already read The Hobbit, anything else like it?")
    assert {"item": hobbit, "kind": "seen"} in [c["args"] for c in read.tool_calls if c["name"] == "record_feedback"]
    assert read.items and hobbit not in {i.id for i in read.items}
    assert "Noted that you've read *The Hobbit*" in read.text
    # "to read" intends to: nothing recorded.
    wants = bookshop.agent.respond("shop-want", "u3", "I want to read Dune next, anything like it?")
    assert not [c for c in wants.tool_calls if c["name"] == "record_feedback"]


def test_reading_about_an_item_is_not_having_read_it(bookshop):
    for n, text in enumerate(["I just read the synopsis of Dune, sounds cool", "I read reviews of Gone Girl, is it scary?",
                              "I read about Mistborn online, any good?"]):
        reply = bookshop.agent.respond(f"shop-about-{n}", "u4", text)
        assert not [c for c in reply.tool_calls if c["name"] == "record_feedback" and c["args"].get("kind") == "seen"], text



def test_a_catalog_with_no_interactions_still_links_titles_named_plainly():
    """A new shop has items and no ratings yet: that says nothing of how known its titles are,
    so a plainly named one is linked as on a catalog with ratings. Read as "nobody has heard of
    it", the popularity evidence had these asked about instead."""
    items = {f"b{n}": Item(f"b{n}", t, d, tuple(g), year=y) for n, (t, a, y, g, d) in enumerate(BOOKS)}
    rated = [Interaction(f"u{u}", f"b{(u * 3 + k) % len(BOOKS)}", 5.0) for u in range(12) for k in range(5)]
    for interactions in ([], rated):
        linker = MentionLinker(Catalog(items, interactions))
        for text, title in [("I read Dune last week", "Dune"), ("I loved Gone Girl, anything like it?", "Gone Girl"),
                            ("just finished Good Omens, so funny", "Good Omens")]:
            assert [(m.item.title, m.decision) for m in linker.find(text)] == [(title, "link")], (len(interactions), text)
    # Unsure stays unsure: one capital at a sentence's start, in lower case after "like".
    linker = MentionLinker(Catalog(items, []))
    assert [m.decision for m in linker.find("Matilda was my favourite as a kid")] == ["ask"]
