"""A 10,000-title catalog built in the test, shaped like a real one where it matters to the
planner: titles made of everyday words, films called "It", "Yes", "Up", "The One", "Saw",
"Help!", "2012", "Next", "No", "Don" and "The Others", remakes, sequels with numbers, tags people also use as
genre words ("scifi", "family") or asking words ("good"), and interactions in which well-known
films are popular and most are not."""

from __future__ import annotations

import random

from wordfreq import top_n_list

from chatrec_agent.catalog import Catalog, Interaction, Item

GENRES = ("Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
          "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western")

# (title, year, genres, how many people rated it): the films people name, and the ones whose
# titles are everyday words.
KNOWN = [
    ("It", 2017, ("Horror",), 300), ("It", 1927, ("Comedy", "Romance"), 5), ("Yes", 2004, ("Drama", "Romance"), 20),
    ("The One", 2001, ("Action", "Sci-Fi"), 120), ("Up", 2009, ("Adventure", "Animation", "Children"), 400),
    ("Saw", 2004, ("Horror", "Thriller"), 350), ("Help!", 1965, ("Comedy", "Musical"), 40),
    ("The Help", 2011, ("Drama",), 200), ("2012", 2009, ("Action", "Sci-Fi"), 250), ("Next", 2007, ("Action", "Sci-Fi"), 90),
    ("The Watch", 2012, ("Comedy", "Sci-Fi"), 80), ("No", 2012, ("Drama",), 15), ("Don", 2006, ("Action", "Crime"), 10),
    ("If....", 1968, ("Drama",), 12), ("M", 1931, ("Crime", "Thriller"), 60), ("Heat", 1995, ("Action", "Crime", "Thriller"), 450),
    ("Fargo", 1996, ("Comedy", "Crime", "Drama", "Thriller"), 500), ("The Craft", 1996, ("Drama", "Fantasy", "Horror"), 110),
    ("Paddington", 2014, ("Children", "Comedy"), 150), ("Paddington 2", 2017, ("Adventure", "Children", "Comedy"), 130),
    ("Ghostbusters", 1984, ("Action", "Comedy", "Sci-Fi"), 480), ("Ghostbusters II", 1989, ("Comedy", "Sci-Fi"), 200),
    ("Alien", 1979, ("Horror", "Sci-Fi"), 470), ("Inception", 2010, ("Action", "Sci-Fi", "Thriller"), 520),
    ("Blade Runner", 1982, ("Action", "Sci-Fi", "Thriller"), 460), ("Blade", 1998, ("Action", "Horror"), 160),
    ("The Matrix", 1999, ("Action", "Sci-Fi", "Thriller"), 600), ("Toy Story", 1995, ("Animation", "Children", "Comedy"), 550),
    ("Home Alone", 1990, ("Children", "Comedy"), 300), ("My Family", 1995, ("Drama",), 8),
    ("Instant Family", 2018, ("Comedy", "Drama"), 30), ("Frozen", 2013, ("Animation", "Children", "Fantasy"), 330),
    ("Enchanted", 2007, ("Children", "Comedy", "Fantasy", "Musical"), 140), ("The Notebook", 2004, ("Drama", "Romance"), 260),
    ("Scary Movie", 2000, ("Comedy", "Horror"), 180), ("Drive", 2011, ("Crime", "Drama"), 240),
    ("Casablanca", 1942, ("Drama", "Romance"), 380), ("The Thing", 1982, ("Horror", "Sci-Fi"), 230),
    ("The Thing", 2011, ("Horror", "Sci-Fi"), 40), ("Taken", 2008, ("Action", "Crime"), 260),
    ("Night of the Living Dead", 1968, ("Horror",), 120), ("When Harry Met Sally...", 1989, ("Comedy", "Romance"), 270),
    ("Die Hard", 1988, ("Action", "Thriller"), 500), ("Clueless", 1995, ("Comedy", "Romance"), 220),
    ("National Lampoon's Van Wilder", 2002, ("Comedy",), 90), ("Monty Python's Life of Brian", 1979, ("Comedy",), 310),
    ("Star Wars: Episode IV - A New Hope", 1977, ("Action", "Adventure", "Sci-Fi"), 580),
    ("Star Wars: Episode V - The Empire Strikes Back", 1980, ("Action", "Adventure", "Sci-Fi"), 540),
    ("Mission: Impossible - Ghost Protocol", 2011, ("Action", "Thriller"), 260),
    ("Mission: Impossible - Fallout", 2018, ("Action", "Thriller"), 240),
    ("I Know What You Did Last Summer", 1997, ("Horror", "Mystery", "Thriller"), 160),
    ("The Others", 2001, ("Drama", "Horror", "Mystery"), 170),
]


# Tags as people put them on films in MovieLens: some are a genre's everyday name, some say
# nothing about what a film is ("good"). (genre or None for any film, tag, share of films).
TAGS = (("Sci-Fi", "scifi", 0.2), ("Children", "family", 0.2), ("Animation", "kids", 0.2), ("Crime", "heist", 0.1),
        (None, "twist ending", 0.03), (None, "good", 0.05), (None, "funny", 0.03), ("Horror", "zombies", 0.2))


def _tags(genres: tuple[str, ...], rng: random.Random) -> tuple[str, ...]:
    return tuple(tag for genre, tag, share in TAGS if (genre is None or genre in genres) and rng.random() < share)


def big_catalog(n_items: int = 10_000, n_users: int = 1_500, seed: int = 7) -> Catalog:
    rng = random.Random(seed)
    tag_rng = random.Random(seed + 1)  # its own draws, so the titles stay those of an untagged catalog
    words = [w for w in top_n_list("en", 6000) if w.isalpha() and len(w) > 2][200:]
    items: list[Item] = []
    popularity: list[int] = []
    for n, (title, year, genres, raters) in enumerate(KNOWN):
        items.append(Item(f"k{n}", title, f"A film called {title}.", genres, year=year))
        popularity.append(raters)
    titles = {(i.title, i.year) for i in items}
    while len(items) < n_items:
        size = rng.choice((1, 2, 2, 3, 3, 4))
        title = " ".join(rng.choice(words).capitalize() for _ in range(size))
        if rng.random() < 0.25:
            title = "The " + title
        if rng.random() < 0.04:
            title += f" {rng.randint(2, 4)}"  # sequels
        year = rng.randint(1920, 2023)
        if (title, year) in titles:
            continue
        titles.add((title, year))
        genres = tuple(sorted(rng.sample(GENRES, rng.choice((1, 2, 2, 3)))))
        items.append(Item(f"g{len(items)}", title, f"{title}: a {genres[0].lower()} film.", genres,
                          tags=_tags(genres, tag_rng), year=year))
        popularity.append(int(rng.paretovariate(1.2)) - 1)
    interactions: list[Interaction] = []
    weights = [p + 0.01 for p in popularity]
    for u in range(n_users):
        for item in set(rng.choices(items, weights=weights, k=rng.randint(5, 40))):
            interactions.append(Interaction(f"u{u}", item.id, float(rng.randint(1, 5)), 1_600_000_000 + u))
    return Catalog.from_items(items, interactions, source="big test catalog")
