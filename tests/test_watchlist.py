"""The watchlist in words, through the agent and the offline planner on the demo catalog:
save by position, pronoun or title, show, remove, and a film watched leaves the list. (The
Save button is tested through the adapters: test_slack_app.py, test_discord_app.py; the
store on SQLite and PostgreSQL: test_history.py.)"""

from __future__ import annotations

from dataclasses import replace

import pytest

from chatrec_agent.conversation.planner.memory import Recall, recall
from chatrec_agent.runtime import Runtime
from chatrec_agent.settings import settings_from_dict

from .test_real_words import by_title, calls, shown


@pytest.fixture(scope="module")
def runtime(tmp_path_factory, embedder) -> Runtime:
    folder = tmp_path_factory.mktemp("watchlist")
    return Runtime.start(settings_from_dict({"storage": {"dir": str(folder)}}, environ={}), embedder=embedder)


@pytest.mark.parametrize("text, action, position", [
    ("save the third one", "add", 2), ("Please bookmark the first one", "add", 0),
    ("put the second one on my watch list", "add", 1), ("add #3 to my list, thanks", "add", 2),
    ("remove the first one from my watchlist", "remove", 0), ("take number 2 off my list please", "remove", 1),
    # The polite words around a request (cues.POLITE_OPENER/CLOSER, shared with the request cues).
    ("could you bookmark the third one for me?", "add", 2), ("hey, can you put the first one on my list, thanks", "add", 0),
    ("would you drop #2 from my watchlist please?", "remove", 1),
])
def test_saving_and_removing_by_position(runtime, text, action, position):
    parser = runtime.agent.model.parser
    memory = shown(runtime.catalog, "Casablanca", "Fargo", "Heat")
    assert calls(parser.plan(text, memory)) == [
        {"name": "watchlist", "args": {"action": action, "item": memory.last_shown[position]["id"]}}]


@pytest.mark.parametrize("text", ["what's on my list?", "show me my watchlist", "my saved films", "anything on my list?"])
def test_asking_for_the_list(runtime, text):
    assert calls(runtime.agent.model.parser.plan(text, Recall())) == [{"name": "watchlist", "args": {"action": "show"}}]


@pytest.mark.parametrize("text", ["add a comedy", "keep them coming", "save me from boring films", "a list of westerns",
                                  "save me something scary"])
def test_requests_that_only_sound_like_it_are_requests(runtime, text):
    plan = runtime.agent.model.parser.plan(text, Recall())
    assert [c["name"] for c in calls(plan)] == ["recommend"] and not plan.answer, (plan.answer, calls(plan))


def test_a_title_that_sounds_like_a_position_is_the_title(runtime):
    """"add The Last Picture Show …" with a list on screen: that film, not the last card."""
    catalog, parser = runtime.catalog, runtime.agent.model.parser
    film = next(i for i in catalog.items.values() if i.title.startswith(("The Last ", "The Third ", "The Second ")))
    plan = parser.plan(f"add {film.title} to my list", shown(catalog, "Casablanca", "Fargo", "Heat"))
    assert calls(plan) == [{"name": "watchlist", "args": {"action": "add", "item": film.id}}], calls(plan)


def test_a_conversation_keeps_a_list(runtime):
    agent, user = runtime.agent, "watchlist-ana"

    def say(text):
        return agent.respond("watchlist-conv", user, text)

    picks = [i.id for i in say("give me 3 westerns").items]
    assert say("save the second one").text.startswith("Saved ")
    assert "already on your list" in say("save the second one").text
    say("add Heat to my list")
    listed = say("what's on my list?")
    assert [i.id for i in listed.items] == [picks[1], by_title(runtime.catalog, "Heat")]
    say("I watched the first one")  # the first of the list just shown: watched, so off the list
    assert runtime.history.watchlist(user) == [by_title(runtime.catalog, "Heat")]
    assert "wasn't on your list" in say("take it off my list").text  # "it": the one just watched
    assert "Took *Heat* (1995) off your list" in say("take Heat off my list").text
    assert "list is empty" in say("my watchlist").text
    assert runtime.history.watchlist("someone-else") == []


def test_a_long_list_shows_its_first_films_and_counts_the_rest(runtime):
    films = list(runtime.catalog.items)[:25]
    for item_id in films:
        runtime.history.save_for_later("watchlist-long", item_id)
    reply = runtime.agent.respond("watchlist-long-conv", "watchlist-long", "what's on my list?")
    assert reply.text.startswith("Your list (25 saved; the first 20):") and [i.id for i in reply.items] == films[:20]
    remembered = recall(runtime.agent.history("watchlist-long-conv"))
    assert [c["id"] for c in remembered.last_shown] == films[:20]  # "remove the third one" works on it
    assert remembered.shown_ids == []  # but the list is no picks: later requests don't skip its films


@pytest.mark.parametrize("text, action", [("take this movie off my list", "remove"), ("save this film", "add"),
                                          ("remove those from my list", "remove")])
def test_a_pronoun_names_the_film_in_hand_for_saving_and_removing(runtime, text, action):
    parser = runtime.agent.model.parser
    memory = shown(runtime.catalog, "Casablanca")  # one film shown: the film in hand
    assert calls(parser.plan(text, memory)) == [
        {"name": "watchlist", "args": {"action": action, "item": by_title(runtime.catalog, "Casablanca")}}]


@pytest.mark.parametrize("text", ["give me 5 films", "anything good tonight?"])
def test_a_request_right_after_the_list_is_a_request_of_its_own(runtime, text):
    """After the list (no search running), a bare request is not read as "more like which one?"."""
    memory = replace(shown(runtime.catalog, "Casablanca", "Fargo", "Heat"), last_recommend=None, list_tool="watchlist")
    plan = runtime.agent.model.parser.plan(text, memory)
    assert [c["name"] for c in calls(plan)] == ["recommend"] and not plan.answer, (plan.answer, calls(plan))
