"""Catalog loaders: generic CSV/JSONL, MovieLens-100K, MovieLens CSV and the demo catalog.

Every loader reads whole files into memory and returns one Catalog, or raises a CatalogError
naming the file and line; callers write nothing until a load succeeded, so nothing is ever
half-imported. With `on_error: skip`, bad rows are left out and listed in `Catalog.skipped`.
"""

from __future__ import annotations

import csv
import json
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from chatrec_agent.catalog.images import public_image_url
from chatrec_agent.catalog.model import Catalog, Interaction, Interactions, Item
from chatrec_agent.errors import CatalogError
from chatrec_agent.settings import CatalogSettings

log = logging.getLogger(__name__)

_TRAILING_YEAR = re.compile(r"^(?P<title>.*?)\s*\((?P<year>\d{4})(?:[-–]\d{0,4})?\)\s*$")
# MovieLens writes "Shawshank Redemption, The"; people write "The Shawshank Redemption".
_ARTICLE_SUFFIX = re.compile(r"^(?P<rest>.+), (?P<article>The|A|An|Les|La|Le|Il|Das|Der|Die|El|L')(?P<tail>\s*\(.*\))?$")


class _Rows:
    """Collects rows while enforcing the on_error policy."""

    def __init__(self, on_error: str):
        self.on_error = on_error
        self.skipped: list[str] = []

    def bad(self, path: Path, line: int, message: str) -> None:
        if self.on_error == "skip":
            self.skipped.append(f"{path}:{line}: {message}")
            return
        raise CatalogError(
            message + " (set catalog.on_error: skip to leave bad rows out)", path, line
        )


def _split_list(value: Any, separator: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        parts = [str(v) for v in value]
    else:
        parts = str(value).split(separator)
    seen: dict[str, None] = {}
    for part in parts:
        part = part.strip()
        if part:
            seen.setdefault(part, None)
    return tuple(seen)


def _parse_year(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    year = int(float(value))
    if not 1800 <= year <= 2200:
        raise ValueError(f"year {year} is out of range")
    return year


def _parse_timestamp(value: Any) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    text = str(value).strip()
    try:
        return int(float(text))
    except ValueError:
        return int(datetime.fromisoformat(text).timestamp())


def _parse_rating(value: Any) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    rating = float(value)
    if rating != rating:  # NaN
        raise ValueError("rating is not a number")
    return rating


def clean_movielens_title(raw: str) -> tuple[str, int | None]:
    """'Shawshank Redemption, The (1994)' -> ('The Shawshank Redemption', 1994)."""
    raw = raw.strip()
    year = None
    match = _TRAILING_YEAR.match(raw)
    if match:
        raw, year = match.group("title"), int(match.group("year"))
    article = _ARTICLE_SUFFIX.match(raw)
    if article:
        sep = "" if article.group("article").endswith("'") else " "
        raw = f"{article.group('article')}{sep}{article.group('rest')}{article.group('tail') or ''}"
    return raw.strip(), year


# --- generic rows -----------------------------------------------------------------------


def _item_from_record(record: Mapping[str, Any], settings: CatalogSettings) -> tuple[Item, str | None]:
    """The row's item, and what was left out of it (a poster that is not public https)."""
    cols = settings.columns
    item_id = record.get(cols.id)
    title = record.get(cols.title)
    if item_id is None or str(item_id).strip() == "":
        raise ValueError(f"missing item id (column '{cols.id}')")
    if title is None or str(title).strip() == "":
        raise ValueError(f"missing title (column '{cols.title}')")
    try:
        year = _parse_year(record.get(cols.year))
    except ValueError as exc:
        raise ValueError(f"bad year {record.get(cols.year)!r}: {exc}") from None
    known = {cols.id, cols.title, cols.description, cols.genres, cols.year, cols.tags, cols.url, cols.image_url}
    # Extra columns are kept as metadata (director, author, …); a JSON list becomes "A|B".
    extra = {
        str(k): "|".join(str(x).strip() for x in v if str(x).strip()) if isinstance(v, list) else str(v).strip()
        for k, v in record.items()
        if k not in known and k is not None and v is not None and str(v).strip() and v != []
    }
    url = record.get(cols.url) or None
    image, left_out = str(record.get(cols.image_url) or "").strip() or None, None
    if image:
        try:
            image = public_image_url(image)
        except ValueError as exc:  # the film stays; only its picture goes
            image, left_out = None, f"{exc}; the item is kept without a picture"
    return Item(
        id=str(item_id).strip(),
        title=str(title).strip(),
        description=str(record.get(cols.description) or "").strip(),
        genres=_split_list(record.get(cols.genres), settings.list_separator),
        tags=_split_list(record.get(cols.tags), settings.list_separator),
        year=year,
        url=str(url) if url else None,
        image_url=image,
        extra=extra,
    ), left_out


def _interaction_from_record(record: Mapping[str, Any], settings: CatalogSettings) -> Interaction:
    cols = settings.interaction_columns
    user, item = record.get(cols.user), record.get(cols.item)
    if user is None or str(user).strip() == "":
        raise ValueError(f"missing user id (column '{cols.user}')")
    if item is None or str(item).strip() == "":
        raise ValueError(f"missing item id (column '{cols.item}')")
    try:
        rating = _parse_rating(record.get(cols.rating))
    except ValueError:
        raise ValueError(f"bad rating {record.get(cols.rating)!r}") from None
    try:
        timestamp = _parse_timestamp(record.get(cols.timestamp))
    except ValueError:
        raise ValueError(f"bad timestamp {record.get(cols.timestamp)!r}") from None
    return Interaction(str(user).strip(), str(item).strip(), rating, timestamp)


def _read_records(path: Path) -> Iterator[tuple[int, Mapping[str, Any] | str]]:
    """(line, record) for CSV or JSONL by extension; a str record is a parse error message."""
    if not path.is_file():
        raise CatalogError("file not found; check catalog.path in the config.", path)
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield number, f"invalid JSON ({exc.msg})"
                    continue
                yield number, record if isinstance(record, dict) else "expected a JSON object"
        return
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames:
            raise CatalogError("empty file or missing header row.", path, 1)
        start = reader.line_num + 1
        for row in reader:
            if None in row:  # more cells than header columns
                yield start, f"{len(reader.fieldnames) + len(row[None])} cells, header has {len(reader.fieldnames)}"
            elif any(value is None for value in row.values()):
                cells = sum(value is not None for value in row.values())
                yield start, f"{cells} cells, header has {len(reader.fieldnames)}"
            else:
                yield start, row
            start = reader.line_num + 1


def _collect_items(path: Path, records, settings: CatalogSettings, rows: _Rows) -> dict[str, Item]:
    items: dict[str, Item] = {}
    first_line: dict[str, int] = {}
    pictures_left_out: list[str] = []
    for line, record in records:
        if isinstance(record, str):
            rows.bad(path, line, record)
            continue
        try:
            item, left_out = _item_from_record(record, settings)
        except ValueError as exc:
            rows.bad(path, line, str(exc))
            continue
        if left_out:
            pictures_left_out.append(f"{path}:{line}: {left_out}")
        if item.id in items:
            rows.bad(path, line, f"duplicate item id '{item.id}' (first seen on line {first_line[item.id]})")
            continue
        items[item.id] = item
        first_line[item.id] = line
    for note in pictures_left_out[:5]:
        log.warning("%s", note)
    if len(pictures_left_out) > 5:
        log.warning("%s: %d more items kept without their picture", path, len(pictures_left_out) - 5)
    return items


def read_items(path: Path, settings: CatalogSettings) -> dict[str, Item]:
    """Items of one CSV/JSONL file, by id, in file order (bad rows per settings.on_error)."""
    return _collect_items(path, _read_records(path), settings, _Rows(settings.on_error))


def _collect_interactions(path: Path, records, items: Mapping[str, Item], settings: CatalogSettings, rows: _Rows) -> Interactions:
    return Interactions(_interaction_rows(path, records, items, settings, rows))


def _interaction_rows(path: Path, records, items: Mapping[str, Item], settings: CatalogSettings, rows: _Rows) -> Iterator[Interaction]:
    for line, record in records:
        if isinstance(record, str):
            rows.bad(path, line, record)
            continue
        try:
            interaction = _interaction_from_record(record, settings)
        except ValueError as exc:
            rows.bad(path, line, str(exc))
            continue
        if interaction.item_id not in items:
            rows.bad(path, line, f"interaction names unknown item '{interaction.item_id}'")
            continue
        yield interaction


def load_generic(settings: CatalogSettings) -> Catalog:
    """CSV or JSONL items (and optional interactions), columns mapped by the config."""
    if settings.path is None:
        raise CatalogError(f"catalog.format is {settings.format} but catalog.path is not set.")
    rows = _Rows(settings.on_error)
    items = _collect_items(settings.path, _read_records(settings.path), settings, rows)
    interactions: Interactions = Interactions()
    if settings.interactions_path is not None:
        p = settings.interactions_path
        interactions = _collect_interactions(p, _read_records(p), items, settings, rows)
    if not items:
        raise CatalogError("no valid items found.", settings.path)
    return Catalog(items, interactions, rows.skipped, str(settings.path))


# --- MovieLens ----------------------------------------------------------------------------


def _lines(path: Path, encoding: str) -> Iterator[tuple[int, str]]:
    if not path.is_file():
        raise CatalogError("file not found; catalog.path must be the MovieLens folder.", path)
    with path.open(encoding=encoding, newline="") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\r\n")
            if line:
                yield number, line


def load_movielens_100k(settings: CatalogSettings) -> Catalog:
    """ML-100K: u.item (pipe-separated, latin-1, 19 genre flags), u.genre and u.data."""
    folder = settings.path
    if folder is None:
        raise CatalogError("catalog.format is movielens-100k but catalog.path (the ml-100k folder) is not set.")
    rows = _Rows(settings.on_error)
    genre_path = folder / "u.genre"
    genres = [name for _, line in _lines(genre_path, "latin-1") for name in [line.split("|")[0]]]
    items: dict[str, Item] = {}
    item_path = folder / "u.item"
    for line, text in _lines(item_path, "latin-1"):
        cells = text.split("|")
        if len(cells) != 5 + len(genres):
            rows.bad(item_path, line, f"{len(cells)} fields, expected {5 + len(genres)}")
            continue
        item_id, raw_title, release, _video, url = cells[:5]
        flags = cells[5:]
        if not item_id.strip() or any(flag not in ("0", "1") for flag in flags):
            rows.bad(item_path, line, "missing id or genre flags that are not 0/1")
            continue
        if item_id in items:
            rows.bad(item_path, line, f"duplicate item id '{item_id}'")
            continue
        title, year = clean_movielens_title(raw_title)
        if year is None and release[-4:].isdigit():
            year = int(release[-4:])
        item_genres = tuple(g for g, flag in zip(genres, flags) if flag == "1" and g != "unknown")
        items[item_id] = Item(id=item_id, title=title or raw_title, genres=item_genres, year=year, url=url or None)
    data_path = folder / "u.data"
    return Catalog(items, Interactions(_movielens_100k_ratings(data_path, items, rows)), rows.skipped, str(folder))


def _movielens_100k_ratings(data_path: Path, items: Mapping[str, Item], rows: _Rows) -> Iterator[Interaction]:
    for line, text in _lines(data_path, "latin-1"):
        cells = text.split("\t")
        if len(cells) != 4:
            rows.bad(data_path, line, f"{len(cells)} fields, expected 4 (user, item, rating, timestamp)")
            continue
        try:
            rating, timestamp = float(cells[2]), int(cells[3])
        except ValueError:
            rows.bad(data_path, line, "rating or timestamp is not a number")
            continue
        if cells[1] not in items:
            rows.bad(data_path, line, f"interaction names unknown item '{cells[1]}'")
            continue
        yield Interaction(cells[0], cells[1], rating, timestamp)


def load_movielens_csv(settings: CatalogSettings) -> Catalog:
    """ml-latest(-small): movies.csv, ratings.csv, optional tags.csv folded into item tags."""
    folder = settings.path
    if folder is None:
        raise CatalogError("catalog.format is movielens-csv but catalog.path (the folder) is not set.")
    rows = _Rows(settings.on_error)
    tag_counts: dict[str, Counter[str]] = defaultdict(Counter)
    tags_path = folder / "tags.csv"
    if tags_path.is_file():
        for _line, record in _read_records(tags_path):
            if isinstance(record, str):
                continue  # tags only enrich the text; a bad tag row never blocks the import
            tag = (record.get("tag") or "").strip().lower()
            if tag:
                tag_counts[str(record.get("movieId", "")).strip()][tag] += 1
    movies_path = folder / "movies.csv"
    items: dict[str, Item] = {}
    for line, record in _read_records(movies_path):
        if isinstance(record, str):
            rows.bad(movies_path, line, record)
            continue
        item_id = (record.get("movieId") or "").strip()
        if not item_id or not (record.get("title") or "").strip():
            rows.bad(movies_path, line, "missing movieId or title")
            continue
        if item_id in items:
            rows.bad(movies_path, line, f"duplicate item id '{item_id}'")
            continue
        title, year = clean_movielens_title(record["title"])
        genres = tuple(g for g in _split_list(record.get("genres"), "|") if g != "(no genres listed)")
        tags = tuple(tag for tag, _ in tag_counts.get(item_id, Counter()).most_common(8))
        items[item_id] = Item(id=item_id, title=title, genres=genres, tags=tags, year=year)
    ratings_settings = settings.model_copy(
        update={"interaction_columns": settings.interaction_columns.model_copy(
            update={"user": "userId", "item": "movieId", "rating": "rating", "timestamp": "timestamp"})}
    )
    ratings_path = folder / "ratings.csv"
    interactions = _collect_interactions(ratings_path, _read_records(ratings_path), items, ratings_settings, rows)
    return Catalog(items, interactions, rows.skipped, str(folder))

