"""Everything a chat front end needs, built once from Settings: catalog, index, history,
recommender, tools and the agent. The CLI, Slack and Discord all start from here."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from chatrec_agent.catalog import Catalog
from chatrec_agent.catalog.attributes import AttributeVocabulary
from chatrec_agent.catalog.load import load_catalog
from chatrec_agent.catalog.titles import TitleLinker
from chatrec_agent.conversation.agent import Agent
from chatrec_agent.conversation.llm import make_chat_model, needs_speaker_labels
from chatrec_agent.conversation.memory_store import open_memory
from chatrec_agent.conversation.tools import Services
from chatrec_agent.heap import release_freed_memory
from chatrec_agent.recommender.recommendations import Recommendations
from chatrec_agent.search.embeddings import Embedder
from chatrec_agent.search.index import ItemIndex, Progress, SyncReport
from chatrec_agent.settings import Settings
from chatrec_agent.store.backends import open_coordination, open_history, open_models
from chatrec_agent.store.coordination import Coordination, InProcessCoordination
from chatrec_agent.store.history import HistoryStore

log = logging.getLogger(__name__)


def catalog_generation(catalog: Catalog) -> str:
    """What a replica must load to answer like the one that reindexed: a digest of every
    item's content (in file order) and of the interactions. It depends on the catalog alone
    (no clock, no counter), so a replica can check that the file it loaded is the one that
    was published, and costs one hash per item, as an index sync does anyway."""
    digest = hashlib.blake2b(digest_size=16)
    for item_id, item in catalog.items.items():
        digest.update(f"{item_id}\t{item.content_hash()}\n".encode())
    digest.update(HistoryStore.fingerprint(catalog.interactions).encode())
    return digest.hexdigest()


@contextmanager
def _startup_slot(coordination: Coordination, sync: bool, wait_s: float = 1.0) -> Iterator[None]:
    """Where replicas share the index and models, a starting replica syncs and fits in the
    reindex slot: replicas starting together take turns (the later ones find the index in
    sync and the model fitted), and none syncs while another reindexes."""
    if not (sync and coordination.shared):
        yield
        return
    waited = 0.0
    while not coordination.reindex_lock.try_acquire():
        if waited % 30 == 0:
            log.info("Another replica is reindexing or starting; waiting for it before syncing the shared index")
        time.sleep(wait_s)
        waited += wait_s
    try:
        yield
    finally:
        coordination.reindex_lock.release()


@dataclass
class Runtime:
    settings: Settings
    catalog: Catalog
    index: ItemIndex
    history: HistoryStore
    recommendations: Recommendations
    agent: Agent
    sync_report: SyncReport | None = None
    # Seen events, rate limits and the reindex slot: shared by every replica on postgres.
    coordination: Coordination = field(default_factory=InProcessCoordination, repr=False)
    # The catalog_generation this replica answers from; None until start() sets it.
    served_generation: str | None = None
    # Held while a new catalog is built and swapped in, by a reindex or by following one.
    _swap_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _followed: str | None = field(default=None, repr=False)  # the last published generation handled
    _follower: threading.Thread | None = field(default=None, repr=False)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    # Swapped-out recommenders whose rating-model fit may still run (the new one loads it).
    _retired: list[Recommendations] = field(default_factory=list, repr=False)

    @classmethod
    def start(cls, settings: Settings, sync: bool = True, progress: Progress | None = None,
              embedder: Embedder | None = None) -> Runtime:
        catalog = load_catalog(settings.catalog)
        index = ItemIndex(settings, embedder or Embedder(settings.embeddings))
        index.embedder.load()  # now, so the first person to ask does not wait for it
        history = open_history(settings.storage)
        coordination = open_coordination(settings.storage)
        recommendations = Recommendations(settings, catalog, history, index, models=open_models(settings.storage))
        with _startup_slot(coordination, sync):
            report = index.sync(catalog, progress=progress) if sync else None
            if recommendations.refresh():
                release_freed_memory()  # before the rating model's fit and the planner's tables grow beside it
            generation = catalog_generation(catalog)
            if sync and coordination.shared and coordination.generation() != generation:
                # Started on another catalog than the others serve (a new file, a new
                # deployment): it is in the shared index now, so the others follow it.
                coordination.publish_generation(generation)
        recommendations.warm_rating_model()
        index.warm()
        titles = TitleLinker(catalog)
        attributes = AttributeVocabulary(catalog, index.embedder.vocabulary())
        services = Services(catalog, index, recommendations, history, titles, attributes)
        model = make_chat_model(settings.llm, catalog, titles, attributes, index.embedder.encode,
                                cache_dir=settings.storage.dir)
        meaning = getattr(getattr(model, "parser", None), "meaning", None)
        if meaning is not None:
            meaning.vectors  # noqa: B018 - encode the labelled examples now, not in someone's turn
        retries = settings.llm.max_retries if settings.llm.provider != "offline" else 0
        # Slack and Discord may serve from one process, each with its own turn workers.
        memory = open_memory(settings.storage, concurrent_turns=2 * settings.bot.turn_workers + 2)
        agent = Agent(services, model, memory, settings.memory.window_messages, retries,
                      settings.memory.retention_days, speaker_labels=needs_speaker_labels(settings.llm),
                      window_tokens=settings.memory.window_tokens, language_model=settings.llm.provider != "offline",
                      stream_timeout_s=settings.llm.timeout_s)
        return cls(settings, catalog, index, history, recommendations, agent, report, coordination, generation)

    def close(self) -> None:
        """Stop following and any background fit, then close every connection (memory,
        history, models, coordination); a reindex slot this replica holds is given back."""
        self.stop_following()
        for recommendations in (*self._retired, self.recommendations):
            recommendations.stop_fitting()  # before the stores it saves into are closed
        self.agent.close()
        for part in (self.recommendations.models, self.coordination, self.history):
            part.close()

    def health(self) -> dict[str, str]:
        """Each part a replica needs to answer: "ok", or what is wrong. For /healthz."""
        checks: dict[str, str] = {}
        for name, probe in (("index", self._index_ready), ("model", self._model_ready), ("store", self._store_ready)):
            try:
                checks[name] = probe()
            except Exception as exc:  # a probe that fails is the answer, not a crash
                # Only its kind goes out (the text may hold a DSN or a path); the log has the rest.
                log.warning("health check %r failed: %s", name, exc, exc_info=True)
                checks[name] = f"failing ({exc.__class__.__name__}; see the log)"
        return checks

    def _index_ready(self) -> str:
        items = self.index.status().get("items", 0)
        return "ok" if items else "the index is empty"

    def _model_ready(self) -> str:
        return "ok" if self.recommendations.fitted else "the recommender is not fitted yet"

    def _store_ready(self) -> str:
        self.history.get_meta("interactions_fingerprint")  # a round trip to the store
        return "ok"

    @property
    def reindexing(self) -> bool:
        """Whether a reindex runs here or, on postgres, on any replica."""
        return self.coordination.reindex_lock.held

    def reserve_reindex(self) -> bool:
        """Claim the one reindex slot now (False if taken), for a `reindex(reserved=True)` to
        come: a chat command refuses a second reindex at once, not when its thread starts.
        On postgres the slot is one for all replicas."""
        return self.coordination.reindex_lock.try_acquire()

    def release_reindex(self) -> None:
        """Give back a slot `reserve_reindex` claimed for a reindex that will not run after all."""
        self.coordination.reindex_lock.release()

    def reindex(self, full: bool = False, progress: Progress | None = None, reserved: bool = False) -> SyncReport:
        """Reload the catalog, sync the index, refit if needed, then swap the new catalog in
        and publish its generation, so that the other replicas (on postgres) follow.

        Until the swap, everything keeps answering from the old catalog and index; if any
        step fails, nothing is swapped and the index sync is undone (a full rebuild's pointer
        goes back to the old collection, an incremental sync's rows are restored).
        """
        from chatrec_agent.errors import VectorIndexError

        if not reserved and not self.reserve_reindex():
            raise VectorIndexError("A reindex is already running; wait for it to finish.")
        try:
            with self._swap_lock:  # waits for a catch_up in flight: this swap must come last
                catalog = load_catalog(self.settings.catalog)
                # Both switch or neither: a refit that fails undoes the index sync.
                with self.index.syncing(catalog, full=full, progress=progress) as report:
                    generation = self._serve(catalog)
                self._followed = generation  # ours: nothing to follow when the poll sees it
            # Published after the shared index is synced, so a follower finds it ready.
            self.coordination.publish_generation(generation)
            return report
        finally:
            self.release_reindex()

    def _serve(self, catalog: Catalog) -> str:
        """Build everything that answers from `catalog` (recommender and rating model fitted,
        titles, attributes, planner), then swap it in; its generation. Call under _swap_lock.
        The index is not touched: the caller synced it, or another replica did."""
        recommendations = Recommendations(self.settings, catalog, self.history, self.index,
                                          models=self.recommendations.models)
        recommendations.refresh(previous=self.recommendations)
        if not recommendations.take_rating_model_from(self.recommendations):
            recommendations.rating_model  # noqa: B018 - new data: fitted before the swap, like the recommender
        titles = TitleLinker(catalog)
        attributes = AttributeVocabulary(catalog, self.index.embedder.vocabulary())
        planner = getattr(self.agent, "model", None)
        parser = None
        if hasattr(planner, "parser"):
            from chatrec_agent.conversation.planner.model import OfflinePlanner

            parser = OfflinePlanner.for_catalog(catalog, titles, attributes, self.index.embedder.encode,
                                                cache_dir=self.settings.storage.dir).parser
        generation = catalog_generation(catalog)
        # The generation goes first: whoever sees the new catalog also sees its generation.
        self.served_generation = generation
        services = self.agent.services
        services.catalog, services.titles, services.recommendations = catalog, titles, recommendations
        services.attributes = attributes
        if self.recommendations.rating_model_pending:
            self._retired.append(self.recommendations)
        self._retired = [r for r in self._retired if r.rating_model_pending]
        self.catalog, self.recommendations = catalog, recommendations
        if parser is not None:
            planner.parser = parser
        return generation

    # --- following other replicas' reindexes ---------------------------------------------

    def follow(self, interval_s: float | None = None) -> threading.Thread | None:
        """Poll the shared catalog generation every `interval_s` (storage.poll_s) on a daemon
        thread and catch up when another replica reindexed. Only where coordination is shared
        (postgres): one process has no one else to follow. None when not following."""
        if not self.coordination.shared:
            return None
        if self._follower is None:
            interval = self.settings.storage.poll_s if interval_s is None else interval_s
            self._stop.clear()
            self._follower = threading.Thread(target=self._follow_loop, args=(interval,),
                                              name="chatrec-follow", daemon=True)
            self._follower.start()
        return self._follower

    def stop_following(self) -> None:
        self._stop.set()
        if self._follower is not None:
            self._follower.join()
            self._follower = None

    def _follow_loop(self, interval_s: float) -> None:
        while not self._stop.wait(interval_s):
            try:
                self.catch_up()
            except Exception:  # the old catalog keeps serving; the next poll tries again
                log.exception("Could not load the catalog another replica published; retrying in %g s", interval_s)

    def catch_up(self) -> bool:
        """Serve the catalog generation another replica published, if it is not this one's:
        load the catalog and swap it in as reindex does, without syncing the shared index
        (the publisher did) or taking the reindex slot. True when something was swapped in."""
        published = self.coordination.generation()
        if published is None or published in (self.served_generation, self._followed):
            return False
        if not self._swap_lock.acquire(blocking=False):
            return False  # a reindex here is swapping; it publishes its own generation
        try:
            catalog = load_catalog(self.settings.catalog)
            loaded = catalog_generation(catalog)
            if loaded != published:
                # Replicas must read the same catalog; loading it again every poll would not help.
                log.warning("The catalog at %s is not the one another replica published (%s, not %s); "
                            "serving it anyway", self.settings.catalog.path, loaded, published)
            self._followed = published
            if loaded == self.served_generation:
                return False
            self.index.refresh()  # see the publisher's collection now, not within POINTER_TTL_S
            self._serve(catalog)
            log.info("Now serving catalog generation %s, published by another replica", loaded)
            return True
        finally:
            self._swap_lock.release()
