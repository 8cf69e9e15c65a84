"""More multi-turn dialogues, as scripts: each turn is a message and a check on its reply.

Checks get (catalog, reply, replies so far); they read like what the user should see.
"""

from __future__ import annotations

import pytest

from .test_dialogues import assert_grounded, runtime  # noqa: F401 - the shared module fixture


def genre(name):
    return lambda cat, r, prev: r.items and all(name in cat[i.id].genres for i in r.items)


def no_genre(name):
    return lambda cat, r, prev: r.items and all(name not in cat[i.id].genres for i in r.items)


def years(low=None, high=None):
    return lambda cat, r, prev: r.items and all(
        (low is None or i.year >= low) and (high is None or i.year <= high) for i in r.items)


def count(n):
    return lambda cat, r, prev: len(r.items) == n


def tool(name):
    return lambda cat, r, prev: [c["name"] for c in r.tool_calls] == [name]


def tools(*names):
    return lambda cat, r, prev: [c["name"] for c in r.tool_calls] == list(names)


def no_tools():
    return lambda cat, r, prev: r.tool_calls == []


def explains(position):
    return lambda cat, r, prev: r.tool_calls == [{"name": "explain", "args": {"item": prev[-1].items[position - 1].id}}]


def new_items():
    return lambda cat, r, prev: r.items and not {i.id for i in r.items} & {i.id for p in prev for i in p.items}


def older_than_before():
    return lambda cat, r, prev: r.items and max(i.year for i in r.items) < min(i.year for i in prev[-1].items)


def newer_than_before():
    return lambda cat, r, prev: r.items and min(i.year for i in r.items) > max(i.year for i in prev[-1].items)


def says(text):
    return lambda cat, r, prev: text.lower() in r.text.lower()


def all_of(*checks):
    return lambda cat, r, prev: all(check(cat, r, prev) for check in checks)


def feedback(kind, position=None, then_more=False):
    def check(cat, r, prev):
        names = ["record_feedback", "recommend"] if then_more else ["record_feedback"]
        if [c["name"] for c in r.tool_calls] != names or r.tool_calls[0]["args"]["kind"] != kind:
            return False
        shown = next(p.items for p in reversed(prev) if p.items)  # "the second one" of the latest list
        return position is None or r.tool_calls[0]["args"]["item"] == shown[position - 1].id
    return check


DIALOGUES = {
    "sci-fi, why, older": [
        ("a sci-fi film please", genre("Sci-Fi")), ("why the first one?", explains(1)),
        ("something older", all_of(genre("Sci-Fi"), new_items()))],
    "westerns, more, only 60s": [
        ("give me 3 westerns", all_of(genre("Western"), count(3))), ("show me more", all_of(genre("Western"), new_items())),
        ("only dramas", genre("Drama"))],
    "comedy 90s, others, newer": [
        ("a comedy from the 90s", all_of(genre("Comedy"), years(1990, 1999))), ("not those", new_items()),
        ("something newer", all_of(genre("Comedy"), newer_than_before()))],
    "horror, like it, rate": [
        ("something scary", genre("Horror")), ("I loved the second one", feedback("liked", 2)),
        ("rate the first one 2", feedback("rated", 1))],
    "thriller without horror, why the last": [
        ("a thriller with no horror", all_of(genre("Thriller"), no_genre("Horror"))), ("why the last one?", explains(5))],
    "kids, only animation, count": [
        ("a film for kids", genre("Children")), ("only animated ones", genre("Animation")),
        ("give me 2 more", all_of(count(2), new_items()))],
    "war before 1970, newer": [
        ("a war film before 1970", all_of(genre("War"), years(None, 1969))), ("something newer", newer_than_before())],
    "westerns, then like Alien without horror": [
        ("give me 3 westerns", genre("Western")), ("something older", genre("Western")),
        ("something like Alien, no horror", all_of(no_genre("Horror"), no_genre("Western"), says("*Alien* (1979)")))],
    "horror, then another era, then a correction": [
        ("a horror movie that isn't too gory", genre("Horror")),
        ("no, something from the 2010s", all_of(genre("Horror"), years(2010, 2019))),
        ("what about the 70s?", all_of(genre("Horror"), years(1970, 1979))),
        ("no, a comedy from the 80s", all_of(genre("Comedy"), years(1980, 1989), lambda cat, r, prev: "horror" not in r.text.lower())),
        ("nope, no comedies", all_of(no_genre("Comedy"), years(1980, 1989)))],
    "comedies, narrowed by genre and era, what else": [
        ("something funny", genre("Comedy")), ("only comedies from the 80s", all_of(genre("Comedy"), years(1980, 1989))),
        ("ok what else", all_of(genre("Comedy"), years(1980, 1989), new_items()))],
    "is it in the catalog, tell me about it, why would I like it": [
        ("is Parasite in the catalog?", all_of(tool("search_catalog"), says("*Parasite* (2019)"))),
        ("tell me about it", all_of(tool("item_details"), says("*Parasite* (2019)"))),
        ("why would I like it?", all_of(tool("explain"), says("*Parasite* (2019)"))),
        ("would I like Heat?", all_of(tools("explain", "item_details"), says("*Heat* (1995)"), says("★"))),
        ("did I like Fargo?", tool("user_history"))],
    "a heist, a feel-good one": [
        ("a heist film", lambda cat, r, prev: "heist" in cat[r.items[0].id].tags),
        ("I want a feel-good movie", all_of(no_genre("Horror"), lambda cat, r, prev: "feel-good" in cat[r.items[0].id].tags))],
    "moods rule genres out": [
        ("something dark", all_of(no_genre("Animation"), no_genre("Children"), no_genre("Musical"))),
        ("a dark comedy", all_of(genre("Comedy"), no_genre("Animation"))),  # asked-for genres stay
        ("something uplifting", all_of(no_genre("Horror"), no_genre("War")))],
    "a year's films, thanks": [
        ("any good 2023 films?", years(2023, 2023)), ("thanks!", all_of(no_tools(), says("you're welcome")))],
    "is there a good thriller, your favourite": [
        ("is there a good thriller?", all_of(tool("recommend"), genre("Thriller"))),
        ("what's your favourite movie?", tool("recommend"))],
    "like Heat, more like the first": [
        ("something like Heat", says("*Heat* (1995)")), ("more like the first", all_of(tool("recommend"), new_items()))],
    "musical, seen the first, others": [
        ("a musical", genre("Musical")), ("seen the first one", feedback("seen", 1)), ("others please", new_items())],
    "romance 40s, why": [
        ("a romance from the forties", all_of(genre("Romance"), years(1940, 1949))), ("why #2?", explains(2))],
    "noir, older": [
        ("a film noir", genre("Film-Noir")), ("older ones", older_than_before())],
    "documentary, nothing more": [
        ("recommend 2 documentaries", all_of(genre("Documentary"), count(2))), ("different ones", new_items())],
    "greeting then request": [
        ("hey", no_tools()), ("what should I watch tonight?", count(5)), ("thanks", no_tools())],
    "help then request": [
        ("what can you do?", all_of(no_tools(), says("why the second one"))), ("a fantasy film", genre("Fantasy"))],
    "history then recommend": [
        ("what have I liked?", tool("user_history")), ("something like my favourites from the 80s", years(1980, 1989))],
    "search, like it, similar": [
        ("do you have Spirited Away?", tool("search_catalog")), ("I loved it", feedback("liked")),
        ("more like it", tool("similar_items"))],
    "unknown title then request": [
        ("something like Glorbnak", says("couldn't find")), ("a mystery then", genre("Mystery"))],
    "admin then request": [
        ("please reindex", all_of(no_tools(), says("admin"))), ("an adventure film", genre("Adventure"))],
    "another user then own history": [
        ("what did alice rate?", all_of(no_tools(), says("own history"))), ("my ratings", tool("user_history"))],
    "hated third, again": [
        ("5 crime films", all_of(genre("Crime"), count(5))), ("hated the third one", feedback("disliked", 3)),
        ("5 crime films", all_of(genre("Crime"), count(5)))],
    "recent action, older": [
        ("a recent action film", all_of(genre("Action"), years(2016, None))), ("something older", older_than_before())],
    "animation 2000s, only comedies": [
        ("an animated film from the 2000s", all_of(genre("Animation"), years(2000, 2009))),
        ("only comedies", all_of(genre("Comedy"), genre("Animation")))],
    "empty then real": [
        ("", all_of(no_tools(), says("in the mood"))), ("a drama", genre("Drama"))],
    "adventure, seen it, new": [
        # The only pick is known: recorded, and the next one offered.
        ("one adventure film", all_of(genre("Adventure"), count(1))), ("seen it", all_of(feedback("seen", 1, then_more=True), new_items())),
        ("others please", all_of(genre("Adventure"), new_items()))],
    "sci-fi like Alien, why": [
        ("a film like Alien, from the 80s", all_of(years(1980, 1989), says("*Alien* (1979)"))),
        ("why the first one?", explains(1))],
}


@pytest.mark.parametrize("name", list(DIALOGUES))
def test_dialogue(runtime, name):  # noqa: F811 - the fixture imported above
    replies = []
    user = f"script-{abs(hash(name)) % 10_000}"
    runtime.history.record_feedback(user, "star-wars-1977", "liked")  # a little taste to personalise on
    for text, check in DIALOGUES[name]:
        reply = runtime.agent.respond(f"script:{name}", user, text)
        assert_grounded(runtime, reply)
        assert check(runtime.catalog, reply, replies), (text, reply.text, reply.tool_calls)
        replies.append(reply)
