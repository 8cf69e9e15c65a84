"""Search filters (genres, years, attributes, excluded ids) and the in-memory facet table they run on.

Chroma's own `where` filter is slow on large collections (~120 ms at 100k items, because it
materialises metadata), so filtered search evaluates the filter here, on numpy arrays built
from the index's metadata, and uses `where` only as a last resort (see index.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from chatrec_agent.catalog.attributes import VALUE_SEPARATOR, AttributeCondition, item_values, value_key
from chatrec_agent.catalog.model import Item, genre_key

GENRE_PREFIX = "g_"
# How far an era is widened, each side, when nothing in it matches ("the 2000s" -> 1995–2014).
ERA_SLACK = 5
# Attribute values ride along in Chroma metadata as one "A|B" string per field, prefixed;
# tags are stored under "tags" already.
ATTRIBUTE_PREFIX = "a_"


@dataclass(frozen=True)
class SearchFilter:
    """Which items may be returned. Genre names are matched case- and punctuation-insensitively."""

    genres: tuple[str, ...] = ()  # the item has every one of these
    any_genres: tuple[str, ...] = ()  # the item has at least one of these
    exclude_genres: tuple[str, ...] = ()  # the item has none of these
    year_from: int | None = None
    year_to: int | None = None
    exclude_ids: frozenset[str] = field(default_factory=frozenset)
    # Every metadata field (director, author, tags…): is / is not any of some values.
    attributes: tuple[AttributeCondition, ...] = ()

    def is_empty(self) -> bool:
        return not (self.genres or self.any_genres or self.exclude_genres or self.exclude_ids or self.attributes) and (
            self.year_from is None and self.year_to is None
        )

    def loosened(self) -> Iterator[SearchFilter]:
        """The nearest requests to one nothing matches, nearest first: its era widened step by
        step (a decade or a range, not a bound the person set, "before 1930"); a small catalog
        may hold the kind asked for only a decade or two away. Genres are never loosened: "a
        horror film for kids" must stay for kids, "only musicals" must stay musicals."""
        if self.year_from is not None and self.year_to is not None:
            for slack in (ERA_SLACK, 2 * ERA_SLACK, 4 * ERA_SLACK):
                yield replace(self, year_from=self.year_from - slack, year_to=self.year_to + slack)

    def accepts(self, item: Item) -> bool:
        keys = {genre_key(g) for g in item.genres}
        if any(genre_key(g) not in keys for g in self.genres):
            return False
        if self.any_genres and not any(genre_key(g) in keys for g in self.any_genres):
            return False
        if any(genre_key(g) in keys for g in self.exclude_genres):
            return False
        if self.year_from is not None and (item.year is None or item.year < self.year_from):
            return False
        if self.year_to is not None and (item.year is None or item.year > self.year_to):
            return False
        if not all(condition.accepts(item) for condition in self.attributes):
            return False
        return item.id not in self.exclude_ids

    def to_where(self) -> dict[str, Any] | None:
        """The positive part of the filter as a Chroma `where` clause.

        Excluded genres and ids and attribute conditions are left out (absent keys don't
        match `$ne` in Chroma, and a value inside "A|B" can't be matched); the caller drops
        those hits with the facet mask.
        """
        clauses: list[dict[str, Any]] = [{GENRE_PREFIX + genre_key(g): True} for g in self.genres]
        if self.any_genres:
            options = [{GENRE_PREFIX + genre_key(g): True} for g in self.any_genres]
            clauses.append(options[0] if len(options) == 1 else {"$or": options})
        if self.year_from is not None:
            clauses.append({"year": {"$gte": self.year_from}})
        if self.year_to is not None:
            clauses.append({"year": {"$lte": self.year_to}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def item_metadata(item: Item, hashed: bool = True) -> dict[str, Any]:
    """What Chroma stores beside each vector: display fields, filter flags and (`hashed`) the
    content hash."""
    meta: dict[str, Any] = {
        "title": item.title,
        "genres": "|".join(item.genres),
        "tags": "|".join(item.tags),
    }
    if hashed:
        meta["content_hash"] = item.content_hash()
    if item.year is not None:
        meta["year"] = item.year
    if item.url:
        meta["url"] = item.url
    for genre in item.genres:
        meta[GENRE_PREFIX + genre_key(genre)] = True
    for name in item.extra:
        values = item_values(item, name)
        if values:
            meta[ATTRIBUTE_PREFIX + name] = VALUE_SEPARATOR.join(values)
    return meta


class FacetTable:
    """Item ids with their years, genre flags and attribute values as arrays, for fast filter masks."""

    def __init__(self, ids: list[str], years: np.ndarray, genres: Mapping[str, np.ndarray],
                 attributes: Mapping[str, Mapping[str, np.ndarray]] | None = None):
        self.ids = ids
        self.position = {item_id: i for i, item_id in enumerate(ids)}
        self.years = years
        self.genres = dict(genres)
        # field -> value key -> the positions of the items that have it
        self.attributes = {f: dict(v) for f, v in (attributes or {}).items()}

    @classmethod
    def from_metadata(cls, rows: Iterable[tuple[str, Mapping[str, Any]]]) -> FacetTable:
        ids: list[str] = []
        years: list[int] = []
        flags: dict[str, list[int]] = {}
        values: dict[str, dict[str, list[int]]] = {}
        for i, (item_id, meta) in enumerate(rows):
            ids.append(item_id)
            years.append(int(meta.get("year", -1)))
            for key, value in meta.items():
                if key.startswith(GENRE_PREFIX) and value is True:
                    flags.setdefault(key[len(GENRE_PREFIX):], []).append(i)
                elif (key.startswith(ATTRIBUTE_PREFIX) or key == "tags") and isinstance(value, str) and value:
                    name = key[len(ATTRIBUTE_PREFIX):] if key != "tags" else "tags"
                    column = values.setdefault(name, {})
                    for part in value.split(VALUE_SEPARATOR):
                        column.setdefault(value_key(part), []).append(i)
        n = len(ids)
        genres = {}
        for key, positions in flags.items():
            column = np.zeros(n, dtype=bool)
            column[positions] = True
            genres[key] = column
        attributes = {name: {key: np.asarray(pos, dtype=np.int64) for key, pos in by_value.items()}
                      for name, by_value in values.items()}
        return cls(ids, np.asarray(years, dtype=np.int32), genres, attributes)

    def __len__(self) -> int:
        return len(self.ids)

    def mask(self, flt: SearchFilter) -> np.ndarray:
        n = len(self.ids)
        keep = np.ones(n, dtype=bool)
        none = np.zeros(n, dtype=bool)
        for g in flt.genres:
            keep &= self.genres.get(genre_key(g), none)
        if flt.any_genres:
            any_mask = np.zeros(n, dtype=bool)
            for g in flt.any_genres:
                any_mask |= self.genres.get(genre_key(g), none)
            keep &= any_mask
        for g in flt.exclude_genres:
            keep &= ~self.genres.get(genre_key(g), none)
        if flt.year_from is not None:
            keep &= self.years >= flt.year_from
        if flt.year_to is not None:
            keep &= (self.years <= flt.year_to) & (self.years >= 0)
        for condition in flt.attributes:
            has = np.zeros(n, dtype=bool)
            by_value = self.attributes.get(condition.field, {})
            for value in condition.values:
                positions = by_value.get(value_key(value))
                if positions is not None:
                    has[positions] = True
            keep &= ~has if condition.negate else has
        for item_id in flt.exclude_ids:
            pos = self.position.get(item_id)
            if pos is not None:
                keep[pos] = False
        return keep
