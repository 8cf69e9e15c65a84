"""The item index: one Chroma document per catalog item, kept in sync incrementally.

Layout in Chroma: data collections named `<base>-<stamp>` (the stamp is exactly 20 digits)
and one small pointer collection `<base>-active` whose metadata names the data collection
that serves searches. A full rebuild fills a new data collection and moves the pointer only
when it is complete, so a crash mid-way leaves the old index answering (the next rebuild
drops the half-built one); an incremental sync edits the active collection in place, item
by item, so a crash there loses nothing either (the next run redoes what is left, by
content hash).

A sync is also undone when what follows it fails (`syncing`): a reindex whose model refit
fails puts the pointer back and, for an incremental sync, restores the rows it changed from
a copy taken before (vectors included, nothing re-embedded), so the index answers exactly as
it did, alongside the catalog still served. A full rebuild's old collection is dropped only
once the rebuild is kept.
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import numpy as np

from chatrec_agent.catalog import Catalog, Item
from chatrec_agent.catalog.filters import FacetTable, SearchFilter, item_metadata
from chatrec_agent.errors import VectorIndexError
from chatrec_agent.heap import release_freed_memory
from chatrec_agent.search.embeddings import Embedder
from chatrec_agent.search.lexical import LEXICAL_WEIGHT, LexicalIndex
from chatrec_agent.search.vector_store import make_client, page_size
from chatrec_agent.settings import Settings

log = logging.getLogger(__name__)

# (done, total, stage) after every batch; raising from it aborts the sync.
Progress = Callable[[int, int, str], None]

EMBED_CHUNK = 512
# Pages of metadata read at once when the whole index is read back (a sync, the search tables).
# Four read 100k items' metadata in 4.1 s instead of 5.8, but their threads' heaps raised the
# start's peak at 100k by ~190 MB; two, with the heap trimmed after the read, take ~5 s and
# keep the peak under 2 GB.
METADATA_READERS = 2
# Reading one stored vector costs about this many HNSW neighbours (measured at 100k items).
EXACT_COST = 4
# How often a long-lived process re-reads the pointer to notice another process's reindex.
POINTER_TTL_S = 5.0
# Items whose tags match a query that are scored against it, at least (best lexical first).
LEXICAL_CANDIDATES = 50
# A data collection's suffix: UTC time to the microsecond, always 20 digits (years 1000-9999).
STAMP_FORMAT = "%Y%m%d%H%M%S%f"
STAMP_DIGITS = 20


@dataclass
class SyncReport:
    full: bool
    collection: str
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    reason: str = ""  # why a rebuild was forced: a changed model, a missing collection
    first: bool = False  # there was no index before

    @property
    def embedded(self) -> int:
        return self.added + self.updated

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.deleted)

    def summary(self) -> str:
        if not self.changed and not self.full:
            return f"Index is up to date: {self.unchanged} items unchanged, nothing embedded ({self.seconds:.1f}s)."
        kind = "Built" if self.first else "Rebuilt" if self.full else "Updated"
        return (
            f"{kind} index '{self.collection}': {self.added} added, {self.updated} changed, "
            f"{self.deleted} removed, {self.unchanged} unchanged in {self.seconds:.1f}s."
        )


@dataclass(frozen=True)
class SearchHit:
    item_id: str
    title: str
    year: int | None
    genres: tuple[str, ...]
    tags: tuple[str, ...]
    # Cosine similarity of the query and the item, plus up to LEXICAL_WEIGHT when the item
    # carries words or phrases of the query as tags (`matched`).
    score: float
    document: str = ""
    url: str | None = None
    matched: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title


@dataclass
class _Active:
    name: str
    generation: int
    model: str
    checked_at: float
    facets: FacetTable | None = field(default=None, repr=False)
    lexical: LexicalIndex | None = field(default=None, repr=False)
    collection: Any = field(default=None, repr=False)
    size: int | None = None  # count() costs ~5 ms at 100k items, so it is cached here
    noise: float | None = None  # see ItemIndex.noise_floor


# Made-up words to measure noise with (ItemIndex.noise_floor): syllables a person could type.
NOISE_PROBES = 64
NOISE_PERCENTILE = 95


def _made_up_words(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    consonants, vowels = "bcdfghjklmnprstvwxz", "aeiou"
    return ["".join(rng.choice(list(vowels if i % 2 else consonants)) for i in range(int(rng.integers(5, 10))))
            for _ in range(n)]


class ItemIndex:
    """Search and sync over the Chroma collection that holds the catalog's items."""

    def __init__(self, settings: Settings, embedder: Embedder, client: Any = None):
        self.settings = settings
        self.embedder = embedder
        self.base = settings.vector_store.collection
        self._client = client
        self._active: _Active | None = None
        self._sync_lock = threading.Lock()
        self._tables_lock = threading.Lock()  # one build of the filter table and lexical index at a time

    # --- plumbing ---------------------------------------------------------------------

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = make_client(self.settings.vector_store, self.settings.index_dir)
        return self._client

    def _open(self, name: str) -> Any:
        return self.client.get_collection(name, embedding_function=None)

    def _pointer(self) -> Any:
        # Not get_or_create with metadata: on an existing collection that may overwrite it.
        name = f"{self.base}-active"
        try:
            return self.client.get_collection(name, embedding_function=None)
        except Exception:
            return self.client.create_collection(name, embedding_function=None, metadata={"state": "{}"})

    def _read_pointer(self) -> dict[str, Any]:
        meta = self._pointer().metadata or {}
        try:
            return json.loads(meta.get("state") or "{}")
        except json.JSONDecodeError:
            return {}

    def _write_pointer(self, state: dict[str, Any]) -> None:
        self._pointer().modify(metadata={"state": json.dumps(state)})

    def _active_state(self, refresh: bool = False) -> _Active | None:
        now = time.monotonic()
        if self._active is not None and not refresh and now - self._active.checked_at < POINTER_TTL_S:
            return self._active
        state = self._read_pointer()
        if not state.get("collection"):
            self._active = None
            return None
        current = self._active
        if current and current.name == state["collection"] and current.generation == state.get("generation", 0):
            current.checked_at = now
            return current
        self._active = _Active(state["collection"], int(state.get("generation", 0)), state.get("model", ""), now)
        return self._active

    def _collection(self) -> Any:
        active = self._active_state()
        if active is None:
            raise VectorIndexError("The index is empty; run `chatrec index` first.")
        if active.collection is None:
            try:
                active.collection = self._open(active.name)
            except Exception:
                # Another process may have switched collections since we last looked.
                active = self._active_state(refresh=True)
                if active is None:
                    raise VectorIndexError("The index is empty; run `chatrec index` first.") from None
                active.collection = self._open(active.name)
        return active.collection

    def _size(self) -> int:
        active = self._active_state()
        if active is None:
            return 0
        if active.size is None:
            active.size = int(self._collection().count())
        return active.size

    def _iter_metadata(self, collection: Any) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every (id, metadata) of a collection, read in pages. The first reads start at once,
        and a few pages are read ahead at a time (Chroma decodes a page without holding
        Python's lock), while the caller does its own work until it takes the rows; the
        read-ahead is bounded, so memory is a few pages."""
        size = page_size(self.client)
        offsets = iter(range(0, int(collection.count()), size))
        pool = ThreadPoolExecutor(max_workers=METADATA_READERS, thread_name_prefix="chatrec-read")
        ahead: deque[tuple[int, Future]] = deque()

        def read_ahead() -> None:
            while len(ahead) < 2 * METADATA_READERS and (offset := next(offsets, None)) is not None:
                ahead.append((offset, pool.submit(collection.get, limit=size, offset=offset, include=["metadatas"])))

        def rows() -> Iterator[tuple[str, dict[str, Any]]]:
            offset, full = 0, True
            try:
                while ahead:
                    offset, page = ahead.popleft()
                    got = page.result()
                    read_ahead()
                    full = len(got["ids"]) == size
                    yield from zip(got["ids"], got["metadatas"])
                    offset += size
            finally:
                pool.shutdown(wait=False, cancel_futures=True)
            while full:  # rows added since the count (a short last page means there are none)
                got = collection.get(limit=size, offset=offset, include=["metadatas"])
                yield from zip(got["ids"], got["metadatas"])
                full, offset = len(got["ids"]) == size, offset + size

        read_ahead()  # before the caller's own work, which the first pages' reads overlap
        return rows()

    def _facets(self) -> FacetTable:
        return self._tables()[0]

    def _lexical(self) -> LexicalIndex:
        return self._tables()[1]

    def _tables(self) -> tuple[FacetTable, LexicalIndex]:
        """The filter table and the tags' lexical index, built together from one read of the
        active collection's metadata (in the same item order), once per collection."""
        active = self._active_state()
        assert active is not None
        with self._tables_lock:
            if active.facets is None or active.lexical is None:
                rows = list(self._iter_metadata(self._collection()))
                active.lexical = LexicalIndex([i for i, _ in rows], [_split(meta.get("tags")) for _, meta in rows])
                active.facets = FacetTable.from_metadata(rows)
                del rows
                release_freed_memory(collect=False)  # the pages were decoded in the readers' own heaps
            return active.facets, active.lexical

    def warm(self) -> threading.Thread:
        """Build the filter table and lexical index, and measure the noise floor, in the
        background (about 10 s at 100k items, most of it reading the metadata back), so the
        first search rarely waits."""

        def build() -> None:
            try:
                if self._active_state() is not None:
                    self._tables()
                    self.noise_floor()
            except Exception as exc:  # the first search builds them then, or says what is wrong
                log.warning("could not prepare the search tables: %s", exc)

        thread = threading.Thread(target=build, name="search-tables", daemon=True)
        thread.start()
        return thread

    # --- status -----------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        state = self._read_pointer()
        if not state.get("collection"):
            return {"collection": None, "items": 0}
        return {
            "collection": state["collection"],
            "items": self._open(state["collection"]).count(),
            "model": state.get("model"),
            "updated_at": state.get("updated_at"),
            "generation": state.get("generation", 0),
        }

    def count(self) -> int:
        return self._size()

    def refresh(self) -> None:
        """Re-read which collection is active now, not within POINTER_TTL_S: for a replica
        told that another one synced the shared index."""
        self._active_state(refresh=True)

    # --- sync -------------------------------------------------------------------------

    def sync(self, catalog: Catalog, full: bool = False, progress: Progress | None = None) -> SyncReport:
        """Bring the index in line with `catalog`; only new or changed items are embedded."""
        with self.syncing(catalog, full, progress) as report:
            return report

    @contextmanager
    def syncing(self, catalog: Catalog, full: bool = False, progress: Progress | None = None) -> Iterator[SyncReport]:
        """`sync`, kept only if the block succeeds: if the block raises (a refit that fails
        after the sync), the index is put back as it was, and the error goes on. A sync that
        fails half way is undone the same way."""
        if not self._sync_lock.acquire(blocking=False):
            raise VectorIndexError("A reindex is already running; wait for it to finish.")
        try:
            started = time.perf_counter()
            state = self._read_pointer()
            reason = ""
            if not full and state.get("collection") and state.get("model") != self.embedder.model_name:
                full, reason = True, f"embedding model changed ({state.get('model')} -> {self.embedder.model_name})"
            if not full and state.get("collection"):
                try:
                    self._open(state["collection"])
                except Exception:
                    full, reason = True, "the active collection is missing"
            undo = _Undo(self, state)
            try:
                if full or not state.get("collection"):
                    report = self._rebuild(catalog, state, progress, undo)
                else:
                    report = self._update(catalog, state, progress, undo)
                report.reason, report.first = reason, not state.get("collection")
                report.seconds = time.perf_counter() - started
                yield report
            except BaseException:
                undo.apply()
                raise
            undo.keep()
        finally:
            self._sync_lock.release()

    @property
    def is_syncing(self) -> bool:
        return self._sync_lock.locked()

    def _update(self, catalog: Catalog, state: dict[str, Any], progress: Progress | None, undo: _Undo) -> SyncReport:
        collection = self._open(state["collection"])
        stored = self._iter_metadata(collection)
        hashes = {item.id: item.content_hash() for item in catalog.items.values()}  # while the rows are read
        existing = {item_id: meta.get("content_hash") for item_id, meta in stored}
        release_freed_memory(collect=False)  # the pages were decoded in the readers' own heaps
        report = SyncReport(full=False, collection=state["collection"])
        todo: list[Item] = []
        for item in catalog.items.values():
            old = existing.get(item.id)
            if old is None:
                report.added += 1
                todo.append(item)
            elif old != hashes[item.id]:
                report.updated += 1
                todo.append(item)
            else:
                report.unchanged += 1
        stale = [item_id for item_id in existing if item_id not in catalog.items]
        undo.remember(collection, changing=[i.id for i in todo if i.id in existing] + stale,
                      adding=[i.id for i in todo if i.id not in existing])
        self._embed_into(collection, todo, progress)
        size = page_size(self.client)
        for start in range(0, len(stale), size):
            collection.delete(ids=stale[start : start + size])
        report.deleted = len(stale)
        if report.changed:
            self._publish(state["collection"], state)
        return report

    def _rebuild(self, catalog: Catalog, state: dict[str, Any], progress: Progress | None, undo: _Undo) -> SyncReport:
        stamp = datetime.now(timezone.utc).strftime(STAMP_FORMAT)
        name = f"{self.base}-{stamp}"
        collection = self.client.create_collection(
            name,
            embedding_function=None,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"model": self.embedder.model_name},
        )
        # From here a failure, or the sync undone, drops the new collection and leaves the old
        # index serving (a hard kill leaves the new one behind; the next rebuild removes it).
        undo.built = name
        self._embed_into(collection, list(catalog.items.values()), progress)
        self._publish(name, state)
        return SyncReport(full=True, collection=name, added=len(catalog))

    def _publish(self, name: str, previous: dict[str, Any]) -> None:
        self._write_pointer(
            {
                "collection": name,
                "generation": int(previous.get("generation", 0)) + 1,
                "model": self.embedder.model_name,
                "updated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            }
        )
        self._active = None

    def _remove_unused(self, keep: str) -> None:
        """Drop this index's other data collections: old generations and crashed rebuilds."""
        for collection in self.client.list_collections():
            name = collection if isinstance(collection, str) else collection.name
            if name != keep and self._owns(name):
                self._drop_quietly(name)

    def _owns(self, name: str) -> bool:
        """Whether `name` is one of this index's data collections.

        Not a mere prefix match: on a shared Chroma, `movies-kids-<stamp>` and `movies-kids-active`
        belong to another deployment, not to `movies`. `<base>-<20 digits>` is exact: another
        base's data collections end in `-<20 digits>` too, so the rest must equal our base, and
        pointers end in `-active`. Existing deployments' collections already have this shape.
        """
        return re.fullmatch(rf"{re.escape(self.base)}-[0-9]{{{STAMP_DIGITS}}}", name) is not None

    def _drop_quietly(self, name: str) -> None:
        try:
            self.client.delete_collection(name)
        except Exception:
            pass

    def _embed_into(self, collection: Any, items: list[Item], progress: Progress | None) -> None:
        """Embed and upsert in chunks; each upsert overlaps the next chunk's encoding."""
        total = len(items)
        if progress:
            progress(0, total, "embedding")
        chunk = min(EMBED_CHUNK, page_size(self.client))
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="chatrec-upsert") as writer:
            pending = None
            for start in range(0, total, chunk):
                batch = items[start : start + chunk]
                documents = [item.document() for item in batch]
                vectors = self.embedder.encode(documents)
                if pending is not None:
                    pending.result()  # surface a failed write before queueing the next one
                    if progress:
                        progress(start, total, "embedding")
                pending = writer.submit(
                    collection.upsert,
                    ids=[item.id for item in batch],
                    embeddings=vectors,
                    documents=documents,
                    metadatas=[item_metadata(item) for item in batch],
                )
            if pending is not None:
                pending.result()
                if progress:
                    progress(total, total, "embedding")
        if total > chunk:
            if release := getattr(self.embedder, "release_memory", None):
                release()  # an encoder that holds memory for long batches gives it back
            release_freed_memory()

    def vectors(self, ids: list[str]) -> np.ndarray:
        """Stored item vectors in the order of `ids` (an id named twice gets its row twice; Chroma
        refuses duplicates in one get); zero rows for ids not in the index."""
        collection = self._collection()
        unique = list(dict.fromkeys(ids))
        found = np.zeros((len(unique), 0), dtype=np.float32)
        position = {item_id: n for n, item_id in enumerate(unique)}
        size = page_size(self.client)
        for start in range(0, len(unique), size):
            page = collection.get(ids=unique[start : start + size], include=["embeddings"])
            if len(page["ids"]) == 0:
                continue
            vectors = np.asarray(page["embeddings"], dtype=np.float32)
            if found.shape[1] == 0:
                found = np.zeros((len(unique), vectors.shape[1]), dtype=np.float32)
            found[[position[i] for i in page["ids"]]] = vectors
        if len(unique) == len(ids):
            return found  # already in the order of `ids`: no second copy (154 MB at 100k items)
        return found[[position[i] for i in ids]]

    # --- search -----------------------------------------------------------------------

    def noise_floor(self) -> float:
        """What made-up words reach in the active collection (the 95th percentile of their
        best scores): what noise reaches in this catalog, its documents long or short, so a hit
        that counts as described by the words searched for must beat it. On the demo it is
        0.33; on ml-latest-small (short documents: titles, genres and tags) 0.45, where the
        demo's fixed 0.35 let most made-up words through ("zorblax" found *Zombeavers* at 0.38)
        and descriptions score 0.5–0.94 ("westerns" 0.51, "a heist film with a clever twist"
        0.9). Not the maximum: one lucky word set it at 0.57 and hid "westerns". Cached with
        the collection; seeded, so the same on every start. (Real words that describe nothing,
        a title the catalog lacks, come nearer than made-up ones on a large catalog: there the
        answer says first that it is not found.)"""
        active = self._active_state()
        if active is None:
            return 0.0
        if active.noise is None:
            collection = self._collection()
            vectors = self.embedder.encode(_made_up_words(NOISE_PROBES))
            best = [score for vector in vectors for _, score in self._query(collection, vector, 1)]
            active.noise = float(np.percentile(best, NOISE_PERCENTILE)) if best else 0.0
        return active.noise

    def search(self, query: str, k: int = 10, flt: SearchFilter | None = None) -> list[SearchHit]:
        """Items closest in meaning to `query` that pass `flt`, best first; items carrying a
        word or phrase of the query as a tag ("heist", "twist ending") rank higher."""
        vector = self.embedder.encode([query])[0]
        return self.search_vector(vector, k, flt, text=query)

    def search_vector(self, vector: np.ndarray, k: int = 10, flt: SearchFilter | None = None,
                      text: str | None = None) -> list[SearchHit]:
        """Nearest items to `vector` that pass `flt`; with `text`, fused with the lexical
        match of its words against the items' tags."""
        collection = self._collection()
        if k <= 0:
            return []
        flt = flt or SearchFilter()
        facets, lexical = self._tables() if text else (None, None)
        terms = lexical.terms(text) if lexical is not None and text else []
        if flt.is_empty():
            ranked = self._query(collection, vector, k)
            mask = None
        else:
            facets = facets or self._facets()
            mask = facets.mask(flt)
            matching = int(mask.sum())
            if matching == 0:
                return []
            ranked = self._filtered(collection, vector, k, facets, mask, matching, flt)
        if terms:
            assert facets is not None and lexical is not None
            ranked = self._fused(collection, vector, ranked, lexical.matches(text, mask), k, facets, mask)
        return self._hits(collection, ranked, lexical, terms)

    def _fused(self, collection: Any, vector: np.ndarray, ranked: list[tuple[str, float]], lexical: np.ndarray | None,
               k: int, facets: FacetTable, mask: np.ndarray | None) -> list[tuple[str, float]]:
        """Cosine + LEXICAL_WEIGHT x lexical match, over the vector top-k and the best lexical
        matches (which are scored against the query whatever their distance). An item that
        matches nothing and is not in the vector top-k cannot reach the fused top-k."""
        if lexical is None:
            return ranked
        if mask is not None:
            lexical = np.where(mask, lexical, 0.0)
        matched = np.flatnonzero(lexical > 0)
        take = min(len(matched), max(LEXICAL_CANDIDATES, 5 * k))
        best = matched[np.argpartition(-lexical[matched], take - 1)[:take]] if take else matched
        cosine = dict(ranked)
        missing = [facets.ids[i] for i in best if facets.ids[i] not in cosine]
        if missing:
            cosine.update(self._exact(collection, vector, len(missing), missing))
        position = facets.position
        fused = [(item_id, score + LEXICAL_WEIGHT * float(lexical[position[item_id]]) if item_id in position else score)
                 for item_id, score in cosine.items()]
        fused.sort(key=lambda pair: -pair[1])
        return fused[:k]

    def _query(self, collection: Any, vector: np.ndarray, n: int, where: dict | None = None) -> list[tuple[str, float]]:
        n = min(n, max(1, self._size()))
        result = collection.query(query_embeddings=[vector], n_results=n, where=where, include=["distances"])
        return [(i, 1.0 - float(d)) for i, d in zip(result["ids"][0], result["distances"][0])]

    def _filtered(
        self, collection: Any, vector: np.ndarray, k: int, facets: FacetTable,
        mask: np.ndarray, matching: int, flt: SearchFilter,
    ) -> list[tuple[str, float]]:
        """The cheapest of three plans for a filtered search.

        Over-fetch: ask HNSW for enough neighbours that ~2x the needed matches are expected
        among them, and drop the rest with the mask. Exact: score every matching item (its
        vector read costs ~4x a neighbour's, so only for selective filters). `where`: Chroma's
        own filter, slow at scale, for what is left (large k on a mid-selective filter).
        """
        vs = self.settings.vector_store
        total = len(facets)
        fetch = min(total, math.ceil(2 * k * total / matching) + k)
        exact_ok = matching <= vs.exact_scan_max
        if fetch <= vs.overfetch_max and not (exact_ok and EXACT_COST * matching < fetch):
            ranked = [
                (item_id, score)
                for item_id, score in self._query(collection, vector, fetch)
                if (pos := facets.position.get(item_id)) is not None and mask[pos]
            ]
            if len(ranked) >= k or fetch >= total:
                return ranked[:k]
        if exact_ok:
            return self._exact(collection, vector, k, [facets.ids[i] for i in np.flatnonzero(mask)])
        ranked = self._query(collection, vector, k + len(flt.exclude_ids) + 50, where=flt.to_where())
        return [
            (item_id, score) for item_id, score in ranked
            if (pos := facets.position.get(item_id)) is not None and mask[pos]
        ][:k]

    def _exact(self, collection: Any, vector: np.ndarray, k: int, ids: list[str]) -> list[tuple[str, float]]:
        scored: list[tuple[str, float]] = []
        size = page_size(self.client)
        for start in range(0, len(ids), size):
            page = collection.get(ids=ids[start : start + size], include=["embeddings"])
            vectors = np.asarray(page["embeddings"], dtype=np.float32)
            scores = vectors @ np.asarray(vector, dtype=np.float32)
            scored.extend(zip(page["ids"], scores.tolist()))
        scored.sort(key=lambda pair: -pair[1])
        return scored[:k]

    def _hits(self, collection: Any, ranked: list[tuple[str, float]], lexical: LexicalIndex | None = None,
              terms: list[str] | None = None) -> list[SearchHit]:
        if not ranked:
            return []
        page = collection.get(ids=[item_id for item_id, _ in ranked], include=["metadatas", "documents"])
        by_id = {item_id: (meta, doc) for item_id, meta, doc in zip(page["ids"], page["metadatas"], page["documents"])}
        hits = []
        for item_id, score in ranked:
            if item_id not in by_id:
                continue  # deleted between the query and the read
            meta, doc = by_id[item_id]
            tags = _split(meta.get("tags"))
            hits.append(
                SearchHit(
                    item_id=item_id,
                    title=meta.get("title", item_id),
                    year=meta.get("year"),
                    genres=tuple(g for g in (meta.get("genres") or "").split("|") if g),
                    tags=tags,
                    score=round(score, 4),
                    document=doc or "",
                    url=meta.get("url"),
                    matched=lexical.matched(tags, terms) if lexical is not None and terms else (),
                )
            )
        return hits


class _Undo:
    """What a sync changed, to put back: the rows an incremental sync overwrites or deletes
    (copied as they were), the ids it adds, the pointer before it, and a rebuild's collection."""

    def __init__(self, index: ItemIndex, pointer: dict[str, Any]):
        self.index = index
        self.pointer = pointer
        self.collection: Any = None
        self.rows: dict[str, list] = {"ids": [], "embeddings": [], "documents": [], "metadatas": []}
        self.added: list[str] = []
        self.built: str | None = None

    def remember(self, collection: Any, changing: list[str], adding: list[str]) -> None:
        """Copies the rows about to be overwritten or deleted, before anything is written."""
        self.collection, self.added = collection, adding
        size = page_size(self.index.client)
        for start in range(0, len(changing), size):
            page = collection.get(ids=changing[start : start + size], include=["embeddings", "documents", "metadatas"])
            for key in self.rows:
                self.rows[key] += list(page[key])

    def apply(self) -> None:
        index = self.index
        if self.collection is not None:
            size = page_size(index.client)
            for start in range(0, len(self.added), size):
                self.collection.delete(ids=self.added[start : start + size])
            for start in range(0, len(self.rows["ids"]), size):
                self.collection.upsert(**{key: values[start : start + size] for key, values in self.rows.items()})
        if index._read_pointer() != self.pointer:
            index._write_pointer(self.pointer)
        if self.built is not None:
            index._drop_quietly(self.built)
        index._active = None
        log.warning("The index sync was undone; the index is as it was before it.")

    def keep(self) -> None:
        if self.built is not None:
            self.index._remove_unused(keep=self.built)


def _split(tags: Any) -> tuple[str, ...]:
    """Tags as stored in an item's metadata ("a|b")."""
    return tuple(t for t in (tags or "").split("|") if t) if isinstance(tags, str) else ()
