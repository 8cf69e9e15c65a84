"""Saving films for later, in words: "save the second one", "add Heat to my watchlist",
"what's on my list?", "take it off my list". A title the message surely names comes first
("add The Third Man to my list"), else the film is read as feedback reads it (a position or a
pronoun: FeedbackReading._target), so a write never guesses."""

from __future__ import annotations

import re

from chatrec_agent.conversation.planner.cues import POINTING, POLITE_CLOSER, POLITE_OPENER
from chatrec_agent.conversation.planner.memory import Recall
from chatrec_agent.conversation.planner.plans import Plan
from chatrec_agent.conversation.planner.references import ordinal_in
from chatrec_agent.conversation.tool_names import ToolName

_LIST = r"(?:(?:my|the)\s+)?(?:watch\s?-?list|list|saved (?:films|movies|ones)|saves)"
_SHOW = re.compile(rf"^(?:(?:what'?s|what is|whats|anything)\s+(?:on|in)\s+{_LIST}|(?:show|give|tell|read)(?: me)?\s+{_LIST}|"
                   rf"{_LIST}|what (?:did|have) i (?:saved?|put on {_LIST}))\s*[?.!]*$")
# "add", "put", "keep" say it only with the list ("add a comedy" asks for one); "save" and
# "bookmark" alone too, when what follows is a film ("save the second one", not "save me from…").
_ADD = re.compile(rf"^{POLITE_OPENER}(?:(?:save|bookmark)\s+(?P<t>.+?)(?P<listed>\s+(?:to|on|in|for)\s+(?:{_LIST}|later))?|"
                  rf"(?:add|put|keep)\s+(?P<u>.+?)\s+(?:to|on|in)\s+{_LIST}){POLITE_CLOSER}\s*[.!?]*$")
_REMOVE = re.compile(rf"^{POLITE_OPENER}(?:remove|delete|drop|take|cross)\s+(?P<t>.+?)\s+(?:off|from|out of)\s+{_LIST}"
                     rf"{POLITE_CLOSER}\s*[.!?]*$")


class WatchlistReading:
    """The watchlist rules of IntentParser (intents.py), which mixes them in."""

    def _watchlist(self, t: str, memory: Recall) -> Plan | None:
        if _SHOW.match(t):
            return self._call(ToolName.WATCHLIST, action="show")
        for pattern, action in ((_ADD, "add"), (_REMOVE, "remove")):
            if m := pattern.match(t):
                phrase = m.group("t") or m.groupdict().get("u") or ""
                named = self._named(phrase)  # "add The Third Man to my list": the title, not the third card
                bare = pattern is _ADD and m.group("t") and not m.group("listed")
                if bare and not (named or ordinal_in(phrase) is not None or POINTING.match(phrase)):
                    return None  # "save me something scary": no film to save
                target = named[0].id if named else self._target(phrase, memory, write=True)
                if target is None:
                    return Plan(answer="Which one? Say e.g. “save the second one” or name the film.")
                return self._call(ToolName.WATCHLIST, action=action, item=target)
        return None
