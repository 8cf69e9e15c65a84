"""A person's own page: what the bot knows of their taste, their list and their privacy
choices, with the actions that change them (share-taste on/off, forget me). Slack shows it
as the App Home tab, Discord as the /profile command's private answer; both render this one
platform-neutral `Home`."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core import ChatService
from chatrec_agent.conversation.agent import ReplyItem

RATINGS_SHOWN = 5
SAVED_SHOWN = 10


@dataclass(frozen=True)
class Home:
    genres: tuple[tuple[str, int], ...]  # favourite genres with their share (percent) of the liked films
    rated: tuple[str, ...]  # the latest signals, as "Fargo (1996): 5★" / ": liked" / ": seen"
    saved: tuple[ReplyItem, ...]  # the first films of their list
    saved_total: int
    sharing: bool
    linked: str | None  # the catalog user whose history they use, when an admin linked them

    def lines(self) -> list[str]:
        """The page as plain lines (bold marked with *…*), for either platform's renderer."""
        taste = ", ".join(f"{name} {share}%" for name, share in self.genres) or \
            "nothing yet: tell me films you liked, or press 👍 under a pick"
        out = [f"*Your taste*: {taste}"]
        if self.linked:
            out.append(f"Your history is the catalog's user {self.linked} (an admin linked you).")
        out.append("*Lately*: " + ("; ".join(self.rated) if self.rated else "no ratings yet"))
        listed = "; ".join(f"{item.title} ({item.year})" if item.year else item.title for item in self.saved)
        more = f" and {self.saved_total - len(self.saved)} more" if self.saved_total > len(self.saved) else ""
        out.append(f"*Your list* ({self.saved_total}): " + (listed + more if listed else "empty; press Save under a pick"))
        out.append("*Taste sharing* is " + ("on: group answers in a channel may name your ratings." if self.sharing
                                            else "off: group answers in a channel never name your ratings."))
        return out


def home_of(service: ChatService, platform: str, workspace: str, user: str) -> Home:
    runtime = service.runtime
    history, catalog = runtime.history, runtime.catalog
    me = service.catalog_user(platform, workspace, user)
    taste = history.taste_profile(me, catalog.items, top=5)
    rated = []
    for entry in history.recent(me, RATINGS_SHOWN):
        if entry.item_id in catalog.items:
            said = f"{entry.rating:g}★" if entry.rating is not None else entry.signal
            rated.append(f"{catalog[entry.item_id].label}: {said}")
    saved_ids = [i for i in history.watchlist(me) if i in catalog.items]
    saved = tuple(ReplyItem(i, catalog[i].title, catalog[i].year, list(catalog[i].genres), "", catalog[i].image_url)
                  for i in saved_ids[:SAVED_SHOWN])
    linked = history.catalog_user(platform, workspace, user)
    return Home(tuple((g.name, round(g.share * 100)) for g in taste.genres), tuple(rated), saved, len(saved_ids),
                me in history.sharing_taste([me]), linked)


def set_sharing(service: ChatService, platform: str, workspace: str, user: str, on: bool) -> None:
    service.runtime.history.set_taste_sharing(service.catalog_user(platform, workspace, user), on)


def forget_me(service: ChatService, platform: str, workspace: str, user: str) -> str:
    """What chat collected from this person: their feedback, list and sharing choice; a link an
    admin made is undone (the catalog user's own history is the catalog's, and stays)."""
    history = service.runtime.history
    linked = history.catalog_user(platform, workspace, user)
    if linked is not None:
        history.unlink(platform, workspace, user)
        return (f"Done: you're no longer linked to the catalog's user {linked}, whose history stays with the catalog. "
                "What you tell me from now on starts a history of your own.")
    removed = history.forget_person(service.catalog_user(platform, workspace, user))
    return (f"Done: I've forgotten your ratings, your list and your sharing choice ({removed} "
            f"record{'' if removed == 1 else 's'}). Conversations in channels are forgotten with `forget` there.")
