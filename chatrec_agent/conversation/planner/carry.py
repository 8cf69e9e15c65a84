"""What a new request keeps of the search it is part of.

People state the kind of film once ("a good romance") and then talk about films, moods and
what was shown ("I liked The Notebook, any like that?", "something fun", "too dry for me"); a
person who recommends keeps looking for romances until they ask for something else. So a
request that names no genre of its own stays within the conversation's genres and keeps its
exclusions (and its era, while the kind stays): whole when it names no film; when it does, only the genres its films share (a
thriller fan who asked for comedies and now says "like Se7en" has changed the subject). A
genre that says whom the films are for ("for my kids") stays when the kind changes ("they're
more into animated films"), until it is ruled out; and what they said they avoid ("I don't like
violence") stays avoided.
"""

from __future__ import annotations

from collections.abc import Mapping

from chatrec_agent.catalog import Item
from chatrec_agent.conversation.planner.memory import Recall


def within_search(args: dict, memory: Recall, items: Mapping[str, Item], audiences: frozenset[str] = frozenset(),
                  compares: bool = True, adds: bool = False, widens: bool = False) -> None:
    """Adds to a new recommend call's `args`, in place, the genres and exclusions of the
    conversation's latest search that it does not override; of `audiences` (genres that say
    whom a film is for: lexicon.audiences), also when it names other genres. `compares`: the
    message asks for films like the ones it names; else it only says what they like ("I liked
    Now You See Me"), which keeps the search's genres whole. `adds`: the message asks for more of
    a kind ("more animated", "not enough action"), which joins the search's genres. `widens`: the
    message lets the era go ("the best crime films ever", "any decade")."""
    previous = memory.last_recommend or {}
    if not all(map(_avoids, args.get("attributes", []))):
        return  # "anything by Spielberg?" asks about the director, not within the genre; "no gore" stays in it
    # What they said they avoid stays avoided, as excluded genres do ("no gore", then "older ones?").
    if avoided := [a for a in previous.get("attributes") or [] if _avoids(a) and a not in args.get("attributes", [])]:
        args["attributes"] = [*args.get("attributes", []), *avoided]
    excluded = list(dict.fromkeys([*args.get("exclude_genres", []),
                                   *(g for g in previous.get("exclude_genres") or [] if g not in args.get("genres", []))]))
    if excluded:
        args["exclude_genres"] = excluded
    own = [*args.get("genres", []), *args.get("any_genres", [])]  # "comedy or drama?" after war films: its own
    kinds = set(previous.get("genres") or ())
    if not widens and set(own) <= kinds and not args.get("like") and not {"year_from", "year_to"} & set(args) \
            and not set(args.get("exclude_genres", [])) & kinds:
        # "a crime film", "from the 90s", "with a heist": the era stays while the kind does (not
        # where the message lets it go, names another kind or turns from this one).
        args.update({key: previous[key] for key in ("year_from", "year_to") if previous.get(key) is not None})
    # Of its own genres, only the search's audiences (or all, where it `adds`) join them; with none, the search's kinds
    # stay, those its films share where it `compares`.
    seeds = [items[i] for i in args.get("like", []) if i in items] if compares and not own else []
    if kept := [g for g in previous.get("genres") or [] if g not in excluded and (
            (adds or g in audiences) and g not in own if own else not seeds or any(g in s.genres for s in seeds))]:
        args["genres"] = [*args.get("genres", []), *kept]


def _avoids(condition: dict) -> bool:
    """A condition that rules out a tag ("I don't like violence"), not one that asks for something."""
    return bool(condition.get("negate")) and condition["field"] == "tags"
