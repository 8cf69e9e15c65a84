"""Saving films for later, in words: "save the second one", "add Heat to my watchlist",
"what's on my list?", "take it off my list". The film is read as feedback reads it (a
position, a pronoun or a title: FeedbackReading._target), so a write never guesses."""

from __future__ import annotations

import re

from chatrec_agent.conversation.planner.memory import Recall
from chatrec_agent.conversation.planner.plans import Plan
from chatrec_agent.conversation.tool_names import ToolName

_LIST = r"(?:(?:my|the)\s+)?(?:watch\s?-?list|list|saved (?:films|movies|ones)|saves)"
_SHOW = re.compile(rf"^(?:(?:what'?s|what is|whats|anything)\s+(?:on|in)\s+{_LIST}|(?:show|give|tell|read)(?: me)?\s+{_LIST}|"
                   rf"{_LIST}|what (?:did|have) i (?:saved?|put on {_LIST}))\s*[?.!]*$")
# "save" and "bookmark" say it alone; "add", "put", "keep" only with the list ("add a comedy" asks for one).
_ADD = re.compile(rf"^(?:(?:please|pls|ok|okay|oh),?\s+)?(?:(?:save|bookmark)\s+(?P<t>.+?)(?:\s+(?:to|on|in|for)\s+(?:{_LIST}|later))?|"
                  rf"(?:add|put|keep)\s+(?P<u>.+?)\s+(?:to|on|in)\s+{_LIST})(?:,?\s+(?:please|pls|thanks))?\s*[.!]*$")
_REMOVE = re.compile(rf"^(?:(?:please|pls|ok|okay),?\s+)?(?:remove|delete|drop|take|cross)\s+(?P<t>.+?)\s+(?:off|from|out of)\s+{_LIST}"
                     r"(?:,?\s+(?:please|pls|thanks))?\s*[.!]*$")


class WatchlistReading:
    """The watchlist rules of IntentParser (intents.py), which mixes them in."""

    def _watchlist(self, t: str, memory: Recall) -> Plan | None:
        if _SHOW.match(t):
            return self._call(ToolName.WATCHLIST, action="show")
        for pattern, action in ((_ADD, "add"), (_REMOVE, "remove")):
            if m := pattern.match(t):
                phrase = m.group("t") or m.groupdict().get("u") or ""
                target = self._target(phrase, memory, write=True)
                if target is None:
                    return Plan(answer="Which one? Say e.g. “save the second one” or name the film.")
                return self._call(ToolName.WATCHLIST, action=action, item=target)
        return None
