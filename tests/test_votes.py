"""Group picks, deciding: the service behind the vote buttons, tested once here (the
adapters' tests run the same through Slack and Discord). Real catalog, store and runtime;
the group answer itself comes from a stand-in agent turn (the asking part builds it)."""

from __future__ import annotations

import pytest

from bot.core import CLICKS_LIMITED, ChatService, Command, Incoming
from chatrec_agent.conversation.agent import Reply, ReplyItem
from chatrec_agent.conversation.people import Person
from chatrec_agent.runtime import Runtime
from chatrec_agent.settings import settings_from_dict
from chatrec_agent.store.coordination import RateLimit

from .conftest import film_records, write_jsonl

ANA, BEN, CY = Person("U1", "Ana", "slack:T1:U1"), Person("U2", "Ben", "slack:T1:U2"), Person("U3", "Cy", "slack:T1:U3")


@pytest.fixture(scope="module")
def runtime(tmp_path_factory, embedder) -> Runtime:
    """One runtime for the module (starting one takes seconds); each test opens its own poll,
    and the people whose history a test reads vote in no other test."""
    folder = tmp_path_factory.mktemp("votes")
    path = write_jsonl(folder / "films.jsonl", film_records())
    settings = settings_from_dict({"catalog": {"format": "jsonl", "path": str(path)},
                                   "storage": {"dir": str(folder / "store")}, "bot": {"rate_limit_per_minute": 100}},
                                  environ={})
    return Runtime.start(settings, embedder=embedder)


def group_reply(runtime: Runtime, group=(ANA, BEN, CY), ids=("fargo", "heat", "alien")) -> Reply:
    """A group's picks as the agent's group answer would give them: real catalog items."""
    items = [ReplyItem(i, runtime.catalog[i].title, runtime.catalog[i].year, list(runtime.catalog[i].genres),
                       f"{runtime.catalog[i].title} suits the group.") for i in ids]
    lines = "\n".join(f"{n}. {item.title}" for n, item in enumerate(items, 1))
    return Reply(f"Here are {len(items)} picks for {', '.join(p.name for p in group)}\n{lines}", items, group=group)


@pytest.fixture
def service(runtime, monkeypatch) -> ChatService:
    monkeypatch.setattr(runtime.agent, "respond", lambda *a, **kw: group_reply(runtime))
    return ChatService(runtime)


def ask(service: ChatService) -> str:
    reply = service.handle(Incoming("slack", "T1", "C1", "U1", "a film for @Ben, @Cy and me", "1.1"))
    return reply.poll


def test_a_group_answer_opens_a_poll_for_the_people_named(service):
    reply = service.handle(Incoming("slack", "T1", "C1", "U1", "a film for @Ben, @Cy and me", "1.1"))
    assert reply.poll and reply.group == (ANA, BEN, CY) and [i.id for i in reply.items] == ["fargo", "heat", "alien"]
    assert reply.tally.voters == {} and reply.tally.waiting == ("Ana", "Ben", "Cy") and reply.tally.open
    assert reply.tally.status(reply.items) == "🗳 Vote for the one you want; waiting for Ana, Ben and Cy."
    poll = service.votes.polls.get("slack", "T1", reply.poll)
    assert poll.conversation == "slack:T1:C1:1.1" and poll.text == reply.text


def test_an_answer_for_one_person_has_no_poll(service, runtime, monkeypatch):
    monkeypatch.setattr(runtime.agent, "respond", lambda *a, **kw: Reply("Here are 2 picks", group_reply(runtime).items[:2]))
    reply = service.handle(Incoming("slack", "T1", "C1", "U1", "give me 2 crime films"))
    assert reply.poll is None and reply.tally is None


def test_votes_are_tallied_by_name_and_a_member_may_change_theirs(service):
    poll = ask(service)
    first = service.votes.vote("slack", "T1", "U2", poll, "heat")
    assert first.text == "You voted for Heat (1995); waiting for Ana and Cy."
    assert first.tally.marks("heat") == "Ben ✓" and not first.everyone_voted and first.winner is None
    service.votes.vote("slack", "T1", "U1", poll, "heat")
    changed = service.votes.vote("slack", "T1", "U2", poll, "fargo")
    assert changed.text == "You changed your vote to Fargo (1996); waiting for Cy."
    assert changed.tally.voters == {"fargo": ("Ben",), "heat": ("Ana",)} and changed.message.poll == poll
    again = service.votes.vote("slack", "T1", "U2", poll, "fargo")
    assert again.text == "You already voted for Fargo (1996)." and again.message is None


def test_a_non_member_is_told_who_the_vote_is_for_and_nothing_counts(service):
    poll = ask(service)
    refused = service.votes.vote("slack", "T1", "U9", poll, "fargo")
    assert refused.text == "This vote is for Ana, Ben and Cy; ask me for picks of your own." and refused.message is None
    assert service.votes.polls.get("slack", "T1", poll).votes == {}


def test_when_everyone_has_voted_the_winner_is_announced_once(service):
    poll = ask(service)
    service.votes.vote("slack", "T1", "U1", poll, "alien")
    service.votes.vote("slack", "T1", "U2", poll, "heat")
    last = service.votes.vote("slack", "T1", "U3", poll, "alien")
    assert last.everyone_voted and last.winner == "alien" and last.text.endswith("everyone has voted.")
    assert last.tally.status(last.message.items) == "🏆 Everyone has voted: Alien (1979) it is."
    assert last.announcement.poll == poll
    assert last.announcement.text.startswith("🏆 Everyone has voted: Alien (1979) it is (Ana ✓ Cy ✓; Ben voted for Heat (1995))")
    late = service.votes.vote("slack", "T1", "U2", poll, "alien")
    assert late.text == "This vote has closed: the group chose Alien (1979)." and late.announcement is None


def test_a_tie_goes_to_the_groups_better_pick(service, runtime, monkeypatch):
    monkeypatch.setattr(runtime.agent, "respond", lambda *a, **kw: group_reply(runtime, group=(ANA, BEN)))
    poll = ask(service)
    service.votes.vote("slack", "T1", "U1", poll, "alien")
    assert service.votes.vote("slack", "T1", "U2", poll, "heat").winner == "heat"  # listed before Alien


def test_we_watched_it_records_seen_for_each_member_who_confirms(service, runtime):
    poll = ask(service)
    assert service.votes.watched("slack", "T1", "U1", poll) == "This vote has closed."  # nothing decided yet
    for user in ("U1", "U2", "U3"):
        service.votes.vote("slack", "T1", user, poll, "fargo")
    assert service.votes.watched("slack", "T1", "U2", poll) == "Noted: you've seen Fargo (1996); I won't suggest it to you again."
    assert service.votes.watched("slack", "T1", "U2", poll) == "Already noted: you've seen Fargo (1996)."
    assert service.votes.watched("slack", "T1", "U9", poll) == "This pick was for Ana, Ben and Cy; only they can mark it watched."
    history = runtime.history
    assert [(e.item_id, e.signal) for e in history.user_history("slack:T1:U2")] == [("fargo", "seen")]
    assert history.user_history("slack:T1:U1") == [] and history.user_history("slack:T1:U9") == []  # only who confirmed


def test_unknown_polls_and_items_no_longer_in_the_catalog(service):
    poll = ask(service)
    assert service.votes.vote("slack", "T1", "U1", "gone-poll", "fargo").text == "This vote has closed."
    assert service.votes.vote("slack", "T2", "U1", poll, "fargo").text == "This vote has closed."  # another workspace
    assert service.votes.vote("slack", "T1", "U1", poll, "no-such-film").text == "That item is no longer in the catalog."
    assert service.votes.vote("slack", "T1", "U1", poll, "toy-story").text == "Toy Story (1995) is not one of this vote's picks."


def test_vote_clicks_are_rate_limited_like_other_clicks(service):
    poll = ask(service)
    service.click_limiter = RateLimit(service.coordination, "clicks", 2)
    service.feedback("slack", "T1", "U3", "heat", "liked")  # one budget for every click
    service.votes.vote("slack", "T1", "U3", poll, "fargo")
    limited = service.votes.vote("slack", "T1", "U3", poll, "heat")
    assert limited.text == CLICKS_LIMITED and limited.message is None
    assert service.votes.polls.get("slack", "T1", poll).votes == {"U3": "fargo"}
    assert service.votes.vote("slack", "T1", "U2", poll, "heat").message is not None  # others still vote


def test_forget_and_the_retention_take_a_conversations_polls_with_it(runtime, monkeypatch):
    """Polls hold members' names and votes: they go with the conversation they belong to."""
    from bot.core import ChatService, Incoming

    service = ChatService(runtime)
    polls = service.votes.polls
    members = [{"id": "U1", "name": "Ana", "user": "u1"}, {"id": "U2", "name": "Ben", "user": "u2"}]
    card = [{"id": "fargo", "title": "Fargo", "year": 1996, "genres": [], "explanation": ""}]
    thread = service.conversation_id("slack", "T1", "C7", "t1")
    kept = polls.open("slack", "T1", service.conversation_id("slack", "T1", "C2", "t9"), members, card)
    gone = polls.open("slack", "T1", thread, members, card)
    polls.vote("slack", "T1", gone, "U1", "fargo")
    service.handle(Incoming("slack", "T1", "C7", "U1", "hello", "t1"))  # the thread has a conversation too
    result = service.command("slack", "T1", "C7", "UADMIN", Command.parse("forget"), lambda: True)
    assert result.text == "Done: I've forgotten the conversations in 1 thread of this channel and 1 group vote in it."
    assert polls.get("slack", "T1", gone) is None and polls.get("slack", "T1", kept) is not None

    old = polls.open("slack", "T1", "slack:T1:C3", members, card)
    monkeypatch.setattr("bot.votes.time.time", lambda: 10 ** 12)  # far past memory.retention_days
    service.votes._prune_now_and_then()  # what opening a poll does, at most hourly
    assert polls.get("slack", "T1", old) is None and polls.get("slack", "T1", kept) is None
