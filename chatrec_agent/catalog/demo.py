"""The demo catalog shipped in the package, and seeded synthetic users who rate it.

The films and their descriptions are real (descriptions written for chatrec); the
interactions are synthetic: each demo user has a taste archetype (favourite and disliked
genres, a preferred era) and rates films drawn according to that taste, so that
recommenders have clear, learnable structure on a fresh machine.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from chatrec_agent.catalog.loaders import read_items
from chatrec_agent.catalog.model import Catalog, Interaction, Item
from chatrec_agent.settings import CatalogSettings

DEMO_FILE = "demo_catalog.jsonl"
# 2025-01-01T00:00:00Z: synthetic ratings are spread over the following year.
_EPOCH = 1735689600


@dataclass(frozen=True)
class Archetype:
    name: str
    loves: tuple[str, ...]
    likes: tuple[str, ...]
    dislikes: tuple[str, ...]
    era: int  # centre year of the preferred era
    era_spread: float


ARCHETYPES: tuple[Archetype, ...] = (
    Archetype("noir-classicist", ("Film-Noir", "Crime"), ("Mystery", "Drama"), ("Animation", "Children"), 1950, 15),
    Archetype("space-cadet", ("Sci-Fi",), ("Action", "Adventure"), ("Romance", "Musical"), 1990, 20),
    Archetype("family-night", ("Animation", "Children"), ("Comedy", "Fantasy"), ("Horror", "Crime"), 2005, 15),
    Archetype("gorehound", ("Horror",), ("Thriller", "Mystery"), ("Children", "Musical"), 1985, 20),
    Archetype("romantic", ("Romance", "Comedy"), ("Musical", "Drama"), ("Horror", "War"), 1995, 20),
    Archetype("old-west", ("Western", "War"), ("Adventure", "Drama"), ("Sci-Fi", "Animation"), 1960, 15),
    Archetype("blockbuster", ("Action", "Adventure"), ("Sci-Fi", "Thriller"), ("Documentary", "Film-Noir"), 2012, 10),
    Archetype("arthouse", ("Drama",), ("Romance", "Documentary", "War"), ("Action", "Children"), 1975, 25),
    Archetype("song-and-dance", ("Musical",), ("Romance", "Comedy", "Fantasy"), ("Horror", "War"), 1960, 20),
    Archetype("puzzle-box", ("Mystery", "Thriller"), ("Crime", "Sci-Fi"), ("Children", "Musical"), 2000, 20),
)


def demo_items() -> list[Item]:
    """The packaged demo films, parsed with the same JSONL loader users' catalogs go through."""
    with resources.as_file(resources.files("chatrec_agent.catalog") / "data" / DEMO_FILE) as path:
        return list(read_items(Path(path), CatalogSettings(format="jsonl", path=Path(path))).values())


def _affinity(item: Item, taste: Archetype, rng_shift: dict[str, float]) -> float:
    weights = []
    for genre in item.genres:
        if genre in taste.loves:
            w = 1.0
        elif genre in taste.likes:
            w = 0.5
        elif genre in taste.dislikes:
            w = -1.2
        else:
            w = 0.0
        weights.append(w + rng_shift.get(genre, 0.0))
    genre_term = max(weights) if weights and max(weights) > 0 else (sum(weights) / len(weights) if weights else 0.0)
    if any(w < -0.5 for w in weights):
        genre_term = min(genre_term, -0.6)
    era_term = 0.0
    if item.year is not None:
        era_term = math.exp(-(((item.year - taste.era) / taste.era_spread) ** 2)) - 0.45
    return genre_term + 0.7 * era_term


def synthetic_interactions(items: list[Item], n_users: int, seed: int) -> list[Interaction]:
    """Ratings (1-5 stars) by `n_users` demo users, reproducible from `seed`."""
    rng = random.Random(seed)
    genres = sorted({g for item in items for g in item.genres})
    out: list[Interaction] = []
    for u in range(n_users):
        taste = ARCHETYPES[u % len(ARCHETYPES)]
        user_id = f"demo-{u + 1:02d}"
        # Small personal deviations so users of one archetype are not identical.
        shift = {g: rng.gauss(0.0, 0.15) for g in genres}
        scored = [(item, _affinity(item, taste, shift)) for item in items]
        # Users mostly watch what they expect to like, plus a little exploration.
        weights = [math.exp(2.5 * a) for _, a in scored]
        n_ratings = rng.randint(18, 40)
        chosen: dict[str, tuple[Item, float]] = {}
        while len(chosen) < min(n_ratings, len(items)):
            item, affinity = rng.choices(scored, weights=weights, k=1)[0]
            chosen.setdefault(item.id, (item, affinity))
        for item, affinity in chosen.values():
            stars = round(3.0 + 1.6 * affinity + rng.gauss(0.0, 0.6))
            timestamp = _EPOCH + rng.randrange(0, 365 * 24 * 3600)
            out.append(Interaction(user_id, item.id, float(min(5, max(1, stars))), timestamp))
    out.sort(key=lambda i: (i.user_id, i.timestamp))
    return out


def archetype_of(user_id: str) -> Archetype:
    """The taste archetype behind a demo user id ("demo-07")."""
    number = int(user_id.rsplit("-", 1)[1])
    return ARCHETYPES[(number - 1) % len(ARCHETYPES)]


def load_demo_catalog(settings: CatalogSettings) -> Catalog:
    items = demo_items()
    interactions = synthetic_interactions(items, settings.demo_users, settings.demo_seed)
    return Catalog.from_items(items, interactions, source="demo catalog (synthetic interactions)")
