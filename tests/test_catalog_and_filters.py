from __future__ import annotations

import random
from dataclasses import replace

from chatrec_agent.catalog import Item, genre_key
from chatrec_agent.catalog.filters import FacetTable, SearchFilter, item_metadata

from .conftest import film_items


def test_document_holds_everything_that_is_embedded():
    item = Item(id="x", title="Fargo", year=1996, genres=("Crime", "Thriller"), tags=("snow",),
                description="Murder in Minnesota.", extra={"director": "Joel Coen"})
    assert item.document() == (
        "Fargo (1996). Genres: Crime, Thriller. Murder in Minnesota. Director: Joel Coen. Tags: snow."
    )


def test_content_hash_is_stable_and_sees_every_indexed_change():
    item = film_items()[0]
    assert item.content_hash() == replace(item).content_hash()
    changes = [
        replace(item, title="Fargo 2"), replace(item, description="Other."), replace(item, year=1997),
        replace(item, genres=("Crime",)), replace(item, tags=("snow",)), replace(item, url="http://x"),
        replace(item, extra={"director": "Joel Coen"}),
    ]
    hashes = {c.content_hash() for c in changes} | {item.content_hash()}
    assert len(hashes) == len(changes) + 1


def test_genre_keys_ignore_case_and_punctuation():
    assert genre_key("Sci-Fi") == genre_key("sci fi") == "sci_fi"
    assert genre_key("Children's") == "children_s"


def test_filter_accepts():
    alien = next(i for i in film_items() if i.id == "alien")
    assert SearchFilter(genres=("sci-fi",)).accepts(alien)
    assert not SearchFilter(genres=("Sci-Fi", "Comedy")).accepts(alien)
    assert SearchFilter(any_genres=("Comedy", "Horror")).accepts(alien)
    assert not SearchFilter(exclude_genres=("horror",)).accepts(alien)
    assert SearchFilter(year_from=1970, year_to=1979).accepts(alien)
    assert not SearchFilter(year_from=1980).accepts(alien)
    assert not SearchFilter(exclude_ids=frozenset({"alien"})).accepts(alien)
    assert not SearchFilter(year_to=2000).accepts(replace(alien, year=None))


def test_a_filter_loosens_only_its_era_and_never_what_was_ruled_out():
    from chatrec_agent.catalog.attributes import AttributeCondition

    director = (AttributeCondition("director", ("Jane Doe",)),)
    flt = SearchFilter(genres=("Comedy", "Romance"), exclude_genres=("Horror",), year_from=2000, year_to=2009,
                       exclude_ids=frozenset({"x"}), attributes=director)
    wider, *further = flt.loosened()
    assert (wider.genres, wider.any_genres, wider.year_from, wider.year_to) == (("Comedy", "Romance"), (), 1995, 2014)
    assert [(f.year_from, f.year_to) for f in further] == [(1990, 2019), (1980, 2029)]  # nearest first
    assert wider.exclude_genres == ("Horror",) and wider.exclude_ids == {"x"} and wider.attributes == director
    assert list(SearchFilter(year_to=1960).loosened()) == []  # "before 1960" is a bound the person set
    assert list(SearchFilter(genres=("Drama", "Children")).loosened()) == []  # genres never loosen


def test_facet_mask_agrees_with_accepts_on_random_filters():
    rng = random.Random(3)
    items = film_items()
    table = FacetTable.from_metadata((i.id, item_metadata(i)) for i in items)
    genres = sorted({g for i in items for g in i.genres}) + ["Nonexistent"]
    for _ in range(300):
        flt = SearchFilter(
            genres=tuple(rng.sample(genres, rng.choice([0, 0, 1, 2]))),
            any_genres=tuple(rng.sample(genres, rng.choice([0, 0, 2]))),
            exclude_genres=tuple(rng.sample(genres, rng.choice([0, 1]))),
            year_from=rng.choice([None, 1950, 1980]),
            year_to=rng.choice([None, 1970, 1999]),
            exclude_ids=frozenset(rng.sample([i.id for i in items], rng.choice([0, 3]))),
        )
        mask = table.mask(flt)
        assert [table.ids[p] for p in mask.nonzero()[0]] == [i.id for i in items if flt.accepts(i)]


def test_where_clause_for_chroma():
    flt = SearchFilter(genres=("Sci-Fi",), any_genres=("Horror", "Action"), year_from=1970, year_to=1989)
    assert flt.to_where() == {"$and": [
        {"g_sci_fi": True},
        {"$or": [{"g_horror": True}, {"g_action": True}]},
        {"year": {"$gte": 1970}},
        {"year": {"$lte": 1989}},
    ]}
    assert SearchFilter(exclude_genres=("Horror",)).to_where() is None
