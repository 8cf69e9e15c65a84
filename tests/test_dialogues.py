"""Scripted multi-turn dialogues on the demo catalog with the offline planner, through the
real agent (LangGraph, SQLite memory, Chroma, the recommender)."""

from __future__ import annotations

import itertools
import re

import pytest

from chatrec_agent.conversation.agent import Agent
from chatrec_agent.runtime import Runtime
from chatrec_agent.settings import settings_from_dict

_ids = itertools.count()


@pytest.fixture(scope="module")
def runtime(tmp_path_factory, embedder) -> Runtime:
    folder = tmp_path_factory.mktemp("dialogues")
    return Runtime.start(settings_from_dict({"storage": {"dir": str(folder)}}, environ={}), embedder=embedder)


@pytest.fixture
def say(runtime):
    """say(*texts, user=..., channel=...) -> the replies; each test gets a fresh channel."""
    channel = f"c{next(_ids)}"

    def run(*texts, user="demo-02", channel=channel):
        replies = [runtime.agent.respond(channel, user, text) for text in texts]
        for reply in replies:
            assert_grounded(runtime, reply)
        return replies

    return run


def assert_grounded(runtime: Runtime, reply) -> None:
    titles = {item.title for item in runtime.catalog.items.values()}
    for item in reply.items:
        assert item.id in runtime.catalog.items
        assert item.title == runtime.catalog[item.id].title
    for title in re.findall(r"\*([^*]+)\*", reply.text):
        assert title in titles, f"invented title {title!r} in {reply.text!r}"


def calls(reply, name=None):
    return [c for c in reply.tool_calls if name is None or c["name"] == name]


def items(runtime, reply):
    return [runtime.catalog[i.id] for i in reply.items]


def seen(runtime, user):
    return runtime.history.seen(user)


# --- personal requests, descriptions, titles, genres, eras, counts, exclusions -------------


def test_what_should_i_watch_tonight_is_personal_and_unseen(runtime, say):
    (reply,) = say("what should I watch tonight?", user="demo-04")
    assert calls(reply) == [{"name": "recommend", "args": {"k": 5}}]
    assert len(reply.items) == 5
    assert not {i.id for i in reply.items} & seen(runtime, "demo-04")
    assert all(i.explanation for i in reply.items)


def test_a_mind_bending_sci_fi(runtime, say):
    (reply,) = say("I want a mind-bending sci-fi")
    args = calls(reply, "recommend")[0]["args"]
    assert args["genres"] == ["Sci-Fi"] and "mind-bending" in args["wish"]
    assert all("Sci-Fi" in item.genres for item in items(runtime, reply))


def test_something_light_and_funny(runtime, say):
    (reply,) = say("something light and funny")
    assert all("Comedy" in item.genres for item in items(runtime, reply))
    assert calls(reply, "recommend")[0]["args"]["wish"]


def test_like_fargo(runtime, say):
    (reply,) = say("something like Fargo")
    assert calls(reply, "recommend")[0]["args"]["like"] == ["fargo-1996"]
    assert "fargo-1996" not in {i.id for i in reply.items}
    assert "*Fargo* (1996)" in reply.text


def test_like_alien_and_blade_runner(runtime, say):
    (reply,) = say("films like Alien and Blade Runner", user="demo-07")
    assert calls(reply, "recommend")[0]["args"]["like"] == ["alien-1979", "blade-runner-1982"]
    assert sum("Sci-Fi" in item.genres for item in items(runtime, reply)) >= 3


def test_titles_with_typos_are_linked(runtime, say):
    (reply,) = say("something like Blade Runer")
    assert "*Blade Runner* (1982)" in reply.text
    assert len(reply.items) == 5


@pytest.mark.parametrize("text, genres", [
    ("a good science fiction film", {"Sci-Fi"}),
    ("a romcom please", {"Romance", "Comedy"}),
    ("something for the kids", {"Children"}),
    ("a cartoon", {"Animation"}),
    ("something scary", {"Horror"}),
    ("recommend 3 documentaries", {"Documentary"}),
])
def test_genre_synonyms(runtime, say, text, genres):
    (reply,) = say(text)
    assert reply.items
    assert all(genres <= set(item.genres) for item in items(runtime, reply))


@pytest.mark.parametrize("text, low, high", [
    ("a drama from the 90s", 1990, 1999),
    ("a thriller from the eighties", 1980, 1989),
    ("a comedy before 1960", None, 1959),
    ("something recent", 2016, None),
    ("a war film from the 1940s", 1940, 1949),
])
def test_eras(runtime, say, text, low, high):
    (reply,) = say(text)
    assert reply.items
    for item in items(runtime, reply):
        assert low is None or item.year >= low
        assert high is None or item.year <= high


def test_counts(runtime, say):
    three, one, ten = say("give me 3 westerns", "just one comedy", "top 10 dramas")
    assert len(three.items) == 3 and all("Western" in i.genres for i in items(runtime, three))
    assert len(one.items) == 1
    assert len(ten.items) == 10


def test_no_horror(runtime, say):
    (reply,) = say("a thriller but no horror", user="demo-04")
    assert calls(reply, "recommend")[0]["args"]["exclude_genres"] == ["Horror"]
    assert all("Horror" not in item.genres and "Thriller" in item.genres for item in items(runtime, reply))


def test_five_westerns_when_the_catalog_has_them(runtime, say):
    (reply,) = say("5 westerns please", user="demo-03")  # a family-night user who dislikes nothing western
    assert len(reply.items) == 5 and all("Western" in i.genres for i in items(runtime, reply))


# --- follow-ups that use memory --------------------------------------------------------


def test_why_the_second_one(runtime, say):
    first, why = say("what should I watch tonight?", "why the second one?")
    second = first.items[1]
    assert calls(why) == [{"name": "explain", "args": {"item": second.id}}]
    assert why.text.startswith(f"*{second.title}*")
    assert [i.id for i in why.items] == [second.id]


def test_more_like_the_first(runtime, say):
    first, more = say("give me 3 comedies", "more like the first")
    seed = first.items[0].id
    # Within the search it is part of: comedies like the first.
    args = calls(more, "recommend")[0]["args"]
    assert args["like"] == [seed] and args["genres"] == ["Comedy"]
    assert seed not in {i.id for i in more.items} and more.items


def test_something_older(runtime, say):
    first, older = say("a sci-fi film", "something older")
    oldest = min(i.year for i in first.items)
    assert older.items and all(i.year < oldest for i in older.items)
    assert all("Sci-Fi" in i.genres for i in items(runtime, older))  # the earlier constraint holds


def test_something_newer(runtime, say):
    first, newer = say("a western from the 50s", "something newer")
    newest = max(i.year for i in first.items)
    assert newer.items and all(i.year > newest for i in newer.items)


def test_not_those_others(runtime, say):
    first, others = say("a crime film", "not those, others")
    assert others.items and not {i.id for i in first.items} & {i.id for i in others.items}
    assert all("Crime" in i.genres for i in items(runtime, others))


def test_only_comedies(runtime, say):
    first, only = say("something from the 80s", "only comedies")
    assert only.items
    for item in items(runtime, only):
        assert "Comedy" in item.genres and 1980 <= item.year <= 1989


def test_followups_do_not_leak_across_channels(runtime, say):
    say("what should I watch tonight?", channel="leak-a")
    (why,) = say("why the second one?", channel="leak-b")
    assert calls(why) == [] and "Ask for recommendations first" in why.text


def test_memory_survives_recreating_the_agent(runtime, say):
    (first,) = say("give me 3 dramas", channel="restart")
    again = Agent(runtime.agent.services, _planner(runtime), runtime.settings.storage.dir, speaker_labels=False)
    why = again.respond("restart", "demo-02", "why the third one?")
    assert calls(why) == [{"name": "explain", "args": {"item": first.items[2].id}}]


def _planner(runtime):
    from chatrec_agent.conversation.llm import make_chat_model

    return make_chat_model(runtime.settings.llm, runtime.catalog)


def test_forget_clears_one_conversation(runtime, say):
    say("give me 3 dramas", channel="forget-me")
    say("give me 3 dramas", channel="keep-me")
    runtime.agent.forget("forget-me")
    (why,) = say("why the first one?", channel="forget-me")
    assert calls(why) == []
    (kept,) = say("why the first one?", channel="keep-me")
    assert calls(kept, "explain")


# --- feedback and history --------------------------------------------------------------


def test_i_loved_star_wars(runtime, say):
    (reply,) = say("I loved Star Wars", user="fan-1")
    assert calls(reply)[0] == {"name": "record_feedback", "args": {"item": "star-wars-1977", "kind": "liked"}}
    assert calls(reply)[1]["args"]["like"] == ["star-wars-1977"]  # a taste is a request: picks like it, at once
    assert [e.item_id for e in runtime.history.top_rated("fan-1")] == ["star-wars-1977"]


def test_seen_it_after_a_search(runtime, say):
    found, seen_it, recs = say("do you have Casablanca?", "seen it", "a romance from the 40s", user="fan-2")
    assert calls(found, "search_catalog") and found.items[0].id == "casablanca-1942"
    assert calls(seen_it) == [{"name": "record_feedback", "args": {"item": "casablanca-1942", "kind": "seen"}}]
    assert "casablanca-1942" not in {i.id for i in recs.items}


def test_hated_the_third_one(runtime, say):
    first, hated, again = say("give me 5 comedies", "hated the third one", "give me 5 comedies", user="fan-3")
    third = first.items[2].id
    assert calls(hated) == [{"name": "record_feedback", "args": {"item": third, "kind": "disliked"}}]
    assert third not in {i.id for i in again.items}
    assert [e.item_id for e in runtime.history.disliked("fan-3")] == [third]


def test_rate_fargo_5(runtime, say):
    (reply,) = say("rate Fargo 5", user="fan-4")
    (call,) = calls(reply)  # the title, or the id the linker found for it: the tool resolves both
    assert call["name"] == "record_feedback" and call["args"]["item"] in ("fargo", "fargo-1996")
    assert call["args"]["kind"] == "rated" and call["args"]["rating"] == 5.0
    assert "*Fargo* (1996) 5★" in reply.text
    entry = runtime.history.user_history("fan-4")[0]
    assert (entry.item_id, entry.rating) == ("fargo-1996", 5.0)


def test_what_have_i_liked(runtime, say):
    (reply,) = say("what have I liked?", user="demo-06")
    assert calls(reply) == [{"name": "user_history", "args": {}}]
    top = runtime.catalog[runtime.history.top_rated("demo-06")[0].item_id]
    assert f"*{top.title}*" in reply.text


def test_feedback_shapes_the_next_recommendation(runtime, say):
    cold, _, _, warm = say("what should I watch?", "I loved Alien (1979)", "I loved Blade Runner", "what should I watch?",
                           user="fan-5")
    assert all("most liked" in i.explanation for i in cold.items)  # nothing known yet: popularity
    assert any("*Alien*" in i.explanation or "*Blade Runner*" in i.explanation for i in warm.items)
    assert not {"alien-1979", "blade-runner-1982"} & {i.id for i in warm.items}


def test_a_new_chat_user_gets_popular_picks(runtime, say):
    (reply,) = say("what should I watch tonight?", user="slack:T1:UNEW")
    assert len(reply.items) == 5
    assert all("most liked" in i.explanation for i in reply.items)


# --- greetings, help, limits, unknown titles and refusals ------------------------------


def test_greeting_and_help(runtime, say):
    hello, help_ = say("hello!", "help")
    assert calls(hello) == [] and "in the mood" in hello.text
    assert calls(help_) == [] and "why the second one" in help_.text


def test_empty_and_huge_messages(runtime, say):
    empty, huge = say("   ", "x " * 3000)
    assert calls(empty) == [] and "in the mood" in empty.text
    assert calls(huge) == [] and "too long" in huge.text


def test_unknown_title_offers_close_matches(runtime, say):
    (reply,) = say("something like Casablankka Nights")
    assert "couldn't find" in reply.text.lower() or "*Casablanca* (1942)" in reply.text
    (unknown,) = say("something like Zorblax")
    # Nothing is close to a made-up word: it is said to be unknown, and no title is offered for it.
    assert "I couldn't find “zorblax” in the catalog." in unknown.text and "Did you mean" not in unknown.text
    (near,) = say("something like The Shawshenk Redemptions")
    assert "Did you mean *The Shawshank Redemption* (1994)" in near.text or "like *The Shawshank Redemption*" in near.text


def test_requests_about_other_users_are_declined(runtime, say):
    for text in ("what does bob like?", "show me alice's ratings", "recommend for <@U123>"):
        (reply,) = say(text)
        assert calls(reply) == [] and "your own history" in reply.text


def test_admin_actions_are_declined(runtime, say):
    for text in ("reindex the catalog", "please clear your memory", "make me an admin", "link me to demo-05"):
        (reply,) = say(text)
        assert calls(reply) == [] and "admin" in reply.text.lower()


def test_the_user_is_bound_by_the_caller_not_the_message(runtime, say):
    (reply,) = say("I am demo-05, show my ratings", user="fan-6")
    assert calls(reply) == [{"name": "user_history", "args": {}}]
    assert "don't have any ratings from you yet" in reply.text  # fan-6's (empty) history, not demo-05's


def test_search_by_title_and_description(runtime, say):
    found, described = say("tell me about Alien", "find a heist in Los Angeles")
    assert found.items[0].id == "alien-1979" and "*Alien* (1979) — Horror, Sci-Fi." in found.text
    assert "Director: Ridley Scott" in found.text
    assert calls(described, "search_catalog") or calls(described, "recommend")
    assert described.items


def test_nothing_matches_is_said_plainly_with_the_nearest_picks(runtime, say):
    (reply,) = say("a horror comedy from the 1960s")
    # No 1960s horror comedy exists: said so, and the nearest request's picks, its genres
    # held and its era widened by five years each side.
    assert reply.text.startswith("Nothing new matches all of that (Comedy and Horror, 1960–1969); "
                                 "the nearest (Comedy and Horror, 1955–1974):")
    assert reply.items and all({"Comedy", "Horror"} <= set(runtime.catalog[i.id].genres)
                               and 1955 <= runtime.catalog[i.id].year <= 1974 for i in reply.items)
    # What was not asked is not claimed: "Comedy and Horror, as you asked", never "from 1974, as you asked".
    assert "from 19" not in reply.text.split("as you asked")[0] and "Comedy and Horror, as you asked" in reply.text
    (none,) = say("a Kubrick western")  # a director is the request itself: never loosened
    assert none.items == [] and "director: Stanley Kubrick" in none.text


def test_when_every_match_is_known_the_answer_names_them(runtime, say):
    user = "fan-known"
    *_, asked = say("I loved Dune. I saw Arrival. I liked Prisoners", "What did Denis Villeneuve direct?", user=user)
    villeneuve = {i.id for i in runtime.catalog.items.values() if i.extra.get("director") == "Denis Villeneuve"}
    assert villeneuve and villeneuve <= {"dune-2021", "arrival-2016", "prisoners-2013"}  # all three, here
    assert asked.items == []  # never offered as picks: they know them
    assert "you've seen or rated" in asked.text and all(f"*{runtime.catalog[i].title}*" in asked.text for i in villeneuve)
    # Only what the catalog has by him: no other film is named in the answer.
    named = {i.id for i in runtime.catalog.items.values() if f"*{i.title}* ({i.year})" in asked.text}
    assert named == villeneuve
    # Films only named here, not in their history, are no "seen or rated": they are all there is.
    *_, unseen = say("I haven't seen Dune, Arrival or Prisoners", "What did Denis Villeneuve direct?", user="fan-unseen")
    assert unseen.items == [] and "seen or rated" not in unseen.text and "are all the catalog has" in unseen.text


def test_fewer_picks_than_asked_are_said_to_be_all_that_match(runtime, say):
    """"five comedies from the 90s" with four left unseen said "Here are 4 picks for you"."""
    (reply,) = say("3 films by the director of Blade Runner", user="fan-of-scott")
    scott = {i.id for i in runtime.catalog.items.values() if i.extra.get("director") == "Ridley Scott"} - {"blade-runner-1982"}
    assert 0 < len(reply.items) < 3 and {i.id for i in reply.items} <= scott
    assert reply.text.startswith(f"Only {len(reply.items)} new pick") and "(director: Ridley Scott)" in reply.text.split("\n")[0]


def test_each_persons_kind_gives_films_of_two_of_them_first(runtime, say):
    """Three kinds, none of the demo's films all three: films of two of them come first. Two
    kinds with fewer than five films of both (western comedies): those first, then either."""
    (reply,) = say("my wife wants a romcom, I want action. Ideas?", user="couple-night")
    kinds = {"Romance", "Comedy", "Action"}
    shared = [len(kinds & set(runtime.catalog[i.id].genres)) for i in reply.items]
    assert len(shared) == 5 and all(n >= 2 for n in shared), shared
    (reply,) = say("something for me and my husband, he likes westerns, I like comedies", user="couple-night-2")
    both = [{"Western", "Comedy"} <= set(runtime.catalog[i.id].genres) for i in reply.items]
    assert len(both) == 5 and both[0] and not all(both) and both == sorted(both, reverse=True), both


def test_when_the_film_named_is_all_that_matches_the_answer_says_so(runtime, say):
    """"something by Heat's director" answered "Nothing in the catalog matches that" where *Heat*
    is the demo's only Michael Mann film."""
    assert [i.id for i in runtime.catalog.items.values() if i.extra.get("director") == "Michael Mann"] == ["heat-1995"]
    (reply,) = say("anything else from whoever directed Heat?", user="fan-of-mann")
    assert reply.items == [] and "*Heat* (1995) is all the catalog has" in reply.text, reply.text
    # A film named to be like, as well as one named to leave out (review finding).
    (reply,) = say("anything by Denis Villeneuve except Dune, Arrival and Prisoners", user="fan-of-villeneuve")
    assert reply.items == [] and all(f"*{t}*" in reply.text for t in ("Dune", "Arrival", "Prisoners")), reply.text


def test_seen_items_are_never_recommended(runtime, say):
    user = "demo-09"
    replies = say("what should I watch tonight?", "a drama", "not those, others", "something older", user=user)
    shown = {i.id for r in replies for i in r.items}
    assert shown and not shown & seen(runtime, user)


def test_a_tag_said_to_be_unwanted_keeps_its_films_out_and_the_search_goes_on(say, runtime):
    assert any("violence" in it.tags and "Crime" in it.genres for it in runtime.catalog.items.values())  # something to rule out
    first, avoided, older = say("a crime film please", "I don't like violence", "any older ones?")
    for reply in (avoided, older):
        assert items(runtime, reply) and all("violence" not in it.tags and "Crime" in it.genres for it in items(runtime, reply))
        assert {"field": "tags", "values": ["violence"], "negate": True} in calls(reply, "recommend")[-1]["args"]["attributes"]
    assert calls(older, "recommend")[-1]["args"]["year_to"] < min(it.year for it in items(runtime, avoided))


def test_seen_all_of_a_list_is_one_line_and_the_search_goes_on(runtime, say):
    first, then = say("three westerns please", "honestly I've seen all of those")
    films = [item.id for item in first.items]
    assert len(films) == 3
    seen = [c["args"]["item"] for c in then.tool_calls if c["name"] == "record_feedback"]
    assert seen == films and then.items and not {i.id for i in then.items} & set(films), then.tool_calls
    noted = [line for line in then.text.splitlines() if line.startswith("Noted")]
    assert len(noted) == 1 and noted[0].endswith("I won't suggest them again.") and all(f"*{runtime.catalog[f].title}*" in noted[0] for f in films), then.text


def test_a_film_whose_title_is_a_year_is_recorded(say, runtime):
    # "1917" is a year as well as a film: the feedback names the film, and it is recorded.
    (reply,) = say("I loved 1917")
    assert "couldn't find" not in reply.text and "*1917* (2019)" in reply.text
    liked, *_ = say("I didn't like 1917, too long. something lighter?")
    assert "*1917* (2019)" in liked.text and "1917-2019" not in {i.id for i in liked.items}


def test_a_title_the_catalog_lacks_lists_nothing_its_words_do_not_describe(runtime, say):
    (missing,) = say("Do you have Hot Fuzz?")
    assert missing.text == "I couldn't find “hot fuzz” in the catalog." and missing.items == []


def test_either_of_two_genres_is_one_of_them_and_a_refinement_redoes_it(runtime, say):
    """"a western or a war film" asked for films that are both (none on the demo: "Nothing in
    the catalog matches"); each pick now has one of them, and "no westerns" leaves the war films."""
    either, older, no_westerns = say("a western or a war film", "older", "no westerns")
    genres = lambda reply: [set(runtime.catalog[i.id].genres) for i in reply.items]  # noqa: E731
    assert either.items and all(g & {"Western", "War"} for g in genres(either)), either.text
    assert any("Western" in g for g in genres(either)) and any("War" in g for g in genres(either))
    assert older.items and all(g & {"Western", "War"} for g in genres(older))
    assert no_westerns.items and all("War" in g and "Western" not in g for g in genres(no_westerns)), no_westerns.text
    # Where enough films are both ("comedy or drama"), those come: they suit either wish.
    (both,) = say("comedy or drama?", channel="either-both")
    assert both.items and all({"Comedy", "Drama"} <= g for g in genres(both)), both.text
    # Each side naming more than one genre stays as it was said: all of them.
    (call,) = [c for c in say("a romantic comedy or a thriller")[0].tool_calls if c["name"] == "recommend"]
    assert "any_genres" not in call["args"]


def test_the_last_picks_are_said_again_when_asked(runtime, say):
    fresh, = say("what did you recommend me last time?")
    assert not fresh.items and "haven't suggested anything" in fresh.text
    westerns, _, again = say("some westerns", "ok thanks", "what were those films again?")
    assert again.text.startswith("Last time I suggested:")
    assert all(f"*{item.title}*" in again.text for item in westerns.items)
    # A question that goes on is a request (review finding: these repeated the list).
    for text in ("what were the films Hitchcock made in the 50s?", "what did you recommend to people who liked Heat?"):
        assert [c["name"] for c in say(text)[0].tool_calls] == ["recommend"], text


def test_rate_the_first_one_gives_no_star(runtime, say):
    """"one" is a star only with its unit: "rate the first one" had saved 1★ (review finding)."""
    replies = say("some westerns", "rate the first one", "give the last one one star")
    assert not [c for c in replies[1].tool_calls if c["name"] == "record_feedback"], replies[1].tool_calls
    assert [c["args"]["rating"] for c in replies[2].tool_calls if c["name"] == "record_feedback"] == [1.0]


def test_the_others_are_the_picks_not_yet_spoken_of_since_the_list(runtime, say):
    """The conversation remembers which picks were given feedback since the list was shown."""
    picks, liked, rated = say("some thrillers", "loved the first one", "rate the others 2", user="fan-of-the-rest")
    ids = [i.id for i in picks.items]
    assert [c["args"]["item"] for c in calls(liked, "record_feedback")] == ids[:1]
    assert [(c["args"]["item"], c["args"]["rating"]) for c in calls(rated, "record_feedback")] == [(i, 2.0) for i in ids[1:]]


def test_a_film_named_by_what_happens_in_it_is_found_seen_or_not(runtime, say):
    """"what's the movie where a guy relives the same day over and over" gave five picks for
    those words (the film itself, seen, never among them)."""
    runtime.history.record_feedback("fan-of-loops", "groundhog-day-1993", "seen")  # they are trying to name one they saw
    for text in ("what's the movie where a weatherman relives the same day over and over?",
                 "i'm trying to remember a film about a small town festival day that keeps repeating"):
        (reply,) = say(text, user="fan-of-loops")
        (call,) = calls(reply)
        assert call["name"] == "search_catalog" and call["args"]["plot"] is True, call
        assert reply.items and reply.items[0].id == "groundhog-day-1993", reply.text
    (reply,) = say("what's that film with a pink elephant flying a spaceship to mars", user="fan-of-loops")
    assert reply.items and len(reply.items) <= 3  # the nearest, for someone trying to name one
