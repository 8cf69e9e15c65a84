"""The planner's fixed answers (help, greetings, small talk), in the catalog's own words: what
its items are called (catalog.words) and examples drawn from the catalog itself, so that a
bookshop's bot speaks of books and suggests titles it has."""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass

from chatrec_agent.catalog import Catalog
from chatrec_agent.catalog.model import item_counts

DECLINE_ADMIN = ("I can't run admin actions from a conversation. Admins use the slash command "
                 "(/chatrec reindex, status, forget, link) for that.")
DECLINE_OTHERS = "I can only use your own history, not other people's; ask me about your own taste instead."
RESET = "Starting over: I've set aside what we talked about. What are you in the mood for?"
THANKS = "You're welcome! Tell me how it went (“I loved it”, “rate it 4”) and I'll tune the next picks."
# "has she seen it?", "my kids watched it twice": only the speaker's own watching is recorded.
OTHERS_SEEN = "I only keep track of what you've watched yourself. Tell me what you thought of it, or ask for more whenever you like."
ACKNOWLEDGE = "Enjoy! Tell me how it went (“I loved it”, “rate it 4”), or ask for more whenever you like."


@dataclass(frozen=True)
class Replies:
    help: str
    greeting: str
    chat: dict[str, str]  # by the meaning that asks for it (planner/meaning.py)

    @classmethod
    def for_catalog(cls, catalog: Catalog) -> Replies:
        words = catalog.words
        titles = _popular_titles(catalog, 2) or ["Fargo", "Alien"]
        genres = [g.lower() for g, _ in Counter(g for item in catalog.items.values() for g in item.genres).most_common(2)]
        genre, other = (genres + ["comedy", "horror"])[:2]
        return cls(
            help=(f"I recommend {words.items} from this catalog and explain why. Try: “what should I {words.verb} tonight?”, "
                  f"“a {genre} from the 90s”, “something like {titles[0]}, no {other}”, “give me 3”, "
                  "then “why the second one?”, “something older”, “not those, others”. Tell me what you thought "
                  f"(“I loved {titles[-1]}”, “rate {titles[0]} 5”, “seen it”) and I'll learn; “what have I liked?” "
                  "shows your history."),
            greeting=f"Hi! Tell me what you're in the mood for, or ask “what should I {words.verb} tonight?”.",
            chat={
                "smalltalk": (f"Happy to chat! When you're ready, tell me what you're in the mood for: a genre, a {words.item} "
                              "you loved, or “surprise me”."),
                "goodbye": f"Bye, enjoy the {words.item}! Come back and tell me how it went.",
                "acknowledge": ACKNOWLEDGE,
                "out_of_scope": (f"That's outside what I can help with: I recommend {words.items} from this catalog. Tell me "
                                 f"what you're in the mood for, e.g. “a {genre} from the 90s”."),
            },
        )


def _popular_titles(catalog: Catalog, n: int) -> list[str]:
    """The catalog's most rated titles (its first ones where nobody rated any), short ones first
    among equals: examples people will recognise."""
    counts = item_counts(catalog.interactions)
    ranked = heapq.nsmallest(n, catalog.items.values(), key=lambda item: (-counts.get(item.id, 0), len(item.title)))
    return [item.title for item in ranked]
