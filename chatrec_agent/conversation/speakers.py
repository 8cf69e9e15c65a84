"""Shared conversations: who said what, and what the model may see of other people's turns.

A channel or thread is one conversation with one memory, so person B's turn follows the
lists shown and the wishes said before it. But the personal part of the tool results of
person A's turns (A's history, ratings, predicted stars, explanations from A's ratings) is
A's: in B's turn the model sees those results reduced to their shared part. Each human
message carries its speaker as the message's `name`.
"""

from __future__ import annotations

import re

from langchain_core.messages import BaseMessage, HumanMessage, ToolMessage

from chatrec_agent.conversation.tool_names import GROUP_TOOLS, ToolName
from chatrec_agent.conversation.tool_results import tool_output, tool_result

WITHHELD = "another person's turn: their history, ratings and explanations are not shown"
_CARD = ("id", "title", "year", "genres")
# The parts of a tool result that are the conversation's, not the person's.
_SHARED = ("tool", "match", "like", "seeds", "unknown", "suggestions", "filters", "record", "check", "asked",
           "unknown_fields", "error")


def speaker_label(speaker: str) -> str:
    """A message name every provider accepts (OpenAI allows [A-Za-z0-9_-], 64 characters)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", speaker)[:64] or "unknown"


def _card(item: dict) -> dict:
    return {k: item[k] for k in _CARD if k in item}


def shared_part(payload: dict) -> dict:
    """A tool result as another person may see it: the items shown (as plain cards), the
    filters and wishes, the catalog record; never the person's own evidence."""
    if payload.get("tool") == ToolName.USER_HISTORY:
        return {"tool": ToolName.USER_HISTORY, "withheld": WITHHELD}
    if payload.get("tool") in GROUP_TOOLS:
        # A group's answer is everyone's: its explanations speak of the group and name a
        # member's own ratings only with their consent, so all of it stays in every view.
        return payload
    out = {k: payload[k] for k in _SHARED if k in payload}
    if isinstance(payload.get("items"), list):
        out["items"] = [_card(i) for i in payload["items"] if isinstance(i, dict)]
    if isinstance(payload.get("item"), dict):
        out["item"] = _card(payload["item"])
    out["withheld"] = WITHHELD
    return out


def scoped(messages: list[BaseMessage], speaker: str) -> list[BaseMessage]:
    """The conversation as the model may see it in `speaker`'s turn: tool results of other
    speakers' turns (and of turns whose speaker is unknown) keep only their shared part, in
    the text the model reads and in the result our code reads alike."""
    label = speaker_label(speaker)
    turn_speaker: str | None = None
    out: list[BaseMessage] = []
    for message in messages:
        if isinstance(message, HumanMessage):
            turn_speaker = message.name
        elif isinstance(message, ToolMessage) and turn_speaker != label:
            payload = tool_result(message)
            content, artifact = tool_output(shared_part(payload) if payload else {"withheld": WITHHELD})
            message = message.model_copy(update={"content": content, "artifact": artifact})
        out.append(message)
    return out
