"""The offline planner: a LangChain chat model that needs no network and no weights.

It reads the conversation like an LLM would and answers in two steps: on a user message it
emits tool calls (or a direct answer for greetings, help and refusals); once the tool
results are back it writes the reply from them alone.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import ConfigDict

from chatrec_agent.catalog import Catalog
from chatrec_agent.catalog.attributes import AttributeVocabulary
from chatrec_agent.catalog.mentions import MentionLinker
from chatrec_agent.catalog.titles import TitleLinker
from chatrec_agent.conversation.planner.compose import compose
from chatrec_agent.conversation.planner.intents import IntentParser
from chatrec_agent.conversation.planner.lexicon import GENERIC, GenreLexicon
from chatrec_agent.conversation.planner.meaning import MeaningClassifier
from chatrec_agent.conversation.planner.memory import current_turn, latest_human, recall
from chatrec_agent.conversation.planner.replies import Replies


def planner_vocabulary(catalog: Catalog) -> set[str]:
    """The words the planner reads as genres, moods and tags: a title made only of them
    ("Drama", "Horror") is more likely the genre than the film. The hand seed's words only:
    a tag the catalog teaches as a genre word ("alien", "space") is also a famous title."""
    lexicon = GenreLexicon(catalog.genres, catalog.tag_index)
    # "movie"/"film" make no title of a genre phrase either ("scary movies" is no *Scary Movie*).
    return lexicon.words() | GENERIC | {"story", "stories"}


class OfflinePlanner(BaseChatModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    parser: Any

    @classmethod
    def for_catalog(cls, catalog: Catalog, titles: TitleLinker | None = None,
                    attributes: AttributeVocabulary | None = None,
                    encode: Callable[[list[str]], np.ndarray] | None = None,
                    cache_dir: Path | None = None) -> OfflinePlanner:
        """`encode`: the sentence encoder (the index's), for intents by meaning and for the
        genre words the catalog's tags teach; without it the planner reads by its rules and
        word lists alone. `cache_dir`: where what was learned of a catalog is kept for the
        next start (storage.dir)."""
        years = [item.year for item in catalog.items.values() if item.year]
        lexicon = GenreLexicon.for_catalog(catalog, encode, cache_dir=cache_dir)
        vocabulary = AttributeVocabulary(catalog) if attributes is None else attributes
        parser = IntentParser(lexicon, titles or TitleLinker(catalog), MentionLinker(catalog, planner_vocabulary(catalog)),
                              max(years, default=2024), tags=set(catalog.tag_index),
                              attributes=vocabulary,
                              meaning=MeaningClassifier(encode) if encode is not None else None,
                              replies=Replies.for_catalog(catalog), verb=catalog.words.verb)
        return cls(parser=parser)

    @property
    def _llm_type(self) -> str:
        return "chatrec-offline-planner"

    def bind_tools(self, tools, **kwargs) -> OfflinePlanner:
        return self  # it knows chatrec's tools by name; the schemas are for real LLMs

    def _generate(self, messages: list[BaseMessage], stop=None, run_manager=None, **kwargs) -> ChatResult:
        turn = current_turn(messages)
        tool_results = [m for m in turn if isinstance(m, ToolMessage)]
        # Planning is deterministic, so each step re-plans the message and takes the next
        # step not yet made ("record the dislike" before "show me others").
        before_turn = messages[: len(messages) - len(turn) - 1]
        plan = self.parser.plan(latest_human(messages), recall(before_turn))
        steps = plan.steps()
        made = sum(1 for m in turn if isinstance(m, AIMessage) and m.tool_calls)
        if plan.answer is not None and not tool_results:
            marks = {"confirm": plan.confirm} if plan.confirm else {"reset": True} if plan.reset else {}
            message = AIMessage(content=plan.answer, additional_kwargs=marks)
        elif made < len(steps):
            calls = [{"name": c["name"], "args": c["args"], "id": f"call_{uuid.uuid4().hex[:12]}", "type": "tool_call"}
                     for c in steps[made]]
            message = AIMessage(content="", tool_calls=calls)
        elif plan.confirm and plan.confirm.get("also"):  # the answer, then "did you also mean …?"
            message = AIMessage(content=f"{compose(tool_results, self.parser.had)}\n{plan.confirm['also']}", additional_kwargs={"confirm": plan.confirm})
        else:
            message = AIMessage(content=compose(tool_results, self.parser.had))
        return ChatResult(generations=[ChatGeneration(message=message)])

