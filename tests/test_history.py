from __future__ import annotations

import sqlite3

import pytest

from chatrec_agent.catalog import Catalog, Interaction, Item
from chatrec_agent.store.history import HistoryStore


@pytest.fixture
def items() -> dict[str, Item]:
    return {
        "fargo": Item("fargo", "Fargo", genres=("Crime", "Thriller"), year=1996),
        "heat": Item("heat", "Heat", genres=("Action", "Crime"), year=1995),
        "alien": Item("alien", "Alien", genres=("Horror", "Sci-Fi"), year=1979),
        "toy": Item("toy", "Toy Story", genres=("Animation", "Comedy"), year=1995),
    }


@pytest.fixture
def store(tmp_path, items) -> HistoryStore:
    s = HistoryStore.open(tmp_path)
    s.import_interactions(Catalog(items, [
        Interaction("ann", "fargo", 5.0, 100), Interaction("ann", "heat", 4.0, 200),
        Interaction("ann", "alien", 2.0, 300), Interaction("bob", "toy", 3.0, 50),
    ]))
    return s


def test_import_is_idempotent_and_keeps_feedback(store, items):
    store.record_feedback("ann", "toy", "liked")
    catalog = Catalog(items, [Interaction("ann", "fargo", 5.0, 100), Interaction("ann", "heat", 4.0, 200),
                              Interaction("ann", "alien", 2.0, 300), Interaction("bob", "toy", 3.0, 50)])
    assert store.import_interactions(catalog) is False  # unchanged: nothing rewritten
    catalog.interactions.append(Interaction("cy", "fargo", 1.0, 400))
    assert store.import_interactions(catalog) is True
    assert "cy" in store.users()
    assert "toy" in {e.item_id for e in store.top_rated("ann")}


def test_feedback_is_committed_before_the_call_returns(store, tmp_path):
    store.record_feedback("ann", "toy", "rated", rating=4.0, source="slack")
    other = sqlite3.connect(str(tmp_path / "history.sqlite3"))
    rows = other.execute("SELECT user_id, item_id, kind, rating, source FROM feedback").fetchall()
    assert rows == [("ann", "toy", "rated", 4.0, "slack")]


def test_latest_signal_wins_and_seen_keeps_an_opinion(store):
    store.record_feedback("ann", "alien", "liked")
    assert {e.item_id: e.signal for e in store.user_history("ann")}["alien"] == "liked"
    store.record_feedback("ann", "alien", "seen")
    assert {e.item_id: e.signal for e in store.user_history("ann")}["alien"] == "liked"
    store.record_feedback("ann", "fargo", "disliked")
    assert [e.item_id for e in store.disliked("ann")] == ["fargo"]
    store.record_feedback("dan", "heat", "seen")
    entry = store.user_history("dan")[0]
    assert (entry.signal, entry.preference) == ("seen", 0.0)
    assert store.seen("dan") == {"heat"}


def test_queries_for_the_tools(store):
    assert [e.item_id for e in store.recent("ann", 2)] == ["alien", "heat"]
    assert [e.item_id for e in store.top_rated("ann")] == ["fargo", "heat"]  # 2 stars is not a favourite
    assert store.disliked("ann")[0].item_id == "alien"
    assert store.seen("ann") == {"fargo", "heat", "alien"}
    with pytest.raises(ValueError):
        store.record_feedback("ann", "toy", "rated")  # a rating is required
    with pytest.raises(ValueError):
        store.record_feedback("ann", "toy", "loved")  # type: ignore[arg-type]


def test_taste_profile_shares(store, items):
    profile = store.taste_profile("ann", items)
    assert profile.favourites == 2  # fargo 5, heat 4
    assert {g.name: (g.share, g.count) for g in profile.genres} == {
        "Crime": (1.0, 2), "Thriller": (0.5, 1), "Action": (0.5, 1)
    }
    assert {e.name: e.share for e in profile.eras} == {"1990s": 1.0}
    assert store.taste_profile("nobody", items).favourites == 0


def test_identity_links(store):
    assert store.catalog_user("slack", "T1", "U1") is None
    assert store.resolve_user("slack", "T1", "U1") == "slack:T1:U1"  # own, empty history
    store.link("slack", "T1", "U1", "ann", linked_by="U0")
    assert store.resolve_user("slack", "T1", "U1") == "ann"
    assert store.resolve_user("slack", "T2", "U1") == "slack:T2:U1"  # workspaces are separate
    store.link("slack", "T1", "U1", "bob")
    assert store.catalog_user("slack", "T1", "U1") == "bob"
    assert store.unlink("slack", "T1", "U1") is True
    assert store.unlink("slack", "T1", "U1") is False


def test_links_point_only_at_catalog_users(store):
    store.record_feedback("slack:T9:U7", "toy", "liked")  # a stranger's own history, in another workspace
    for target in ("slack:T9:U7", "discord:G9:55", "nobody"):
        assert not store.is_catalog_user(target)
        with pytest.raises(ValueError):
            store.link("discord", "G1", "42", target)
    assert store.resolve_user("discord", "G1", "42") == "discord:G1:42"
    with pytest.raises(ValueError):
        store.create_user("discord:G9:55")  # not even an operator can make a chat identity a catalog user
    assert store.create_user("carol", created_by="slack:T1:UOP") is True
    assert store.create_user("ann") is False  # already one, from the imported interactions
    store.link("discord", "G1", "42", "carol")
    assert store.catalog_users() == ["ann", "bob", "carol"]


def test_repeated_identical_feedback_is_stored_once(store):
    rows = lambda: store._conn.execute("SELECT COUNT(*) FROM feedback").fetchone()[0]  # noqa: E731
    first = store.record_feedback("ann", "toy", "liked")
    again = store.record_feedback("ann", "toy", "liked")
    assert rows() == 1 and again.timestamp == first.timestamp
    store.record_feedback("ann", "toy", "disliked")  # a change of mind is new
    store.record_feedback("ann", "toy", "liked")  # and so is changing it back
    store.record_feedback("ann", "toy", "rated", rating=4.0)
    store.record_feedback("ann", "toy", "rated", rating=4.0)
    store.record_feedback("ann", "toy", "rated", rating=2.0)
    assert rows() == 5
    assert store.entry("ann", "toy").rating == 2.0


def test_reopened_store_keeps_everything(store, tmp_path):
    store.record_feedback("ann", "toy", "liked")
    store.link("discord", "G1", "42", "ann")
    store.close()
    again = HistoryStore.open(tmp_path)
    assert "toy" in {e.item_id for e in again.top_rated("ann")}
    assert again.catalog_user("discord", "G1", "42") == "ann"
    assert len(again.all_interactions()) == 5
