"""The poll store: a group's picks and one vote per member, on both backends (SQLite and a
real PostgreSQL server), clicks raced on two stores sharing one database as replicas do."""

from __future__ import annotations

import pytest

from chatrec_agent.store.backends import open_history
from chatrec_agent.store.polls import PollStore

from .conftest import race
from .test_history import committed

ANA, BEN, CY = ({"id": f"U{n}", "name": name, "user": f"slack:T1:U{n}"} for n, name in enumerate(("Ana", "Ben", "Cy"), 1))
CARDS = [{"id": i, "title": i.title(), "year": 1990 + n, "genres": ["Crime"], "explanation": "because"}
         for n, i in enumerate(("fargo", "heat", "alien"))]


@pytest.fixture
def polls(storage):
    history = open_history(storage)
    yield PollStore(history)
    history.close()


def open_poll(polls: PollStore, members=(ANA, BEN, CY)) -> str:
    return polls.open("slack", "T1", "slack:T1:C1:1.1", list(members), CARDS, "Here are 3 picks for you all")


def test_a_poll_keeps_its_members_cards_and_text(polls, storage):
    poll_id = open_poll(polls)
    assert len(poll_id) == 12 and ":" not in poll_id  # it goes into button values and custom_ids
    poll = polls.get("slack", "T1", poll_id)
    assert poll.members == (ANA, BEN, CY) and list(poll.items) == CARDS and poll.text.startswith("Here are 3")
    assert poll.votes == {} and poll.winner is None and poll.conversation == "slack:T1:C1:1.1"
    assert committed(storage, "SELECT id FROM polls") == [(poll_id,)]
    assert polls.get("slack", "T2", poll_id) is None and polls.get("discord", "T1", poll_id) is None  # not elsewhere


def test_one_vote_per_member_and_a_new_click_changes_it(polls, storage):
    poll_id = open_poll(polls)
    assert polls.vote("slack", "T1", poll_id, "U1", "fargo").outcome == "counted"
    assert polls.vote("slack", "T1", poll_id, "U1", "fargo").outcome == "same"
    changed = polls.vote("slack", "T1", poll_id, "U1", "heat")
    assert (changed.outcome, changed.previous, changed.decided) == ("changed", "fargo", False)
    assert changed.poll.votes == {"U1": "heat"}
    assert committed(storage, "SELECT voter, item_id FROM poll_votes") == [("U1", "heat")]


def test_non_members_unlisted_items_and_unknown_polls_are_refused(polls, storage):
    poll_id = open_poll(polls)
    assert polls.vote("slack", "T1", poll_id, "U9", "fargo").outcome == "not_member"
    assert polls.vote("slack", "T1", poll_id, "U1", "toy-story").outcome == "not_listed"
    assert polls.vote("slack", "T1", "nope", "U1", "fargo").outcome == "unknown"
    assert polls.vote("slack", "T2", poll_id, "U1", "fargo").outcome == "unknown"  # another workspace
    assert committed(storage, "SELECT COUNT(*) FROM poll_votes") == [(0,)]


def test_the_last_vote_decides_and_closes_the_poll(polls, storage):
    poll_id = open_poll(polls)
    polls.vote("slack", "T1", poll_id, "U1", "heat")
    polls.vote("slack", "T1", poll_id, "U2", "alien")
    last = polls.vote("slack", "T1", poll_id, "U3", "alien")
    assert last.decided and last.poll.winner == "alien" and last.poll.everyone_voted
    assert committed(storage, "SELECT winner FROM polls") == [("alien",)]
    late = polls.vote("slack", "T1", poll_id, "U1", "fargo")
    assert (late.outcome, late.decided, late.poll.votes["U1"]) == ("closed", False, "heat")


def test_a_tie_goes_to_the_item_listed_first(polls):
    poll_id = open_poll(polls, members=(ANA, BEN))
    polls.vote("slack", "T1", poll_id, "U1", "alien")
    assert polls.vote("slack", "T1", poll_id, "U2", "heat").poll.winner == "heat"  # listed before alien


def test_the_last_two_votes_clicked_together_on_two_replicas_decide_once(storage):
    """Each replica sees the other's vote: neither may miss it (then nobody would announce
    the winner) nor announce it too."""
    replicas = [open_history(storage) for _ in range(2)]
    try:
        stores = [PollStore(r) for r in replicas]
        for _ in range(10):  # a lost race shows up within a few tries
            poll_id = open_poll(stores[0], members=(ANA, BEN))
            ballots = []
            race(2, lambda n, poll_id=poll_id, ballots=ballots: ballots.append(
                stores[n].vote("slack", "T1", poll_id, f"U{n + 1}", CARDS[2 - n]["id"])))
            assert sorted(b.outcome for b in ballots) == ["counted", "counted"]
            assert [b.decided for b in ballots].count(True) == 1
            poll = stores[1].get("slack", "T1", poll_id)
            assert poll.votes == {"U1": "alien", "U2": "heat"} and poll.winner == "heat"
    finally:
        for r in replicas:
            r.close()
