"""The catalog model: items, interactions, and the text and hash each item is indexed by."""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np


def fold(text: str) -> str:
    """Case- and accent-folded text that keeps every script: "Amélie" -> "amelie",
    "Сталкер" -> "сталкер", "七人の侍" unchanged. Accents go, letters of other scripts stay."""
    if text.isascii():
        return text.casefold()  # nothing to decompose: most text, and a 100k catalog folds millions
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


_WORDS = re.compile(r"[^\W_]+")


def phrase_words(text: str) -> str:
    """Folded words joined by single spaces, for matching phrases ("Feel-Good" -> "feel good",
    "Научная фантастика" -> "научная фантастика")."""
    return " ".join(_WORDS.findall(fold(text)))


def longest_matches(words: list[str], lookup: Mapping, max_size: int, min_size: int = 1) -> list[tuple[int, int, object]]:
    """Non-overlapping spans of `words` that are keys of `lookup` ("blade runner" over
    "blade"), longest first: (start, end, value), in text order. Dictionary look-ups only,
    so it is fast on any message."""
    used: set[int] = set()
    found: list[tuple[int, int, object]] = []
    for size in range(min(max_size, len(words)), min_size - 1, -1):
        for start in range(0, len(words) - size + 1):
            span = set(range(start, start + size))
            if used & span:
                continue
            value = lookup.get(" ".join(words[start:start + size]))
            if value:
                found.append((start, start + size, value))
                used |= span
    return sorted(found, key=lambda match: match[0])


def genre_key(name: str) -> str:
    """A stable, metadata-safe key for a genre name ("Sci-Fi" -> "sci_fi")."""
    return re.sub(r"[\W_]+", "_", fold(name)).strip("_")


# Bumped when the metadata stored beside each vector changes shape (2: attribute values), so
# the next sync rewrites every item once.
METADATA_VERSION = 2


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    title: str
    description: str = ""
    genres: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    year: int | None = None
    url: str | None = None
    image_url: str | None = None  # a public https poster or cover (catalog/images.py), shown on cards
    # Extra text metadata (director, language, ...): shown in cards and embedded with the item.
    extra: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def label(self) -> str:
        """How the item is named to people: "Fargo (1996)"."""
        return f"{self.title} ({self.year})" if self.year else self.title

    def document(self) -> str:
        """The text that is embedded: title, year, genres, description, extras and tags."""
        parts = [self.label + "."]
        if self.genres:
            parts.append("Genres: " + ", ".join(self.genres) + ".")
        if self.description:
            parts.append(self.description.strip())
        for key, value in self.extra.items():
            parts.append(f"{key.replace('_', ' ').capitalize()}: {value.replace('|', ', ')}.")
        if self.tags:
            parts.append("Tags: " + ", ".join(self.tags) + ".")
        return " ".join(parts)

    def content_hash(self) -> str:
        """Changes whenever anything that is embedded or stored as metadata changes (and when
        the metadata layout does: METADATA_VERSION)."""
        payload = json.dumps(
            [self.document(), self.title, self.year, list(self.genres), list(self.tags), self.url, METADATA_VERSION],
            ensure_ascii=False,
        )
        return hashlib.blake2b(payload.encode("utf-8"), digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class Interaction:
    user_id: str
    item_id: str
    rating: float | None = None
    timestamp: int = 0


def interactions_fingerprint(interactions: Iterable[Interaction]) -> str:
    """A digest of the interactions, in order: whether they changed since the last import."""
    digest = hashlib.blake2b(digest_size=16)
    for i in interactions:
        digest.update(f"{i.user_id}\t{i.item_id}\t{i.rating}\t{i.timestamp}\n".encode())
    return digest.hexdigest()


class Interactions(Sequence[Interaction]):
    """A file's interactions held as columns (user and item as positions in their id lists,
    rating, timestamp), read like a list of Interaction. A million take ~25 MB instead of ~130 MB
    of objects, and that counts twice while a reindex loads the new catalog beside the one
    serving. The fingerprint, read several times a reindex, is computed once."""

    _CHUNK = 65536  # rows made into objects at a time while iterating

    def __init__(self, rows: Iterable[Interaction] = ()) -> None:
        users: dict[str, int] = {}
        items: dict[str, int] = {}
        u, i, r, t = array("i"), array("i"), array("d"), array("q")
        for row in rows:
            u.append(users.setdefault(row.user_id, len(users)))
            i.append(items.setdefault(row.item_id, len(items)))
            r.append(math.nan if row.rating is None else row.rating)
            t.append(row.timestamp)
        self.user_ids, self.item_ids = list(users), list(items)
        self._u, self._i = np.frombuffer(u, dtype=np.int32), np.frombuffer(i, dtype=np.int32)
        self._r, self._t = np.frombuffer(r, dtype=np.float64), np.frombuffer(t, dtype=np.int64)

    def __len__(self) -> int:
        return len(self._u)

    def _rows(self, start: int, stop: int) -> Iterator[Interaction]:
        users, items = self.user_ids, self.item_ids
        for u, i, r, t in zip(self._u[start:stop].tolist(), self._i[start:stop].tolist(),
                              self._r[start:stop].tolist(), self._t[start:stop].tolist()):
            yield Interaction(users[u], items[i], None if r != r else r, t)  # NaN: no rating

    def __iter__(self) -> Iterator[Interaction]:
        for start in range(0, len(self), self._CHUNK):
            yield from self._rows(start, start + self._CHUNK)

    def __getitem__(self, k):  # type: ignore[override]
        if isinstance(k, slice):
            start, stop, step = k.indices(len(self))
            return list(self._rows(start, stop)) if step == 1 else [self[n] for n in range(start, stop, step)]
        n = k + len(self) if k < 0 else k
        if not 0 <= n < len(self):
            raise IndexError(k)
        return next(self._rows(n, n + 1))

    @cached_property
    def fingerprint(self) -> str:
        return interactions_fingerprint(self)

    def item_counts(self) -> dict[str, int]:
        counts = np.bincount(self._i, minlength=len(self.item_ids))
        return dict(zip(self.item_ids, counts.tolist()))


def item_counts(interactions: Sequence[Interaction]) -> Mapping[str, int]:
    """How many interactions each item has (without making a million objects, where it can)."""
    if isinstance(interactions, Interactions):
        return interactions.item_counts()
    return Counter(i.item_id for i in interactions)


@dataclass(frozen=True)
class ItemWords:
    """What the replies call the catalog's items, and what people do with them (catalog.words):
    a film catalog's "film", "films", "watch"; a bookshop's "book", "books", "read"."""

    item: str = "film"
    items: str = "films"
    verb: str = "watch"


@dataclass
class Catalog:
    """Items (in file order) and the interactions that refer to them."""

    items: dict[str, Item]
    # A list where code builds them (the demo, tests); Interactions where a file is read.
    interactions: Sequence[Interaction] = field(default_factory=list)
    # One message per row left out under `on_error: skip` ("file:line: why").
    skipped: list[str] = field(default_factory=list)
    source: str = ""
    words: ItemWords = field(default_factory=ItemWords)

    @classmethod
    def from_items(cls, items: Iterable[Item], interactions: Iterable[Interaction] = (), source: str = "") -> Catalog:
        return cls({item.id: item for item in items}, list(interactions), [], source)

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self.items

    def __getitem__(self, item_id: str) -> Item:
        return self.items[item_id]

    @property
    def genres(self) -> list[str]:
        """Every genre name in the catalog, sorted."""
        return sorted({g for item in self.items.values() for g in item.genres})

    @property
    def users(self) -> list[str]:
        if isinstance(self.interactions, Interactions):
            return sorted(self.interactions.user_ids)
        return sorted({i.user_id for i in self.interactions})

    @cached_property
    def tag_index(self) -> dict[str, frozenset[str]]:
        """Tag (as `phrase_words`) -> the items carrying it. Tags on more than 5% of the catalog
        pick nothing out, and one- or two-letter ones are noise: both are left out."""
        tags: dict[str, set[str]] = {}
        for item in self.items.values():
            for tag in item.tags:
                tags.setdefault(phrase_words(tag), set()).add(item.id)
        limit = max(20, len(self.items) // 20)
        return {t: frozenset(ids) for t, ids in tags.items() if len(t) > 2 and len(ids) <= limit}
