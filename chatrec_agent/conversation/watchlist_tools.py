"""The watchlist tool: a person's own list of films saved to watch later.

Saved by the card's Save button (bot/core.py) or in words ("add the second one to my list"),
shown on request, left by a film once it is watched or judged (store/history.py). Each
person's list is theirs: a turn reads and writes the speaker's list only, and in a channel
the list is shown only to a person who shares their taste, like their ratings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from langchain.tools import ToolRuntime, tool
from pydantic import BaseModel, Field

from chatrec_agent.catalog import Item
from chatrec_agent.conversation.tool_names import ToolName
from chatrec_agent.conversation.tool_results import tool_output
from chatrec_agent.conversation.tools import RESULT, ChatContext, Services, item_card


SHOWN = 20  # films of the list shown at once (a list has no cap; the rest are counted)


class WatchlistArgs(BaseModel):
    action: Literal["show", "add", "remove"] = Field(default="show", description=(
        "'show' the user's list, 'add' an item to it ('save it for later'), 'remove' one from it."))
    item: str | None = Field(default=None, description="A title or id from the catalog, for 'add' and 'remove'.")


def build_watchlist_tool(s: Services, resolve: Callable[..., tuple[list[Item], list[dict]]]):
    @tool(ToolName.WATCHLIST, response_format=RESULT, args_schema=WatchlistArgs)
    def watchlist(runtime: ToolRuntime[ChatContext], action: str = "show", item: str | None = None) -> tuple[str, dict]:
        """The current user's watchlist of films saved for later: show it, add an item, or
        remove one. A film they watch or rate leaves the list by itself."""
        user = runtime.context.user_id
        if action in ("add", "remove"):
            found, unknown = resolve([item or ""], exact=True)
            if not found:
                return tool_output({"tool": ToolName.WATCHLIST, "action": action, "unknown": unknown})
            changed = s.history.save_for_later(user, found[0].id) if action == "add" else \
                s.history.remove_from_watchlist(user, found[0].id)
            return tool_output({"tool": ToolName.WATCHLIST, "action": action, "item": item_card(found[0]),
                                "changed": changed, "count": len(s.history.watchlist(user))})
        audience = runtime.context.audience
        if audience is not None and not audience.private and user not in s.history.sharing_taste([user]):
            return tool_output({"tool": ToolName.WATCHLIST, "action": "show", "private": True,
                                "note": "Their list is not shown in a channel: offer a DM or `share-taste on`."})
        saved = [i for i in s.history.watchlist(user) if i in s.catalog]
        return tool_output({"tool": ToolName.WATCHLIST, "action": "show", "count": len(saved),
                            "items": [item_card(s.catalog[i]) for i in saved[:SHOWN]]})

    return watchlist
