from __future__ import annotations

import statistics
from collections import defaultdict

from chatrec_agent.catalog.demo import ARCHETYPES, archetype_of, demo_items, synthetic_interactions
from chatrec_agent.catalog.load import load_catalog
from chatrec_agent.settings import CatalogSettings


def test_demo_catalog_ships_at_least_300_described_films():
    items = demo_items()
    assert len(items) >= 300
    assert len({i.id for i in items}) == len(items)
    assert all(i.description and i.year and i.genres for i in items)
    genres = {g for i in items for g in i.genres}
    assert {"Western", "Horror", "Animation", "Sci-Fi", "Film-Noir", "Musical", "Documentary"} <= genres
    decades = {i.year // 10 * 10 for i in items}
    assert {1940, 1960, 1980, 2000, 2010} <= decades
    titles = {i.title for i in items}
    assert {"Fargo", "Alien", "Blade Runner", "Star Wars"} <= titles


def test_demo_interactions_are_seeded_and_cover_50_users():
    catalog = load_catalog(CatalogSettings(format="demo"))
    assert len(catalog.users) >= 50
    assert all(i.item_id in catalog for i in catalog.interactions)
    again = synthetic_interactions(demo_items(), 60, seed=7)
    assert again == catalog.interactions
    assert synthetic_interactions(demo_items(), 60, seed=8) != catalog.interactions


def test_demo_users_tastes_differ_by_genre_and_era():
    catalog = load_catalog(CatalogSettings(format="demo"))
    by_archetype: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    years: dict[str, list[int]] = defaultdict(list)
    for inter in catalog.interactions:
        name = archetype_of(inter.user_id).name
        item = catalog[inter.item_id]
        years[name].append(item.year)
        for genre in item.genres:
            by_archetype[name][genre].append(inter.rating)
    # Each archetype rates its loved genres above its disliked ones, where it rated both.
    for archetype in ARCHETYPES:
        ratings = by_archetype[archetype.name]
        loved = [r for g in archetype.loves for r in ratings.get(g, [])]
        disliked = [r for g in archetype.dislikes for r in ratings.get(g, [])]
        assert loved, archetype.name
        if disliked:
            assert statistics.mean(loved) > statistics.mean(disliked) + 0.5, archetype.name
    # And eras differ: noir fans watch older films than blockbuster fans.
    assert statistics.median(years["noir-classicist"]) < statistics.median(years["blockbuster"]) - 30
