"""What the planner remembers of a conversation, read back from its messages.

The conversation itself (in the LangGraph checkpointer) is the only memory: the items shown
and the arguments of the last recommendation are recovered from earlier tool calls and
tool results (their plain-data artifacts), as an LLM would read them from its context.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from chatrec_agent.conversation.tool_names import ITEM_TOOLS, LIST_TOOLS, ToolName
from chatrec_agent.conversation.tool_results import tool_result

# What a group's list shares with a personal one: a follow-up keeps these ("something older").
REQUEST_ARGS = ("wish", "like", "genres", "any_genres", "exclude_genres", "year_from", "year_to", "attributes", "k")


@dataclass
class Recall:
    last_shown: list[dict] = field(default_factory=list)  # item cards of the latest list, in order
    shown_ids: list[str] = field(default_factory=list)  # every item shown in this conversation
    last_recommend: dict | None = None  # args of the latest recommend call
    last_item: dict | None = None  # the latest single item talked about (explained, rated, found)
    list_tool: str | None = None  # the tool that made the latest list ("recommend_for_group": a group's)
    last_group: dict | None = None  # args of the latest recommend_for_group call
    group_names: list[str] = field(default_factory=list)  # its members' names
    # The planner's last answer asked "do you mean the film X?" ({item, span, text}): a "yes" confirms.
    pending: dict | None = None
    said: list[str] = field(default_factory=list)  # what the people said, oldest first
    # The films this message's earlier sentences spoke of ("I loved Alien and Aliens. More like
    # those?"): what a plural pronoun points at. Never recalled from history.
    spoken_of: list[str] = field(default_factory=list)
    liked_of: list[str] = field(default_factory=list)  # of those, the ones said to be liked
    told: list[str] = field(default_factory=list)  # the latest list's items they have given feedback on

    def seeds_for(self, item_id: str) -> list[str]:
        """What "something like that" seeds where the film in hand is one this message just spoke
        of: the films it says were liked ("saw Heat and loved Fargo": Fargo; "loved Heat and
        Fargo": both); else that film."""
        liked = list(dict.fromkeys(self.liked_of))
        return liked if item_id in self.spoken_of and liked else [item_id]


def recall(messages: list[BaseMessage]) -> Recall:
    state = Recall()
    calls: dict[str, dict] = {}
    for message in messages:
        if isinstance(message, AIMessage):
            for call in message.tool_calls:
                calls[call["id"]] = call
            if message.additional_kwargs.get("reset"):
                state = Recall()  # "start over": nothing before this counts
                continue
            state.pending = None if message.tool_calls else message.additional_kwargs.get("confirm")
        elif isinstance(message, HumanMessage):
            state.said.append(str(message.content))
        elif isinstance(message, ToolMessage):
            payload = tool_result(message)
            name = payload.get("tool") or message.name
            call = calls.get(message.tool_call_id, {})
            if name in LIST_TOOLS and payload.get("items"):
                state.list_tool = name
                state.last_shown = payload["items"]
                state.told = []
                if name != ToolName.WATCHLIST:  # their list is no picks
                    state.shown_ids = list(dict.fromkeys([*state.shown_ids, *(card["id"] for card in payload["items"])]))
                if len(payload["items"]) == 1:
                    state.last_item = payload["items"][0]
            if name == ToolName.RECOMMEND and call:
                args = dict(call.get("args", {}))
                # Keep only the titles the tool understood, as ids, for follow-ups.
                args["like"] = [card["id"] for card in payload.get("like", [])]
                state.last_recommend = args
            if name == ToolName.RECOMMEND_FOR_GROUP and call and payload.get("items"):
                state.last_group = dict(call.get("args", {}))
                state.group_names = [m.get("name", "") for m in payload.get("members", [])]
                state.last_recommend = {k: v for k, v in state.last_group.items() if k in (*REQUEST_ARGS, "exclude")}
                state.last_recommend["like"] = [card["id"] for card in payload.get("like", [])]
            if name == ToolName.RECORD_FEEDBACK and call.get("args", {}).get("item"):
                state.told.append(call["args"]["item"])
            if name in ITEM_TOOLS and payload.get("item"):
                state.last_item = payload["item"]
    return state


def current_turn(messages: list[BaseMessage]) -> list[BaseMessage]:
    """The messages after the latest human message."""
    n = next((n for n in range(len(messages) - 1, -1, -1) if isinstance(messages[n], HumanMessage)), None)
    return list(messages) if n is None else messages[n + 1 :]


def latest_human(messages: list[BaseMessage]) -> str:
    """The latest human message's text; the people it mentions ("@Ben Okafor", as the adapter
    wrote their names) as one-word "@member1" tokens, so a name never runs into the request."""
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            text = message.content if isinstance(message.content, str) else str(message.content)
            names = message.additional_kwargs.get("mentioned") or []
            for n, name in sorted(enumerate(names), key=lambda pair: -len(pair[1])):
                if isinstance(name, str) and name:
                    text = text.replace(f"@{name}", f"@member{n + 1}")
            return text
    return ""
