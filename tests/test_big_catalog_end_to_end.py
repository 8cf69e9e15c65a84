"""A catalog past EASE's size, built in the test, end to end: 20,500 items and 80,000 ratings
written as JSONL, loaded by the JSONL loader, embedded into a real Chroma index by the real
encoder, the recommender chosen for its size and fitted, and chat turns answered from it.
Short item texts keep the embedding within CI time (~500 items/s on two cores)."""

from __future__ import annotations

import random

import pytest
from wordfreq import top_n_list

from chatrec_agent.runtime import Runtime
from chatrec_agent.settings import settings_from_dict

from .conftest import write_jsonl

N_ITEMS = 20_500  # past EASE_MAX_ITEMS: the hybrid's item-KNN path
N_RATINGS = 80_000
GENRES = ("Action", "Comedy", "Drama", "Horror", "Romance", "Sci-Fi", "Thriller", "Western", "Animation", "Crime")


def records(rng: random.Random) -> tuple[list[dict], list[dict]]:
    words = [w.capitalize() for w in top_n_list("en", 8000) if w.isalpha() and len(w) > 3][300:]
    items, seen = [], set()
    while len(items) < N_ITEMS:
        title = " ".join(rng.choice(words) for _ in range(rng.choice((1, 2, 2, 3))))
        year = rng.randint(1930, 2024)
        if (title, year) in seen:
            continue
        seen.add((title, year))
        genres = rng.sample(GENRES, rng.choice((1, 2)))
        items.append({"id": f"i{len(items)}", "title": title, "year": year, "genres": genres,
                      "description": f"A {genres[0].lower()} film about {rng.choice(words).lower()}.",
                      "director": f"{rng.choice(words)} {rng.choice(words)}"})
    # Power-law popularity: a few films most people rate, a long tail rated once or never.
    weights = [1.0 / (rank + 1) ** 0.9 for rank in range(N_ITEMS)]
    people = [f"u{n}" for n in range(4000)]
    ratings, pairs = [], set()
    for item in rng.choices(range(N_ITEMS), weights=weights, k=N_RATINGS):
        person = rng.choice(people)
        if (person, item) not in pairs:
            pairs.add((person, item))
            ratings.append({"user_id": person, "item_id": f"i{item}", "rating": rng.choice((2, 3, 4, 4, 5)), "timestamp": 1})
    return items, ratings


@pytest.fixture(scope="module")
def big_runtime(tmp_path_factory, embedder):
    folder = tmp_path_factory.mktemp("big")
    items, ratings = records(random.Random(11))
    settings = settings_from_dict({
        "catalog": {"format": "jsonl", "path": str(write_jsonl(folder / "items.jsonl", items)),
                    "interactions_path": str(write_jsonl(folder / "ratings.jsonl", ratings))},
        "storage": {"dir": str(folder / "state")}, "bot": {"rate_limit_per_minute": 1000}}, environ={})
    runtime = Runtime.start(settings, embedder=embedder)
    yield runtime, items
    runtime.close()


def test_a_20k_catalog_is_indexed_fitted_and_answers_chat_turns(big_runtime):
    runtime, items = big_runtime
    assert len(runtime.catalog) == N_ITEMS and runtime.index.count() == N_ITEMS
    assert type(runtime.recommendations.model.cf).__name__ == "ItemKNNRecommender"  # chosen for its size
    popular = items[0]  # the most rated film, named the way a person would
    turns = [
        ("a comedy from the 90s", lambda item: "Comedy" in item.genres and 1990 <= item.year <= 1999),
        (f"something like {popular['title']} ({popular['year']})", lambda item: item.id != popular["id"]),
        ("a western", lambda item: "Western" in item.genres),
    ]
    for n, (text, fits) in enumerate(turns):
        reply = runtime.agent.respond(f"big-{n}", "u1", text)
        assert reply.items, (text, reply.text)
        for shown in reply.items:  # grounded: every pick is a catalog item, and follows the request
            assert shown.id in runtime.catalog.items and fits(runtime.catalog[shown.id]), (text, shown)
    hits = runtime.index.search(items[N_ITEMS // 2]["title"], 5)
    assert items[N_ITEMS // 2]["id"] in [h.item_id for h in hits]  # a long-tail title is found by its name
