"""The agent's tool names: one set, read by the tools, the planner, the agent and the group code."""

from __future__ import annotations

from enum import StrEnum


class ToolName(StrEnum):
    RECOMMEND = "recommend"
    SEARCH_CATALOG = "search_catalog"
    SIMILAR_ITEMS = "similar_items"
    USER_HISTORY = "user_history"
    EXPLAIN = "explain"
    ITEM_DETAILS = "item_details"
    RECORD_FEEDBACK = "record_feedback"
    RECOMMEND_FOR_GROUP = "recommend_for_group"
    EXPLAIN_FOR_GROUP = "explain_for_group"
    WATCHLIST = "watchlist"


# The tools whose result is a list of items shown to the person.
LIST_TOOLS = frozenset({ToolName.RECOMMEND, ToolName.SIMILAR_ITEMS, ToolName.SEARCH_CATALOG,
                        ToolName.RECOMMEND_FOR_GROUP, ToolName.WATCHLIST})
# The tools whose result is about one item ("why this one", its details, feedback on it).
ITEM_TOOLS = frozenset({ToolName.EXPLAIN, ToolName.EXPLAIN_FOR_GROUP, ToolName.RECORD_FEEDBACK,
                        ToolName.ITEM_DETAILS, ToolName.WATCHLIST})
# The group's tools: their results speak of the group, so every member may see them whole.
GROUP_TOOLS = frozenset({ToolName.RECOMMEND_FOR_GROUP, ToolName.EXPLAIN_FOR_GROUP})
