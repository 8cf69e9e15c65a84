"""What the planner remembers of a conversation, read back from its messages.

The conversation itself (in the LangGraph checkpointer) is the only memory: the items shown
and the arguments of the last recommendation are recovered from earlier tool calls and
tool results, exactly as an LLM would read them from its context.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

LIST_TOOLS = ("recommend", "similar_items", "search_catalog")


@dataclass
class Recall:
    last_shown: list[dict] = field(default_factory=list)  # item cards of the latest list, in order
    shown_ids: list[str] = field(default_factory=list)  # every item shown in this conversation
    last_recommend: dict | None = None  # args of the latest recommend call
    last_item: dict | None = None  # the latest single item talked about (explained, rated, found)


def tool_payload(message: ToolMessage) -> dict:
    try:
        payload = json.loads(message.content if isinstance(message.content, str) else "")
    except (json.JSONDecodeError, TypeError):
        return {}
    return payload if isinstance(payload, dict) else {}


def recall(messages: list[BaseMessage]) -> Recall:
    state = Recall()
    calls: dict[str, dict] = {}
    for message in messages:
        if isinstance(message, AIMessage):
            for call in message.tool_calls:
                calls[call["id"]] = call
        elif isinstance(message, ToolMessage):
            payload = tool_payload(message)
            name = payload.get("tool") or message.name
            call = calls.get(message.tool_call_id, {})
            if name in LIST_TOOLS and payload.get("items"):
                state.last_shown = payload["items"]
                for card in payload["items"]:
                    if card["id"] not in state.shown_ids:
                        state.shown_ids.append(card["id"])
                if len(payload["items"]) == 1:
                    state.last_item = payload["items"][0]
            if name == "recommend" and call:
                args = dict(call.get("args", {}))
                # Keep only the titles the tool understood, as ids, for follow-ups.
                args["like"] = [card["id"] for card in payload.get("like", [])]
                state.last_recommend = args
            if name in ("explain", "record_feedback", "item_details") and payload.get("item"):
                state.last_item = payload["item"]
    return state


def current_turn(messages: list[BaseMessage]) -> list[BaseMessage]:
    """The messages after the latest human message."""
    for n in range(len(messages) - 1, -1, -1):
        if isinstance(messages[n], HumanMessage):
            return messages[n + 1 :]
    return list(messages)


def latest_human(messages: list[BaseMessage]) -> str:
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            return message.content if isinstance(message.content, str) else str(message.content)
    return ""
