"""The offline planner: a LangChain chat model that needs no network and no weights.

It reads the conversation like an LLM would and answers in two steps: on a user message it
emits tool calls (or a direct answer for greetings, help and refusals); once the tool
results are back it writes the reply from them alone.
"""

from __future__ import annotations

import uuid
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import ConfigDict

from chatrec_agent.catalog import Catalog
from chatrec_agent.catalog.titles import TitleLinker
from chatrec_agent.conversation.planner.compose import compose
from chatrec_agent.conversation.planner.intents import IntentParser
from chatrec_agent.conversation.planner.lexicon import GenreLexicon
from chatrec_agent.conversation.planner.memory import current_turn, latest_human, recall


class OfflinePlanner(BaseChatModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    parser: Any

    @classmethod
    def for_catalog(cls, catalog: Catalog, titles: TitleLinker | None = None) -> OfflinePlanner:
        years = [item.year for item in catalog.items.values() if item.year]
        parser = IntentParser(GenreLexicon(catalog.genres), titles or TitleLinker(catalog), max(years, default=2024),
                              tags=set(catalog.tag_index))
        return cls(parser=parser)

    @property
    def _llm_type(self) -> str:
        return "chatrec-offline-planner"

    def bind_tools(self, tools, **kwargs) -> OfflinePlanner:
        return self  # it knows chatrec's tools by name; the schemas are for real LLMs

    def _generate(self, messages: list[BaseMessage], stop=None, run_manager=None, **kwargs) -> ChatResult:
        turn = current_turn(messages)
        tool_results = [m for m in turn if isinstance(m, ToolMessage)]
        if tool_results:
            message = AIMessage(content=compose(tool_results))
        else:
            history = messages[:-1]
            plan = self.parser.plan(latest_human(messages), recall(history))
            if plan.answer is not None:
                message = AIMessage(content=plan.answer)
            else:
                calls = [{"name": c["name"], "args": c["args"], "id": f"call_{uuid.uuid4().hex[:12]}", "type": "tool_call"}
                         for c in plan.tool_calls]
                message = AIMessage(content="", tool_calls=calls)
        return ChatResult(generations=[ChatGeneration(message=message)])

