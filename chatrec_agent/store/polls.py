"""Group polls: a group's picks, one vote per member, and the winner once all have voted.

The rules and their SQL live here once and run on the history store's database, either
backend, through its own transactions: a vote, the check that decides on it and the winner
it completes are one transaction serialised per poll, so clicks arriving together (threads
or replicas) neither lose a vote nor announce a winner twice.
"""

from __future__ import annotations

import json
import secrets
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from chatrec_agent.store.history import Executor, HistoryStore

# 12 url-safe characters (no ":"): short enough for a Discord custom_id beside an item id.
_ID_BYTES = 9

Outcome = Literal["counted", "changed", "same", "closed", "not_member", "not_listed", "unknown"]


@dataclass(frozen=True)
class Poll:
    id: str
    conversation: str
    platform: str
    workspace: str
    members: tuple[dict[str, str], ...]  # {"id", "name", "user"}: who may vote, in the order named
    items: tuple[dict[str, Any], ...]  # the cards as shown: {"id", "title", "year", "genres", "explanation"}
    text: str  # the message's own text, to show it again with the tally
    created_at: float
    votes: dict[str, str]  # a member's platform id -> the item they voted for
    winner: str | None  # an item id, once everyone has voted

    @property
    def item_ids(self) -> list[str]:
        return [item["id"] for item in self.items]

    def member(self, voter: str) -> dict[str, str] | None:
        return next((m for m in self.members if m["id"] == voter), None)

    @property
    def everyone_voted(self) -> bool:
        return all(m["id"] in self.votes for m in self.members)

    def leader(self) -> str | None:
        """The item with most votes; a tie goes to the one listed first (the group's better pick)."""
        counts = Counter(self.votes.values())
        return max(self.item_ids, key=lambda item: counts[item]) if counts else None


@dataclass(frozen=True)
class Ballot:
    """What became of one vote."""

    outcome: Outcome
    poll: Poll | None  # as it stands after the vote; None for an unknown poll
    previous: str | None = None  # the voter's earlier choice, when they changed it
    decided: bool = False  # this vote was the last one: it chose the winner (true for one vote only)


class PollStore:
    """Polls in the history store's database (tables polls and poll_votes)."""

    def __init__(self, history: HistoryStore):
        self.history = history

    def open(self, platform: str, workspace: str, conversation: str, members: list[dict[str, str]],
             items: list[dict[str, Any]], text: str = "") -> str:
        """A new poll; returns its id, random and url-safe (it goes into buttons)."""
        if not members or not items:
            raise ValueError("a poll needs members and items")
        poll_id = secrets.token_urlsafe(_ID_BYTES)
        with self.history._tx() as db:
            db.execute(
                "INSERT INTO polls (id, conversation, platform, workspace, members, items, text, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (poll_id, conversation, platform, workspace, json.dumps(members), json.dumps(items), text, time.time()),
            )
        return poll_id

    def forget(self, conversations: Sequence[str] = (), opened_before: float | None = None) -> int:
        """Delete the polls of `conversations` (a `forget`: they hold names and votes) and
        those opened before `opened_before` (memory.retention_days); how many went."""
        clauses, params = [], []
        if conversations:
            clauses.append(f"conversation IN ({', '.join('?' * len(conversations))})")
            params += list(conversations)
        if opened_before is not None:
            clauses.append("created_at < ?")
            params.append(opened_before)
        if not clauses:
            return 0
        where = " OR ".join(clauses)
        with self.history._tx() as db:
            # Votes first: SQLite enforces ON DELETE CASCADE only with foreign keys switched on.
            db.execute(f"DELETE FROM poll_votes WHERE poll_id IN (SELECT id FROM polls WHERE {where})", params)
            return db.execute(f"DELETE FROM polls WHERE {where}", params).rowcount

    def forget_workspace(self, platform: str, workspace: str) -> int:
        """Delete every poll of a workspace (the app uninstalled there); how many went."""
        with self.history._read() as db:
            conversations = [r[0] for r in db.execute("SELECT DISTINCT conversation FROM polls WHERE platform = ? AND workspace = ?",
                                                      (platform, workspace)).fetchall()]
        return self.forget(conversations)

    def get(self, platform: str, workspace: str, poll_id: str) -> Poll | None:
        """The poll, if it exists in this workspace (a poll id from elsewhere is unknown here)."""
        with self.history._read() as db:
            return _load(db, platform, workspace, poll_id)

    def vote(self, platform: str, workspace: str, poll_id: str, voter: str, item_id: str) -> Ballot:
        """Record `voter`'s choice (a new one replaces theirs); refused for a decided or
        unknown poll, a non-member, an item the poll does not list."""
        with self.history._tx() as db:
            self.history._serialise(db, "poll", poll_id)
            poll = _load(db, platform, workspace, poll_id)
            if poll is None:
                return Ballot("unknown", None)
            if poll.winner is not None:
                return Ballot("closed", poll)
            if poll.member(voter) is None:
                return Ballot("not_member", poll)
            if item_id not in poll.item_ids:
                return Ballot("not_listed", poll)
            previous = poll.votes.get(voter)
            if previous == item_id:
                return Ballot("same", poll)
            now = time.time()
            db.execute(
                "INSERT INTO poll_votes (poll_id, voter, item_id, voted_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (poll_id, voter) DO UPDATE SET item_id = excluded.item_id, voted_at = excluded.voted_at",
                (poll_id, voter, item_id, now),
            )
            poll = replace(poll, votes={**poll.votes, voter: item_id})
            decided = poll.everyone_voted
            if decided:
                poll = replace(poll, winner=poll.leader())
                db.execute("UPDATE polls SET winner = ?, decided_at = ? WHERE id = ?", (poll.winner, now, poll_id))
        return Ballot("changed" if previous else "counted", poll, previous, decided)


def _load(db: Executor, platform: str, workspace: str, poll_id: str) -> Poll | None:
    row = db.execute(
        "SELECT id, conversation, platform, workspace, members, items, text, created_at, winner FROM polls"
        " WHERE id = ? AND platform = ? AND workspace = ?",
        (poll_id, platform, workspace),
    ).fetchone()
    if row is None:
        return None
    votes = dict(db.execute("SELECT voter, item_id FROM poll_votes WHERE poll_id = ?", (poll_id,)).fetchall())
    pid, conversation, plat, space, members, items, text, created, winner = row
    return Poll(pid, conversation, plat, space, tuple(json.loads(members)), tuple(json.loads(items)), text,
                created, votes, winner)
