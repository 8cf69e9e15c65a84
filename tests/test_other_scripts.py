"""Catalogs in other scripts: Cyrillic and Japanese genres are told apart, titles resolve,
filters and the planner work, and Latin accents still fold ("amelie" finds *Amélie*)."""

from __future__ import annotations

import pytest

from chatrec_agent.catalog import Catalog, Item, genre_key, phrase_words
from chatrec_agent.catalog.filters import FacetTable, SearchFilter, item_metadata
from chatrec_agent.catalog.titles import TitleLinker
from chatrec_agent.runtime import Runtime
from chatrec_agent.settings import settings_from_dict

from .conftest import write_jsonl

FILMS = [
    {"id": "stalker", "title": "Сталкер", "year": 1979, "genres": ["Научная фантастика", "Драма"],
     "description": "Проводник ведёт писателя и учёного в таинственную Зону."},
    {"id": "ironiya", "title": "Ирония судьбы", "year": 1976, "genres": ["Комедия", "Мелодрама"],
     "description": "После бани в Москве герой просыпается в Ленинграде."},
    {"id": "samurai", "title": "七人の侍", "year": 1954, "genres": ["時代劇", "ドラマ"],
     "description": "貧しい村が盗賊から身を守るために七人の侍を雇う。"},
    {"id": "tokyo", "title": "東京物語", "year": 1953, "genres": ["ドラマ"], "description": "老夫婦が東京の子供たちを訪ねる。"},
    {"id": "amelie", "title": "Amélie", "year": 2001, "genres": ["Comedy", "Romance"],
     "description": "A shy waitress in Montmartre decides to change the lives of those around her."},
]


def items() -> list[Item]:
    return [Item(f["id"], f["title"], f["description"], tuple(f["genres"]), (), f["year"]) for f in FILMS]


def test_genre_keys_in_other_scripts_are_distinct_and_not_empty():
    names = [g for f in FILMS for g in f["genres"]]
    keys = {genre_key(name) for name in names}
    assert "" not in keys and len(keys) == len(set(names))
    assert genre_key("Научная фантастика") == "научная_фантастика" and phrase_words("Сталкер!") == "сталкер"


def test_filters_on_non_latin_genres():
    catalog = items()
    table = FacetTable.from_metadata((i.id, item_metadata(i)) for i in catalog)
    for genre in ("Драма", "ドラマ", "Комедия"):
        flt = SearchFilter(genres=(genre,))
        assert [table.ids[p] for p in table.mask(flt).nonzero()[0]] == [i.id for i in catalog if flt.accepts(i)]
        assert flt.accepts(next(i for i in catalog if genre in i.genres))


@pytest.mark.parametrize("text, expected", [("Сталкер", "stalker"), ("сталкер", "stalker"), ("七人の侍", "samurai"),
                                             ("ирония судьбы", "ironiya"), ("amelie", "amelie"), ("Amélie", "amelie")])
def test_titles_in_other_scripts_resolve(text, expected):
    match = TitleLinker(Catalog.from_items(items())).resolve(text)
    assert match is not None and match.item.id == expected


def test_a_non_latin_catalog_end_to_end(tmp_path, embedder):
    path = write_jsonl(tmp_path / "films.jsonl", FILMS)
    settings = settings_from_dict({"catalog": {"format": "jsonl", "path": str(path)},
                                   "storage": {"dir": str(tmp_path / "store")}}, environ={})
    runtime = Runtime.start(settings, embedder=embedder)
    about = runtime.agent.respond("c1", "u1", "tell me about Сталкер")
    assert [i.id for i in about.items] == ["stalker"] and "Зону" in about.text
    dramas = runtime.agent.respond("c2", "u1", "ドラマ please")
    assert dramas.items and all("ドラマ" in runtime.catalog[i.id].genres for i in dramas.items)
    comedies = runtime.agent.respond("c3", "u1", "a Комедия")
    assert [i.id for i in comedies.items] == ["ironiya"]
