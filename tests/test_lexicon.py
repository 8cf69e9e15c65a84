"""Genre and era words as people write them: in German, French and Spanish as well as English,
and the words a catalog's own tags teach, used only where the catalog's evidence is strong.
Catalogs are built here; the learned words use the real embedding model."""

from __future__ import annotations

import numpy as np
import pytest

from chatrec_agent.catalog import Catalog, Item
from chatrec_agent.catalog.load import load_catalog
from chatrec_agent.conversation.planner.associations import Params, decide, renamed_genres, weigh
from chatrec_agent.conversation.planner.eras import parse_era
from chatrec_agent.conversation.planner.lexicon import GenreLexicon
from chatrec_agent.conversation.planner.memory import Recall
from chatrec_agent.conversation.planner.model import OfflinePlanner
from chatrec_agent.settings import settings_from_dict

MOVIELENS = ["Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
             "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"]


@pytest.mark.parametrize("text, include, exclude", [
    ("Science-Fiction-Film aus den 80ern", ["Sci-Fi"], []),
    ("Komödien bitte", ["Comedy"], []),
    ("keine Horrorfilme, lieber eine Komödie", ["Comedy"], ["Horror"]),
    ("Zeichentrickfilme für Kinder", ["Animation", "Children"], []),
    ("ein Kriegsfilm oder ein Krimi", ["Crime", "War"], []),
    ("une comédie des années 90", ["Comedy"], []),
    ("une comédie, pas d'horreur", ["Comedy"], ["Horror"]),
    ("des dessins animés pour les enfants", ["Animation", "Children"], []),
    ("un film policier", ["Crime"], []),
    ("películas de terror", ["Horror"], []),
    ("comedias románticas", ["Comedy", "Romance"], []),
    ("algo romántico sin terror", ["Romance"], ["Horror"]),
    ("un documental de guerra", ["Documentary", "War"], []),
])
def test_genres_in_german_french_and_spanish(text, include, exclude):
    got_in, got_out = GenreLexicon(MOVIELENS).parse(text)
    assert sorted(got_in) == sorted(include) and got_out == exclude


@pytest.mark.parametrize("text, genre", [
    ("got any good tearjerkers?", "Drama"), ("a biopic of a famous painter", "Drama"), ("a coming-of-age story", "Drama"),
    ("some martial arts flicks", "Action"), ("lots of explosions and car chases", "Action"),
    ("a slapstick film for tonight", "Comedy"), ("a spoof of spy films", "Comedy"), ("a haunted house film", "Horror"),
    ("something about time travel", "Sci-Fi"), ("a dystopian future", "Sci-Fi"), ("a real nail biter", "Thriller"),
    ("an old swashbuckler", "Adventure"), ("a ww2 movie", "War"),
])
def test_the_genre_vocabulary_of_film_names_genres(text, genre):
    assert genre in GenreLexicon(MOVIELENS).parse(text)[0]


@pytest.mark.parametrize("text, include, exclude", [
    ("a sin city style noir", ["Film-Noir"], []),  # "sin" rules nothing out in English
    ("I'd die for a horror film", ["Horror"], []),
    ("I'm looking for some good romantic/rom-coms", ["Comedy", "Romance"], []),
    ("a polar bear documentary", ["Documentary"], []),
])
def test_other_languages_words_change_nothing_in_english(text, include, exclude):
    got_in, got_out = GenreLexicon(MOVIELENS).parse(text)
    assert sorted(got_in) == sorted(include) and got_out == exclude


def test_a_catalog_in_german_is_asked_in_its_own_words_and_in_english():
    lexicon = GenreLexicon(["Komödie", "Krimi", "Horror", "Zeichentrick"])
    assert lexicon.parse("eine lustige Komödie")[0] == ["Komödie"]
    assert lexicon.parse("a comedy, no horror") == (["Komödie"], ["Horror"])
    assert lexicon.parse("Krimis aus den Siebzigern")[0] == ["Krimi"]


@pytest.mark.parametrize("text, expected", [
    ("Science-Fiction-Film aus den 80ern", (1980, 1989)), ("Filme der 1980er Jahre", (1980, 1989)),
    ("die Achtziger", (1980, 1989)), ("Komödien aus den Neunzigern", (1990, 1999)), ("Anfang der 90er", (1990, 1994)),
    ("vor 1990", (None, 1989)), ("nichts vor 1990", (1990, None)), ("seit 2010", (2010, None)),
    ("zwischen 1970 und 1980", (1970, 1980)), ("ein Klassiker", (None, 1969)),
    ("une comédie des années 90", (1990, 1999)), ("les années quatre-vingt-dix", (1990, 1999)),
    ("fin des années 80", (1985, 1989)), ("après 2000", (2001, None)), ("entre 1980 et 1990", (1980, 1990)),
    ("películas de terror de los años 80", (1980, 1989)), ("de los 90", (1990, 1999)), ("los ochenta", (1980, 1989)),
    ("finales de los 70", (1975, 1979)), ("película de 1994", (1994, 1994)), ("algo reciente", (2017, None)),
    # Not eras: new suggestions, a top ten, a title.
    ("neue Vorschläge?", (None, None)), ("los 10 mejores", (None, None)), ("Die Hard", (None, None)),
    # Shot in black and white: before colour was the rule, not any old film.
    ("a good b&w mystery", (None, 1965)), ("un film en noir et blanc", (None, 1965)), ("schwarz-weiß Klassiker", (None, 1965)),
])
def test_eras_in_german_french_and_spanish(text, expected):
    assert parse_era(text, latest_year=2024) == expected


@pytest.mark.parametrize("text, expected", [
    ("a sci-fi film that's not too old", (1970, None)), ("nothing too old please", (1970, None)),
    ("no old films", (1970, None)), ("I dont want anything old", (1970, None)), ("not a fan of old films", (1970, None)),
    ("nothing recent", (None, 2016)), ("not black and white please", (1966, None)),
    # Not negated: a negation that accepts, one in another clause.
    ("nothing beats an old western", (None, 1969)), ("I don't mind old films", (None, 1969)),
    ("no horror, something old", (None, 1969)), ("a recent film", (2017, None)),
    # A negation with other words between (found by review): a sentence of its own.
    ("no I want something recent", (2017, None)), ("nothing scary and recent please", (2017, None)),
    ("not new to me, an old film", (None, 1969)), ("no just something old please", (None, 1969)),
    # Run-on sentences: the negation has its own object or sentence (found by review).
    ("my wife doesn't like horror so something old", (None, 1969)), ("I hate romance give me something old", (None, 1969)),
    ("no thanks I want something old", (None, 1969)), ("I don't care if it's old", (None, 1969)),
    ("I never get tired of old westerns", (None, 1969)), ("no horror please something recent", (2017, None)),
    # Negated by other verbs than "not" (found by review after a narrower first version).
    ("I hate old movies", (1970, None)), ("don't give me anything old", (1970, None)),
    ("not interested in old movies, something funny", (1970, None)), ("skip the old stuff please", (1970, None)),
])
def test_a_negated_era_word_turns_the_era_round(text, expected):
    """"not too old" is newer films (it was read as old ones: "old" alone was seen)."""
    assert parse_era(text, latest_year=2024) == expected


def test_science_fiction_from_the_80s_in_german_is_a_request_with_its_era(embedder):
    catalog = load_catalog(settings_from_dict({}, environ={}).catalog)
    parser = OfflinePlanner.for_catalog(catalog, encode=embedder.encode).parser
    (step,) = parser.plan("Science-Fiction-Film aus den 80ern", Recall()).steps()
    (call,) = step
    assert call["name"] == "recommend"
    assert call["args"]["genres"] == ["Sci-Fi"]
    assert (call["args"]["year_from"], call["args"]["year_to"]) == (1980, 1989)


GENRES = ["Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Drama", "Horror", "Mystery", "Romance",
          "Sci-Fi", "Thriller", "War", "Western"]


def tagged_catalog() -> Catalog:
    """Tags whose films say what genre they name (superhero, zombies, space), and tags whose
    evidence is weak: "quirky" films of three genres, "love" and "philosophy" on two films each."""
    items: list[Item] = []

    def add(genres: list[str], tags: tuple[str, ...] = ()) -> None:
        items.append(Item(f"f{len(items)}", f"Film {len(items)}", genres=tuple(genres), tags=tags, year=1990))

    for n in range(10):
        add(["Action", ("Adventure", "Sci-Fi")[n % 2]], ("superhero",))
    for n in range(6):
        add(["Horror"] + (["Thriller"] if n % 2 else []), ("zombies",))
    for _ in range(6):
        add(["Sci-Fi", "Adventure"], ("space",))
    for genre in ("Comedy", "Comedy", "Drama", "Drama", "Thriller", "Thriller"):
        add([genre], ("quirky",))
    add(["Romance", "Drama"], ("love",))
    add(["Romance"], ("love",))
    add(["Sci-Fi"], ("philosophy",))
    add(["Sci-Fi", "Drama"], ("philosophy",))
    for n in range(80):
        add([GENRES[n % len(GENRES)]])
    return Catalog.from_items(items)


def test_a_catalogs_tags_teach_the_genres_they_name(embedder, tmp_path):
    catalog = tagged_catalog()
    lexicon = GenreLexicon.for_catalog(catalog, embedder.encode, cache_dir=tmp_path)
    assert lexicon.parse("any good superhero movies?")[0] == ["Action"]
    assert lexicon.parse("Super heroes please")[0] == ["Action"]  # written apart, plural
    assert lexicon.parse("a zombie film")[0] == ["Horror"]
    assert lexicon.parse("something set in space, no zombies") == (["Sci-Fi"], ["Horror"])
    # The hand seed alone (no encoder) knows none of them.
    assert GenreLexicon.for_catalog(catalog).parse("any good superhero movies?")[0] == []


def test_a_word_with_weak_evidence_does_not_become_a_genre(embedder):
    catalog = tagged_catalog()
    params = Params.from_data()
    learned = decide(weigh(catalog, embedder.encode, params), params.threshold)
    # Films of three genres; two films (one of them a common word, "love"): no genre.
    assert learned["quirky"] == [] and learned["love"] == [] and learned["philosophy"] == []
    lexicon = GenreLexicon.for_catalog(catalog, embedder.encode)
    assert lexicon.parse("something quirky")[0] == []
    assert lexicon.parse("I love comedies")[0] == ["Comedy"]  # "love" names no Romance
    assert lexicon.parse("a film about philosophy")[0] == []


def test_what_a_catalog_taught_is_kept_for_the_next_start(embedder, tmp_path):
    catalog = tagged_catalog()
    calls: list[list[str]] = []

    def encode(texts: list[str]):
        calls.append(list(texts))
        return embedder.encode(texts)

    GenreLexicon.for_catalog(catalog, encode, cache_dir=tmp_path)
    (cached,) = (tmp_path / "lexicon").glob("similarities-*.npy")
    # The next start reads the model's similarities from storage: with them wiped there, the
    # words have their co-occurrence alone, which is not enough.
    np.save(cached, np.zeros_like(np.load(cached)), allow_pickle=False)
    calls.clear()
    restarted = GenreLexicon.for_catalog(catalog, encode, cache_dir=tmp_path)
    # Only the probe that checks the model is the same one, and the genres' own names (a few
    # words: associations.renamed_genres); no tag phrase is encoded again.
    assert len(calls[0]) == 1 and not any("zombie" in text or "superhero" in text for texts in calls for text in texts)
    assert restarted.parse("a zombie film")[0] == []


@pytest.mark.parametrize("text", ["I dont like horror at all, what about comedies?", "i didnt like horror, maybe comedies",
                                  "I don't like horror at all, what about comedies?"])
def test_a_negation_written_without_its_apostrophe_is_still_one(text):
    assert GenreLexicon(["Horror", "Comedy", "Drama"]).parse(text) == (["Comedy"], ["Horror"])


BOOK_GENRES = ["Fantasy", "Humor", "Suspense", "Kids", "Horror", "Science Fiction", "Romance", "Memoir", "Poetry"]


def test_a_catalog_naming_the_seed_genres_otherwise_gets_them_by_meaning(embedder):
    # A book shop's genres: "funny" is Humor there. "Suspense" the seed's own words already
    # give to Thriller, so no other missing genre (Mystery, Drama) takes it.
    renamed = renamed_genres(BOOK_GENRES, embedder.encode, Params.from_data().name_similarity)
    assert renamed["Comedy"] == "Humor"
    assert not set(renamed.values()) & {"Memoir", "Poetry", "Horror", "Fantasy", "Suspense"}  # nothing far or already named
    items = [Item(f"b{n}", f"Book {n}", genres=(genre,), year=2000) for n, genre in enumerate(BOOK_GENRES * 3)]
    lexicon = GenreLexicon.for_catalog(Catalog.from_items(items), embedder.encode)
    assert lexicon.parse("any funny books?")[0] == ["Humor"]
    assert lexicon.parse("a gripping thriller, nothing scary") == (["Suspense"], ["Horror"])
    assert lexicon.parse("something hilarious for my kids")[0] == ["Humor", "Kids"]
    # Without the model the seed's names alone: no Humor for "funny".
    assert GenreLexicon.for_catalog(Catalog.from_items(items)).parse("any funny books?")[0] == []
