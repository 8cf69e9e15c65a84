"""A person's own page: what the bot knows of their taste, their list and their privacy
choices, with the actions that change them (share-taste on/off, forget me). Slack shows it
as the App Home tab, Discord as the /profile command's private answer; both render this one
platform-neutral `Home`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.core import ChatService
from chatrec_agent.conversation.agent import ReplyItem

RATINGS_SHOWN = 5
SAVED_SHOWN = 10


# What "Forget me" does, asked before it does it (both platforms).
FORGET_ME = ("Forget you? Your ratings, your list and your sharing choice are deleted; if an admin linked you to a "
             "catalog user, the link is undone too (that user's history stays with the catalog). This can't be undone.")
_SIGNALS = {"interacted": "seen"}  # an imported row without stars: they watched it


@dataclass(frozen=True)
class Home:
    genres: tuple[tuple[str, int], ...]  # favourite genres with their share (percent) of the liked films
    rated: tuple[tuple[str, str], ...]  # the latest signals: (film label, "5★" | "liked" | "disliked" | "seen")
    saved: tuple[ReplyItem, ...]  # the first films of their list
    saved_total: int
    sharing: bool
    linked: str | None  # the catalog user whose history they use, when an admin linked them

    def lines(self, bold: str, clean: Callable[[str], str]) -> list[str]:
        """The page as lines in a platform's markup: headings between `bold` markers, catalog
        text (titles, genres, user ids) passed through `clean` (its escaping)."""
        def b(heading: str) -> str:
            return f"{bold}{heading}{bold}"

        taste = ", ".join(f"{clean(name)} {share}%" for name, share in self.genres) or \
            "nothing yet: tell me titles you liked, or press 👍 under a pick"
        out = [f"{b('Your taste')}: {taste}"]
        if self.linked:
            out.append(f"Your history is the catalog's user {clean(self.linked)} (an admin linked you).")
        out.append(f"{b('Lately')}: " + ("; ".join(f"{clean(label)}: {said}" for label, said in self.rated) or "no ratings yet"))
        listed = "; ".join(clean(f"{item.title} ({item.year})" if item.year else item.title) for item in self.saved)
        more = f" and {self.saved_total - len(self.saved)} more" if self.saved_total > len(self.saved) else ""
        out.append(f"{b('Your list')} ({self.saved_total}): " + (listed + more if listed else "empty; press Save under a pick"))
        out.append(f"{b('Taste sharing')} is " + ("on: group answers in a channel may name your ratings." if self.sharing
                                                  else "off: group answers in a channel never name your ratings."))
        return out


def home_of(service: ChatService, platform: str, workspace: str, user: str) -> Home:
    runtime = service.runtime
    history, catalog = runtime.history, runtime.catalog
    me = service.catalog_user(platform, workspace, user)
    taste = history.taste_profile(me, catalog.items, top=5)
    rated = [(catalog[e.item_id].label, f"{e.rating:g}★" if e.rating is not None else _SIGNALS.get(e.signal, e.signal))
             for e in history.recent(me, RATINGS_SHOWN * 2) if e.item_id in catalog.items][:RATINGS_SHOWN]
    saved_ids = [i for i in history.watchlist(me) if i in catalog.items]
    saved = tuple(ReplyItem(i, catalog[i].title, catalog[i].year, list(catalog[i].genres), "", catalog[i].image_url)
                  for i in saved_ids[:SAVED_SHOWN])
    linked = history.catalog_user(platform, workspace, user)
    return Home(tuple((g.name, round(g.share * 100)) for g in taste.genres), tuple(rated), saved, len(saved_ids),
                me in history.sharing_taste([me]), linked)


def set_sharing(service: ChatService, platform: str, workspace: str, user: str, on: bool) -> None:
    service.runtime.history.set_taste_sharing(service.catalog_user(platform, workspace, user), on)


def forget_me(service: ChatService, platform: str, workspace: str, user: str) -> str:
    """What chat collected from this person under their own identity: feedback, list and
    sharing choice. A link an admin made is undone; what was said while linked is part of that
    catalog user's history (which others may be linked to) and stays with it."""
    history = service.runtime.history
    linked = history.catalog_user(platform, workspace, user)
    if linked is not None:
        history.unlink(platform, workspace, user)
    removed = history.forget_person(history.resolve_user(platform, workspace, user))  # their own, once unlinked
    said = f"Done: I've forgotten your ratings, your list and your sharing choice ({removed} record{'' if removed == 1 else 's'})."
    if linked is not None:
        said += (f" You're no longer linked to the catalog's user {linked}; that user's history, with what you told "
                 "me while linked, stays with the catalog.")
    return said + " Conversations are forgotten with `forget` where they were held."
