"""Everything a chat front end needs, built once from Settings: catalog, index, history,
recommender, tools and the agent. The CLI, Slack and Discord all start from here."""

from __future__ import annotations

from dataclasses import dataclass, field

from chatrec_agent.catalog import Catalog
from chatrec_agent.catalog.attributes import AttributeVocabulary
from chatrec_agent.catalog.load import load_catalog
from chatrec_agent.catalog.titles import TitleLinker
from chatrec_agent.conversation.agent import Agent
from chatrec_agent.conversation.llm import make_chat_model
from chatrec_agent.conversation.memory_store import open_memory
from chatrec_agent.conversation.tools import Services
from chatrec_agent.recommender.recommendations import Recommendations
from chatrec_agent.search.embeddings import Embedder
from chatrec_agent.search.index import ItemIndex, Progress, SyncReport
from chatrec_agent.settings import Settings
from chatrec_agent.store.backends import open_coordination, open_history
from chatrec_agent.store.coordination import Coordination, InProcessCoordination
from chatrec_agent.store.history import HistoryStore


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

    @classmethod
    def start(cls, settings: Settings, sync: bool = True, progress: Progress | None = None,
              embedder: Embedder | None = None) -> Runtime:
        catalog = load_catalog(settings.catalog)
        index = ItemIndex(settings, embedder or Embedder(settings.embeddings))
        index.embedder.model  # load now, so the first person to ask does not wait for it
        report = index.sync(catalog, progress=progress) if sync else None
        history = open_history(settings.storage)
        coordination = open_coordination(settings.storage)
        recommendations = Recommendations(settings, catalog, history, index)
        recommendations.refresh()
        recommendations.warm_rating_model()
        titles = TitleLinker(catalog)
        attributes = AttributeVocabulary(catalog, index.embedder.vocabulary())
        services = Services(catalog, index, recommendations, history, titles, attributes)
        model = make_chat_model(settings.llm, catalog, titles, attributes, index.embedder.encode)
        meaning = getattr(getattr(model, "parser", None), "meaning", None)
        if meaning is not None:
            meaning.vectors  # noqa: B018 - encode the labelled examples now, not in someone's turn
        retries = settings.llm.max_retries if settings.llm.provider != "offline" else 0
        # Slack and Discord may serve from one process, each with its own turn workers.
        memory = open_memory(settings.storage, concurrent_turns=2 * settings.bot.turn_workers + 2)
        agent = Agent(services, model, memory, settings.memory.window_messages, retries,
                      settings.memory.retention_days)
        return cls(settings, catalog, index, history, recommendations, agent, report, coordination)

    def health(self) -> dict[str, str]:
        """Each part a replica needs to answer: "ok", or what is wrong. For /healthz."""
        checks: dict[str, str] = {}
        for name, probe in (("index", self._index_ready), ("model", self._model_ready), ("store", self._store_ready)):
            try:
                checks[name] = probe()
            except Exception as exc:  # a probe that fails is the answer, not a crash
                checks[name] = f"{exc.__class__.__name__}: {exc}"
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
        """Reload the catalog, sync the index, refit if needed, then swap the new catalog in.

        Until the swap, everything keeps answering from the old catalog and index; if any
        step fails, nothing is swapped (and a full rebuild leaves the old collection active).
        """
        from chatrec_agent.errors import VectorIndexError

        if not reserved and not self.reserve_reindex():
            raise VectorIndexError("A reindex is already running; wait for it to finish.")
        try:
            catalog = load_catalog(self.settings.catalog)
            report = self.index.sync(catalog, full=full, progress=progress)
            recommendations = Recommendations(self.settings, catalog, self.history, self.index)
            recommendations.refresh()
            recommendations.rating_model  # noqa: B018 - fitted before the swap, like the recommender
            titles = TitleLinker(catalog)
            attributes = AttributeVocabulary(catalog, self.index.embedder.vocabulary())
            services = self.agent.services
            services.catalog, services.titles, services.recommendations = catalog, titles, recommendations
            services.attributes = attributes
            self.catalog, self.recommendations = catalog, recommendations
            planner = getattr(self.agent, "model", None)
            if hasattr(planner, "parser"):
                from chatrec_agent.conversation.planner.model import OfflinePlanner

                planner.parser = OfflinePlanner.for_catalog(catalog, titles, attributes, self.index.embedder.encode).parser
            return report
        finally:
            self.release_reindex()
