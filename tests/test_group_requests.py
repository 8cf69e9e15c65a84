"""Group requests in chat, through ChatService and the offline planner (and a scripted model
for what a language model could try): who the group is, what it gets, follow-ups, privacy."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage

from bot.core import ChatService, Incoming
from chatrec_agent.conversation.agent import Agent
from chatrec_agent.runtime import Runtime
from chatrec_agent.settings import settings_from_dict

from .conftest import film_records, write_jsonl
from .test_agent_llm import ScriptedModel

ANA, BEN, CLEO, ME = ("UANA", "Ana"), ("UBEN", "Ben"), ("UCLEO", "Cleo"), ("UME", "Mo")
ANA_LOVED = {"alien": 5, "heat": 4}
ANA_HATED = "get-out"
BEN_LOVED = {"heat": 5, "mad-max-fury-road": 5}


def ratings() -> list[dict]:
    """40 background people with a favourite genre each (so the models learn something), and
    ana and ben, two catalog users with tastes of their own."""
    films = film_records()
    genres = {f["id"]: f["genres"] for f in films}
    rng = random.Random(4)
    rows = []
    for u in range(40):
        favourite = rng.choice(["Comedy", "Horror", "Drama", "Action", "Sci-Fi"])
        for f in rng.sample(sorted(genres), 8):
            rows.append({"user_id": f"u{u}", "item_id": f, "timestamp": 1,
                         "rating": 5 if favourite in genres[f] else rng.choice([1, 2, 3])})
    rows += [{"user_id": "ana", "item_id": i, "rating": r, "timestamp": 2} for i, r in ANA_LOVED.items()]
    rows += [{"user_id": "ana", "item_id": ANA_HATED, "rating": 1, "timestamp": 2}]
    rows += [{"user_id": "ben", "item_id": i, "rating": r, "timestamp": 2} for i, r in BEN_LOVED.items()]
    return rows


@pytest.fixture(scope="module")
def runtime(tmp_path_factory, embedder) -> Runtime:
    folder: Path = tmp_path_factory.mktemp("groups")
    settings = settings_from_dict(
        {"catalog": {"format": "jsonl", "path": str(write_jsonl(folder / "films.jsonl", film_records())),
                     "interactions_path": str(write_jsonl(folder / "ratings.jsonl", ratings()))},
         "storage": {"dir": str(folder / "store")}, "bot": {"rate_limit_per_minute": 1000}}, environ={})
    runtime = Runtime.start(settings, embedder=embedder)
    for platform in ("slack", "discord"):
        runtime.history.link(platform, "T1", ANA[0], "ana")
        runtime.history.link(platform, "T1", BEN[0], "ben")
    yield runtime
    runtime.close()


@pytest.fixture
def chat(runtime, request, monkeypatch):
    """say(text, who=ME, mentions=()) through ChatService, each test in its own thread; the
    agent's Reply (with its tool calls) comes back."""
    service = ChatService(runtime)
    thread = request.node.name
    replies = []
    respond = runtime.agent.respond
    monkeypatch.setattr(runtime.agent, "respond", lambda *a, **k: replies.append(respond(*a, **k)) or replies[-1])

    def say(text: str, who=ME, mentions=(), platform: str = "slack", private: bool = False):
        out = service.handle(Incoming(platform, "T1", "D1" if private else "C1", who[0], text, thread,
                                      mentions=tuple(mentions), user_name=who[1], private=private))
        assert out is not None and out.text == replies[-1].text
        return replies[-1]

    return say


def called(runtime, reply) -> list[str]:
    return [c["name"] for c in reply.tool_calls]


def seen_by(runtime, user: str) -> set[str]:
    return {e.item_id for e in runtime.history.user_history(user)}


@pytest.mark.parametrize("platform", ["slack", "discord"])
def test_a_group_request_picks_for_everyone_it_mentions(runtime, chat, platform):
    reply = chat("a film for @Ana, @Ben and me", mentions=[ANA, BEN], platform=platform)
    assert [c["name"] for c in reply.tool_calls] == ["recommend_for_group"]
    assert {p.id for p in reply.group} == {"UANA", "UBEN", "UME"}
    assert {p.user for p in reply.group} >= {"ana", "ben"}  # mentions resolve through the identity links
    assert reply.items and all(i.id in runtime.catalog for i in reply.items)
    shown = {i.id for i in reply.items}
    assert ANA_HATED not in shown  # never what a member disliked
    assert not shown & (seen_by(runtime, "ana") | seen_by(runtime, "ben"))  # nor what one has seen
    assert reply.text.startswith(f"Here are {len(reply.items)} picks for Ana, Ben and you")
    assert "You have no history with me yet, so count as neutral" in reply.text  # Mo is unlinked, no feedback


def test_the_usual_constraints_apply_to_a_group(runtime, chat):
    reply = chat("a comedy for @Ana and @Ben, nothing before 1990", mentions=[ANA, BEN])
    args = reply.tool_calls[0]["args"]
    assert args["genres"] == ["Comedy"] and args.get("year_from") == 1990
    assert reply.items and all("Comedy" in runtime.catalog[i.id].genres and runtime.catalog[i.id].year >= 1990
                               for i in reply.items)


def test_follow_ups_stay_with_the_group(runtime, chat):
    first = chat("something for @Ana, @Ben and me", mentions=[ANA, BEN])
    oldest = min(runtime.catalog[i.id].year for i in first.items)
    older = chat("something older")
    assert called(runtime, older) == ["recommend_for_group"] and older.tool_calls[0]["args"]["group"] == "same"
    assert {p.id for p in older.group} == {"UANA", "UBEN", "UME"}
    assert all(runtime.catalog[i.id].year < oldest for i in older.items)

    why = chat("why the second one?")
    assert called(runtime, why) == ["explain_for_group"]
    assert why.items[0].id == older.items[1].id and why.text.startswith(f"*{older.items[1].title}*")

    without = chat("without Ben")
    assert called(runtime, without) == ["recommend_for_group"]
    assert {p.id for p in without.group} == {"UANA", "UME"} and "for Ana and you" in without.text

    added = chat("add @Cleo", mentions=[CLEO])
    assert {p.id for p in added.group} == {"UANA", "UME", "UCLEO"}
    # The speaker hears they count as neutral; that Cleo has rated nothing is hers to tell.
    assert "You have no history with me yet" in added.text and "Cleo have" not in added.text

    mine = chat("just for me")
    assert called(runtime, mine) == ["recommend"] and not mine.group


def test_people_leave_and_the_speaker_goes_back_to_their_own_picks_in_other_words(runtime, chat):
    chat("a drama for @Ana, @Ben and me", mentions=[ANA, BEN])
    out = chat("count Ana out")
    assert {p.id for p in out.group} == {"UBEN", "UME"} and out.tool_calls[0]["args"].get("genres") == ["Drama"]
    mine = chat("hmm, only for me please")
    assert called(runtime, mine) == ["recommend"] and mine.tool_calls[0]["args"].get("genres") == ["Drama"]


def test_like_a_title_steers_a_groups_picks_and_a_long_name_stays_a_name(runtime, chat):
    okafor = ("UOK", "Ben Okafor")
    reply = chat("something like Fargo for @Ben Okafor and me", mentions=[okafor])
    assert called(runtime, reply) == ["recommend_for_group"]
    assert {p.id for p in reply.group} == {"UOK", "UME"}
    assert reply.text.startswith("Here are") and "like *Fargo* (1996) for Ben Okafor and you" in reply.text
    assert "fargo" not in {i.id for i in reply.items} and "okafor" not in str(reply.tool_calls[0]["args"]).lower()
    unknown = chat("something like Fargoh Zorblax for @Ben Okafor and me", mentions=[okafor])
    assert "I couldn't find" in unknown.text  # an unknown seed is said, with close matches


def test_without_a_genre_is_a_filter_and_without_a_member_is_not(runtime, chat):
    chat("a film for @Ana and @Ben", mentions=[ANA, BEN])
    reply = chat("without horror")
    args = reply.tool_calls[0]["args"]
    assert args.get("exclude_genres") == ["Horror"] and "without" not in args
    assert {p.id for p in reply.group} == {"UANA", "UBEN", "UME"}
    assert all("Horror" not in runtime.catalog[i.id].genres for i in reply.items)


def test_the_people_who_spoke_in_a_thread_are_the_group(runtime, chat):
    chat("hello", who=ANA)
    chat("hi there", who=BEN)
    reply = chat("what should the three of us watch?")
    assert called(runtime, reply) == ["recommend_for_group"] and reply.tool_calls[0]["args"]["group"] == "everyone_here"
    assert {p.id for p in reply.group} == {"UANA", "UBEN", "UME"}


def test_the_number_counted_takes_the_latest_speakers_and_says_who_is_missing(runtime, chat):
    chat("hello", who=CLEO)
    chat("hi", who=ANA)
    chat("hey", who=BEN)
    two = chat("a film for both of us", who=BEN)
    assert {p.id for p in two.group} == {"UBEN", "UANA"}  # Ben and the latest other to speak
    chat("and me?", who=ME)
    five = chat("something for the five of us")
    assert {p.id for p in five.group} == {"UME", "UBEN", "UANA", "UCLEO"}
    assert five.text.startswith("I only know of") and "mention anyone else" in five.text


def test_one_person_is_not_a_group(runtime, chat):
    """"all of us" with nobody else here: the speaker's own picks (their own explanations, no
    "for the group"), and the answer says whom it knows of (a group a model names with nobody
    in it is still refused: test_a_language_model_cannot_put_anyone_in_a_group)."""
    reply = chat("something for all of us")  # nobody else has spoken here, nobody is mentioned
    assert reply.items and [p.id for p in reply.group] == ["UME"]
    assert reply.text.startswith("I only know of you") and "group" not in " ".join(i.explanation for i in reply.items)


@pytest.mark.parametrize("text, genre", [("Both of us hate gore. Suggest a horror that's more creepy than bloody", "Horror"),
                                         ("the three of us want a comedy tonight", "Comedy")])
def test_a_counted_group_with_only_the_speaker_here_gets_their_picks_and_is_told(runtime, chat, text, genre):
    """"both of us" in a DM or a quiet thread: the others are not on the chat, so the picks are
    the speaker's own and the answer says who it knows of (was: "A group needs at least two
    people", and no picks)."""
    reply = chat(text, private=True)
    assert reply.items and all(genre in runtime.catalog[i.id].genres for i in reply.items), reply.text
    assert reply.text.startswith("I only know of you") and "mention anyone else" in reply.text


PRIVATE_STARS = re.compile(r"(Ana|Ben) rated it")


def test_a_members_own_ratings_stay_out_of_a_channel_unless_they_allow_it(runtime, chat):
    def explanations(reply) -> str:
        return " ".join(i.explanation for i in reply.items) + reply.text

    channel = chat("a film for @Ana and @Ben", mentions=[ANA, BEN])
    assert channel.items and not PRIVATE_STARS.search(explanations(channel))
    assert not re.search(r"\d★", explanations(channel))
    runtime.history.set_taste_sharing("ana", True)
    try:
        shared = chat("something else for @Ana and @Ben", mentions=[ANA, BEN])
        text = explanations(shared)
        assert "Ana rated it" in text  # she allowed it
        assert "Ben rated it" not in text  # he did not
    finally:
        runtime.history.set_taste_sharing("ana", False)
    # In a DM only the speaker reads it: their own ratings may be named, another member's
    # still never without consent.
    dm = chat("a film for @Ben and me", who=ANA, mentions=[BEN], private=True)
    assert "you rated it" in explanations(dm) and "Ben rated it" not in explanations(dm)
    assert set(re.findall(r"(\w+) (?:rated|liked) it", explanations(dm))) == {"you"}  # "what Ben rated highly" names no film


def test_a_language_model_cannot_put_anyone_in_a_group(runtime, tmp_path):
    """Whatever the model writes, members come only from the mentions and the conversation."""
    model = ScriptedModel(script=[
        AIMessage(content="", tool_calls=[{"name": "recommend_for_group", "id": "g1", "args": {
            "group": "mentioned", "members": ["ana", "ben"], "user_ids": ["ben"], "k": 3}}]),
        AIMessage(content="Done."),
    ], seen=[])
    agent = Agent(runtime.agent.services, model, tmp_path)
    reply = agent.respond("chan-g", "slack:T1:UME", "pick for ana and ben", speaker="UME")
    assert not reply.items and not reply.group  # nobody mentioned: no group, whatever the model named
    payload = model.seen[-1][-1].content
    assert "A group needs at least two people" in payload and '"ana"' not in payload


def test_a_language_model_picks_the_strategy_and_the_adapters_people_are_the_group(runtime, tmp_path):
    from chatrec_agent.conversation.people import Audience, Person

    model = ScriptedModel(script=[
        AIMessage(content="", tool_calls=[{"name": "recommend_for_group", "id": "g1", "args": {
            "group": "mentioned", "strategy": "least_misery", "genres": ["Drama"], "k": 3}}]),
        AIMessage(content="Three dramas nobody will hate."),
    ], seen=[])
    agent = Agent(runtime.agent.services, model, tmp_path)
    audience = Audience(Person("UME", "Mo", "slack:T1:UME"), (Person("UANA", "Ana", "ana"), Person("UBEN", "Ben", "ben")))
    reply = agent.respond("chan-s", "slack:T1:UME", "three dramas for @Ana and @Ben, nobody should hate them",
                          speaker="UME", audience=audience)
    assert {p.user for p in reply.group} == {"slack:T1:UME", "ana", "ben"} and len(reply.items) == 3
    assert all("Drama" in runtime.catalog[i.id].genres for i in reply.items)
    assert '"strategy": "least_misery"' in model.seen[-1][-1].content
    assert ANA_HATED not in {i.id for i in reply.items}


# Phrasings written for these tests (the held-out ones live in benchmarks/heldout_requests.py).
@pytest.mark.parametrize("text, mentions, source", [
    ("what should @Ana and I watch tonight?", [ANA], "mentioned"),
    ("@Ana @Ben pick us a thriller", [ANA, BEN], "mentioned"),
    ("we need a film for @Ben and me, no musicals", [BEN], "mentioned"),
    ("any ideas for all of us?", [], "everyone_here"),
])
def test_ways_to_ask_for_a_group(runtime, chat, text, mentions, source):
    chat("hello", who=ANA)
    reply = chat(text, mentions=mentions)
    assert reply.tool_calls and reply.tool_calls[0]["name"] == "recommend_for_group"
    assert reply.tool_calls[0]["args"]["group"] == source


@pytest.mark.parametrize("text", ["what does @Ana like?", "show me @Ana's ratings", "what has @Ana watched lately"])
def test_asking_about_a_mentioned_persons_taste_is_declined(runtime, chat, text):
    reply = chat(text, mentions=[ANA])
    assert not reply.tool_calls and not reply.items and "other people's" in reply.text


@pytest.mark.parametrize("text", ["a film everyone loves", "a movie for the whole family", "something to watch together",
                                  "recommend me a crowd-pleaser"])
def test_personal_requests_that_sound_social_stay_personal(runtime, chat, text):
    reply = chat(text)
    assert [c["name"] for c in reply.tool_calls] == ["recommend"]


def test_in_a_dm_a_group_answer_tells_nothing_of_another_members_ratings(runtime, chat):
    """Mo (no history) asks in a DM for a film for Ana and him: Ana shares nothing, so what
    Mo reads may not tell what she rated, liked, disliked or has seen."""
    title = next(f["title"] for f in film_records() if f["id"] == ANA_HATED)
    picks = chat("a film for @Ana and me", mentions=[ANA], private=True)
    why_hated = chat(f"why {title}?", private=True)
    assert called(runtime, why_hated) == ["explain_for_group"]
    why_pick = chat("why the first one?", private=True)
    said = " ".join([picks.text, *(i.explanation for i in picks.items), why_hated.text, why_pick.text])
    assert picks.items and "Ana rated" not in said and "Ana liked" not in said and "Ana's taste" not in said
    assert "didn't like" not in said and "nobody here has seen" not in said and not re.search(r"\d★", said)
    assert "Ana has no history" not in said and "Ana and you have" not in said


def test_a_members_list_counts_in_a_group_pick_only_with_their_consent(runtime, chat):
    """Ana saved a film the pair would not get otherwise: with taste sharing off her list is
    not named; with it on, the film comes up and is said to be on her list."""
    ordinary = {i.id for i in chat("a film for @Ana and @Ben", mentions=[ANA, BEN]).items}
    saved = runtime.catalog["saving-private-ryan"]
    assert saved.id not in ordinary
    runtime.history.save_for_later("ana", saved.id)
    try:
        private = chat("another film for @Ana and @Ben", mentions=[ANA, BEN])
        assert "list" not in private.text and all("list" not in i.explanation for i in private.items)
        runtime.history.set_taste_sharing("ana", True)
        shared = chat("five more films for @Ana and @Ben", mentions=[ANA, BEN])
        pick = next((i for i in shared.items if i.id == saved.id), None)
        assert pick is not None and "It's on Ana's list to watch" in pick.explanation, shared.text
    finally:
        runtime.history.set_taste_sharing("ana", False)
        runtime.history.remove_from_watchlist("ana", saved.id)
