"""Everything a chat front end needs, built once from Settings: catalog, index, history,
recommender, tools and the agent. The CLI, Slack and Discord all start from here."""

from __future__ import annotations

from dataclasses import dataclass

from chatrec_agent.agent import Agent
from chatrec_agent.catalog import Catalog
from chatrec_agent.embeddings import Embedder
from chatrec_agent.history import HistoryStore
from chatrec_agent.index import ItemIndex, Progress, SyncReport
from chatrec_agent.llm import make_chat_model
from chatrec_agent.loaders import load_catalog
from chatrec_agent.recommendations import Recommendations
from chatrec_agent.settings import Settings
from chatrec_agent.titles import TitleLinker
from chatrec_agent.tools import Services


@dataclass
class Runtime:
    settings: Settings
    catalog: Catalog
    index: ItemIndex
    history: HistoryStore
    recommendations: Recommendations
    agent: Agent
    sync_report: SyncReport | None = None

    @classmethod
    def start(cls, settings: Settings, sync: bool = True, progress: Progress | None = None,
              embedder: Embedder | None = None) -> Runtime:
        catalog = load_catalog(settings.catalog)
        index = ItemIndex(settings, embedder or Embedder(settings.embeddings))
        index.embedder.model  # load now, so the first person to ask does not wait for it
        report = index.sync(catalog, progress=progress) if sync else None
        history = HistoryStore.open(settings.storage.dir)
        recommendations = Recommendations(settings, catalog, history, index)
        recommendations.refresh()
        titles = TitleLinker(catalog)
        services = Services(catalog, index, recommendations, history, titles)
        model = make_chat_model(settings.llm, catalog, titles)
        agent = Agent(services, model, settings.storage.dir, settings.memory.window_messages)
        return cls(settings, catalog, index, history, recommendations, agent, report)
